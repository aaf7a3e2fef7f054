"""Loihi synaptic weight formats: an integer weight as an 8-bit mantissa and an exponent."""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.lava_arithmetic import sign_mode


@dataclasses.dataclass(frozen=True)
class WeightFormat:
    """Mantissas plus a per-layer exponent; ``mantissa << exponent`` sums equal the weights."""

    mantissa: np.ndarray
    exponent: int
    num_weight_bits: int


def mantissa_and_exponent(weight: np.ndarray) -> WeightFormat:
    """Spread integer weights over the full 8-bit mantissa, as lava-dl's netx does.

    ``weight`` must be integers in [-256, 254] (mixed signs) or [-256, 255]. The mantissa
    is ``weight << s`` with the largest ``s`` that still fits, the exponent ``-s``; the
    number of weight bits is the smallest that loses nothing. Lava's Dense then computes
    ``(mantissa @ spikes) >> s`` = ``weight @ spikes`` exactly.
    """
    weight = np.asarray(weight, dtype=np.int64)
    mode = sign_mode(weight)
    if not weight.any():
        return WeightFormat(weight, 0, 8)
    largest, smallest = int(weight.max()), int(weight.min())
    if mode == "mixed":
        scale = min(127 / largest, -128 / smallest)
    elif mode == "inhibitory":
        scale = -255 / smallest  # Lava clips inhibitory mantissas at -255
    else:
        scale = 255 / largest
    signed = int(mode == "mixed")
    shift = max(int(np.floor(np.log2(scale))) + signed, 0)
    trailing = 8
    while trailing > 0 and np.any(weight % (1 << trailing)):
        trailing -= 1
    num_weight_bits = 8 - shift - (trailing - signed)
    return WeightFormat(weight << shift, -shift, min(max(num_weight_bits, 1), 8))
