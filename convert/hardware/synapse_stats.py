"""What the design rules measure on a synapse layer: fan-in, weight bits, accumulator size."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import FixedConv2d, Node
from pumice.convert.lava_arithmetic import sign_mode


def has_weight_matrix(node: Node) -> bool:
    """Dense and conv synapses with a weight array (not pooling, not ISI synapses)."""
    traits = node.traits
    return traits.role == "synapse" and traits.connectivity in ("dense", "conv") and not traits.isi


def _valid_taps(
    size: int, out: int, kernel: int, stride: int, pad: int, dilation: int
) -> np.ndarray:
    """``[o, k]``: whether kernel tap ``k`` of output ``o`` falls inside the input (not padding)."""
    position = np.arange(out)[:, None] * stride - pad + np.arange(kernel)[None, :] * dilation
    return ((position >= 0) & (position < size)).astype(np.int64)


def max_fan_in(node: Node, input_shape: tuple[int, ...]) -> int:
    """The most nonzero synapses any one output neuron of ``node`` receives.

    Each counts as one presynaptic neuron, so one input axon on discrete (non-population)
    axons. Conv outputs at the border see fewer taps; the count is exact for every output.
    """
    return int(fan_in(node, input_shape).max(initial=0))


def fan_in(node: Node, input_shape: tuple[int, ...]) -> np.ndarray:
    """Nonzero synapses each output neuron of ``node`` receives, flat in C order."""
    nonzero = node.weight != 0
    if node.traits.connectivity == "dense":
        return nonzero.sum(axis=1)
    _, out_h, out_w = node.output_shape(input_shape)
    taps = nonzero.sum(axis=1)  # (out, kh, kw): nonzero weights over input channels
    rows = _valid_taps(
        input_shape[1], out_h, taps.shape[1], node.stride[0], node.padding[0], node.dilation[0]
    )
    cols = _valid_taps(
        input_shape[2], out_w, taps.shape[2], node.stride[1], node.padding[1], node.dilation[1]
    )
    return np.einsum("oij,yi,xj->oyx", taps, rows, cols).ravel()


def significant_weight_bits(weight: np.ndarray, register_bits: int) -> int:
    """Bits a synapse needs to hold these mantissas without dropping any low bit.

    The synapse register holds ``register_bits`` magnitude bits (plus a sign bit for mixed
    signs); a synapse with ``n`` weight bits keeps only the top ``n`` of them, sign included,
    as Lava's ``truncate_weights`` does. Zero for all-zero weights.
    """
    magnitudes = np.abs(np.asarray(weight, dtype=np.int64))
    magnitudes = magnitudes[magnitudes != 0]
    if magnitudes.size == 0:
        return 0
    trailing_zeros = int(np.log2(magnitudes & -magnitudes).min())
    mixed = int(sign_mode(weight) == "mixed")
    return max(register_bits + mixed - trailing_zeros, 0)


def conv_peak_sum(node: FixedConv2d) -> int:
    """Largest magnitude a partial sum of one conv output can reach on binary spikes.

    Uses the weights Lava runs (``weight << weight_exp``, the exponent folded in when it is
    positive): every partial sum lies between minus the sum of the negative weights and
    the sum of the positive weights of its output channel.
    """
    weight = node.weight.astype(np.int64).reshape(node.weight.shape[0], -1)
    weight = weight << max(int(node.weight_exp), 0)
    positive = np.where(weight > 0, weight, 0).sum(axis=1)
    negative = np.where(weight < 0, -weight, 0).sum(axis=1)
    return int(np.maximum(positive, negative).max(initial=0))
