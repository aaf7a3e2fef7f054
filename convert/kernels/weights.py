"""Weight tables for event-driven synapses: Lava's effective weights in the narrowest
integers that hold them.

Lava's Dense drops the same low bits of every weight (``truncate_weights``), so the weights
share a power-of-two factor: the table holds the weights divided by it (int8 when they fit,
else int16), and a step's sum is multiplied back. Sums are accumulated in int16 when no
step's sum can leave int16 (every weight of a neuron's row adding up), else in int32;
wrapping partial sums are harmless there, since only the exact final sum is read.
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: Accumulator types, narrowest first, and the sums each holds.
_ACCUMULATORS = ((np.int16, 1 << 15), (np.int32, 1 << 31))


@dataclasses.dataclass(frozen=True)
class WeightTable:
    """Weights divided by ``2**scale``, one row per input line (``rows`` x ...)."""

    rows: np.ndarray
    scale: int
    #: A one-element array of the accumulator type (the kernels read its dtype).
    accumulator: np.ndarray

    #: Eight rows add up without leaving int8 (then they are summed so).
    narrow: bool


def common_scale(weight: np.ndarray) -> int:
    """The largest ``s <= 8`` such that every weight is a multiple of ``2**s``."""
    nonzero = np.abs(weight[weight != 0]).astype(np.int64)
    if nonzero.size == 0:
        return 0
    low_bits = np.bitwise_or.reduce(nonzero)
    return min(int(low_bits & -low_bits).bit_length() - 1, 8)


def weight_table(weight: np.ndarray, row_axes: tuple[int, ...], bound: int) -> WeightTable | None:
    """The table of integer ``weight`` with its axes ``row_axes`` first (rows = input
    lines), or None when a step's sum could leave int32. ``bound`` is the largest sum of
    absolute weights onto one neuron."""
    scale = common_scale(weight)
    scaled = np.right_shift(weight.astype(np.int64), scale)
    fits8 = scaled.size == 0 or (scaled.min() >= -128 and scaled.max() <= 127)
    rest = tuple(axis for axis in range(weight.ndim) if axis not in row_axes)
    rows = np.ascontiguousarray(scaled.transpose(*row_axes, *rest))
    rows = rows.astype(np.int8 if fits8 else np.int16)
    narrow = fits8 and 8 * int(np.abs(scaled).max(initial=0)) <= 127
    for dtype, limit in _ACCUMULATORS:
        if bound >> scale < limit:
            return WeightTable(rows, scale, np.zeros(1, dtype), narrow)
    return None
