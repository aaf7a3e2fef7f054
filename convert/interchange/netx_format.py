"""What lava-dl's netx (0.6) does with the numbers of a ``.net`` file when it builds Lava.

Shared by the importer and the exporter so both read the format the same way.
"""

from __future__ import annotations

import numpy as np

from pumice.convert import lava_arithmetic as la
from pumice.convert.ir import FixedDense

#: Layer types pumice reads from and writes to ``.net`` files.
LAYER_TYPES = ("input", "dense", "conv", "pool", "flatten")
#: Neuron types netx builds a Lava ``LIF`` for.
NEURON_TYPES = ("CUBA", "LOIHI")
#: HDF5 attribute of the file holding the graph's metadata (JSON); netx ignores it.
METADATA_ATTR = "pumice.metadata"
#: HDF5 attributes of a layer group holding the synapse's own encoding, so a round trip
#: keeps the weight bits (and the synaptic memory ``map`` counts); netx ignores them and
#: re-encodes the integer weights with ``optimize_weight_bits``.
WEIGHT_EXP_ATTR = "pumice.weight_exp"
WEIGHT_BITS_ATTR = "pumice.num_weight_bits"
SPARSE_ATTR = "pumice.sparse"


def integer_weights(node: FixedDense) -> np.ndarray | None:
    """``W`` with ``W @ s`` equal to the node's output for all spikes ``s``, if one exists."""
    weight = la.effective_dense_weights(node.weight, node.num_weight_bits)
    if node.weight_exp >= 0:
        return weight << node.weight_exp
    if np.any(weight % (1 << -node.weight_exp)):
        return None
    return weight >> -node.weight_exp


def encoded_dense(
    weight: np.ndarray, weight_exp: int, num_weight_bits: int, sparse: bool
) -> FixedDense | None:
    """The ``FixedDense`` with this encoding that computes integer ``weight``, or None."""
    weight = np.asarray(weight, dtype=np.int64)
    if not 1 <= num_weight_bits <= 8:
        return None
    if weight_exp >= 0:
        if np.any(weight % (1 << weight_exp)):
            return None
        mantissa = weight >> weight_exp
    else:
        mantissa = weight << -weight_exp
    if np.any(np.abs(mantissa) > 255):
        return None
    node = FixedDense(
        mantissa, sparse=sparse, weight_exp=weight_exp, num_weight_bits=num_weight_bits
    )
    computed = integer_weights(node)
    return node if computed is not None and np.array_equal(computed, weight) else None


def netx_dense(weight: np.ndarray) -> FixedDense:
    """The Lava ``Dense`` netx builds for integer ``weight`` (``optimize_weight_bits``).

    Raises :class:`ValueError` where netx fails, would zero the weights or would clip them:
    all weights zero, a single-signed matrix beyond 8 bits, or a mixed-sign one beyond
    [-256, 254] (which netx clips with a warning, computing another layer than the file's).
    """
    weight = np.asarray(weight, dtype=np.int64)
    largest, smallest = int(weight.max()), int(weight.min())
    if smallest < 0 < largest and (largest > 254 or smallest < -256):
        raise ValueError(
            f"weights in [{smallest}, {largest}] do not fit Loihi's 8-bit synapse "
            f"(netx would clip them to [-256, 254])"
        )
    if largest < 0:
        scale, signed = -256 / smallest, 0
    elif smallest >= 0:
        if largest == 0:
            raise ValueError("all weights are zero, which netx cannot load")
        scale, signed = 255 / largest, 0
    else:
        scale, signed = -128 / smallest, 1
        if largest > 0:
            scale = min(scale, 127 / largest)
    shift = int(np.floor(np.log2(scale))) + signed
    if shift < 0:
        raise ValueError(f"weights in [{smallest}, {largest}] do not fit Loihi's 8-bit synapse")
    trailing = 8  # netx: the largest n <= 8 with every weight a multiple of 2**n
    while trailing > 0 and np.any(weight % (1 << trailing)):
        trailing -= 1
    return FixedDense(
        weight << shift, weight_exp=-shift, num_weight_bits=8 - shift - (trailing - signed)
    )
