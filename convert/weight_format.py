"""Loihi synaptic weight formats: integer weights on a b-bit grid as 8-bit mantissas + exponent."""

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


def grid_levels(bits: int, mixed: bool) -> tuple[int, int]:
    """Smallest and largest multiple of the step that ``bits`` weight bits hold in Lava.

    Lava keeps the top ``bits`` of an 8-bit magnitude (one bit fewer of magnitude when
    signs mix), so a layer has ``2**bits`` levels: [-2**(bits-1), 2**(bits-1) - 1] steps
    with mixed signs, [0, 2**bits - 1] (or its negative) otherwise.
    """
    if not 1 <= bits <= 8:
        raise ValueError(f"weight bits must be 1..8, got {bits}")
    if mixed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def on_grid(weight: np.ndarray, bits: int, step: int) -> np.ndarray:
    """Integer weights rounded to multiples of ``step`` and clipped to ``bits`` bits' levels."""
    levels = np.round(np.asarray(weight, dtype=np.float64) / step)
    if np.all(levels >= 0) or np.all(levels <= 0):
        top = grid_levels(bits, mixed=False)[1]
        levels = np.clip(levels, -top, top)
    else:
        levels = np.clip(levels, *grid_levels(bits, mixed=True))
    return levels.astype(np.int64) * step


def grid_format(weight: np.ndarray, bits: int, step: int) -> WeightFormat:
    """Lava mantissas and exponent for weights on a ``bits``-bit grid of power-of-two ``step``.

    The mantissa of a weight is its level shifted to the top of Lava's 8-bit field, the
    exponent brings it back: ``mantissa << exponent`` equals the weight exactly.
    """
    if step < 1 or step & (step - 1):
        raise ValueError(f"the weight step must be a power of two, got {step}")
    levels = np.asarray(weight, dtype=np.int64) // step
    mixed = sign_mode(levels) == "mixed"
    shift = 8 - bits + int(mixed)
    exponent = int(np.log2(step)) - shift
    return WeightFormat(levels << shift, exponent, bits)
