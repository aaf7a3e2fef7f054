"""Dense and convolution products over sparse spike events instead of whole spike maps.

An ISI binner spreads each input over ``K`` lines of which at most one carries a spike,
so the map it would emit is ``K`` times larger and ``K`` times sparser than its input.
These products take the events (indices of the spikes) and cost one weight column per
event (times the kernel taps for a conv); integer weights accumulate exactly in int64.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

from pumice.convert.ir.shapes import conv_output_hw


def _product(
    rows: np.ndarray,
    cols: np.ndarray,
    shape: tuple[int, int],
    matrix: np.ndarray,
    values: np.ndarray | None = None,
):
    """``E @ matrix`` where ``E`` holds ``values`` (ones by default) at every (row, col);
    repeats add up. Integer matrices and values stay exact in int64."""
    integer = matrix.dtype.kind in "iub" and (values is None or values.dtype.kind in "iub")
    dtype = np.int64 if integer else np.float64
    data = np.ones(rows.size, dtype=dtype) if values is None else values.astype(dtype)
    events = csr_matrix((data, (rows, cols)), shape=shape)
    return np.asarray(events @ matrix.astype(dtype, copy=False))


def dense_events(
    weight: np.ndarray,
    batch: int,
    steps: int,
    sample: np.ndarray,
    line: np.ndarray,
    step: np.ndarray,
    values: np.ndarray | None = None,
) -> np.ndarray:
    """``weight @ s`` for spikes at (sample, line, step), each ``values`` strong (graded
    spikes; default 1): (batch, out, steps)."""
    shape = (batch * steps, weight.shape[1])
    out = _product(sample * steps + step, line, shape, weight.T, values)
    return out.reshape(batch, steps, -1).transpose(0, 2, 1)


def conv_events(
    weight: np.ndarray,
    in_hw: tuple[int, int],
    batch: int,
    steps: int,
    events: tuple[np.ndarray, ...],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
    values: np.ndarray | None = None,
) -> np.ndarray:
    """Cross-correlation (torch semantics, one group) of spikes at ``events``.

    ``events`` is (sample, channel, row, column, step) of every spike, ``values`` their
    strengths (graded spikes; default 1); the result is (batch, out, H', W', steps).
    """
    sample, channel, row, col, step = events
    out_ch, in_ch, kh, kw = weight.shape
    out_h, out_w = conv_output_hw(in_hw, (kh, kw), stride, padding, dilation)
    rows, cols, strengths = [], [], []
    for i in range(kh):
        y, y_rest = np.divmod(row + padding[0] - i * dilation[0], stride[0])
        for j in range(kw):
            x, x_rest = np.divmod(col + padding[1] - j * dilation[1], stride[1])
            hit = (y_rest == 0) & (x_rest == 0) & (y >= 0) & (y < out_h) & (x >= 0) & (x < out_w)
            frame = sample[hit] * steps + step[hit]
            rows.append((frame * out_h + y[hit]) * out_w + x[hit])
            cols.append((channel[hit] * kh + i) * kw + j)
            if values is not None:
                strengths.append(values[hit])
    shape = (batch * steps * out_h * out_w, in_ch * kh * kw)
    matrix = weight.reshape(out_ch, -1).T
    held = np.concatenate(strengths) if values is not None else None
    out = _product(np.concatenate(rows), np.concatenate(cols), shape, matrix, held)
    return np.moveaxis(out.reshape(batch, steps, out_h, out_w, out_ch), (1, 4), (4, 1))
