"""Synaptic memory an axon's synapse list takes, counted as nengo-loihi counts it.

nengo_loihi/block.py, ``SynapseConfig.bits_per_axon`` (decoded constants): an axon's
synapses are stored in blocks of at most 64 (``n_synapses = 63`` plus one); each block
holds ``n * bits_per_weight`` bits plus a 4-bit synapse index and a 6-bit synapse count,
rounded up to whole 64-bit words. ``bits_per_weight`` is the weight width, plus the
target index width for the indexed (sparse, ``compression = 0``) format; the dense format
(``compression = 3``) stores a weight for every target in order and needs no index.
``INDEX_BITS_MAP = [0, 6, ..., 12]``: an index takes the bits of the largest target index,
at least 6. Loihi 2's format is not public; the same count is used for it.
"""

from __future__ import annotations

import numpy as np

#: Synapses in one block of an axon's synapse list.
SYNAPSES_PER_BLOCK = 64
#: Header bits of a block: synapse index (4) and synapse count (6).
BLOCK_HEADER_BITS = 4 + 6
#: Memory word: every block is rounded up to whole words.
WORD_BITS = 64
#: Fewest bits of a target index (nengo-loihi's smallest nonzero ``INDEX_BITS_MAP`` entry).
MIN_INDEX_BITS = 6


def _block_bits(synapses: np.ndarray, bits_per_weight: int) -> np.ndarray:
    raw = synapses * bits_per_weight + BLOCK_HEADER_BITS
    return np.where(synapses > 0, -WORD_BITS * (-raw // WORD_BITS), 0)


def synapse_list_bits(synapses: np.ndarray | int, bits_per_weight: int) -> np.ndarray:
    """Bits of each axon's synapse list, for axons holding ``synapses`` synapses each."""
    synapses = np.asarray(synapses, dtype=np.int64)
    full, rest = np.divmod(synapses, SYNAPSES_PER_BLOCK)
    full_block = _block_bits(np.int64(SYNAPSES_PER_BLOCK), bits_per_weight)
    return full * full_block + _block_bits(rest, bits_per_weight)


def index_bits(targets: int) -> int:
    """Bits of a target index into ``targets`` neurons (no 12-bit cap: Loihi 2 cores hold more)."""
    return max(MIN_INDEX_BITS, (targets - 1).bit_length())
