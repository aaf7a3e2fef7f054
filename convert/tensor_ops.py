"""Dense and convolution products over (batch, features..., time) tensors.

Integer products run through floating-point BLAS when the result is provably exact
(every partial sum below 2**24 for float32, 2**53 for float64), else in int64. Integer
weights on very sparse input (TTFS trains: at most one spike per neuron in a whole run)
are applied spike by spike instead (:mod:`pumice.convert.event_ops`, exact in int64).
"""

from __future__ import annotations

import numpy as np

from pumice.convert import event_ops

#: Integer products on input with fewer nonzero entries than this fraction are computed
#: over the events (one weight column per spike), which is then far cheaper.
SPARSE_DENSITY = 0.01

#: float32 holds every integer up to 2**24 exactly (Lava's Conv sums in float32), float64
#: up to 2**53.
FLOAT32_EXACT = 1 << 24
FLOAT64_EXACT = 1 << 53
#: Patch matrix elements a convolution builds at once (frames are taken in chunks).
PATCH_ELEMENTS = 1 << 24


def _exact_dtype(weight: np.ndarray, inputs_max: float) -> type:
    if weight.dtype.kind == "f":
        return np.float64
    bound = (
        float(
            np.abs(weight)
            .astype(np.float64)
            .sum(axis=tuple(range(1, weight.ndim)))
            .max(initial=0.0)
        )
        * inputs_max
    )
    if bound < FLOAT32_EXACT:
        return np.float32
    if bound < FLOAT64_EXACT:
        return np.float64
    return np.int64


def _finish(result: np.ndarray, weight: np.ndarray) -> np.ndarray:
    if weight.dtype.kind == "f":
        return result
    return np.rint(result).astype(np.int64) if result.dtype.kind == "f" else result


def sparse_nonzero(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """``np.nonzero(x)``, the same indices in the same order; a contiguous byte array is
    scanned eight bytes at a time first, which is several times faster when few are set."""
    if x.itemsize != 1 or not x.flags.c_contiguous or x.size % 8:
        return np.nonzero(x)
    bytes_ = x.reshape(-1).view(np.uint8)
    words = np.flatnonzero(bytes_.view(np.uint64))
    word, byte = np.nonzero(bytes_.reshape(-1, 8)[words])
    return np.unravel_index(words[word] * 8 + byte, x.shape)


def _events(weight: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Indices of ``x``'s nonzero entries when integer weights make the event product
    worthwhile (see :data:`SPARSE_DENSITY`), else None."""
    if weight.dtype.kind not in "iu" or x.dtype.kind not in "iub" or x.size == 0:
        return None
    if np.count_nonzero(x) >= SPARSE_DENSITY * x.size:
        return None
    return sparse_nonzero(x)


def _ungrouped(weight: np.ndarray, groups: int) -> np.ndarray:
    """A grouped conv weight (out, in / groups, kh, kw) as one group (out, in, kh, kw),
    zero between groups."""
    out_ch, in_per_group = weight.shape[:2]
    full = np.zeros((out_ch, in_per_group * groups, *weight.shape[2:]), dtype=weight.dtype)
    per_group = out_ch // groups
    for group in range(groups):
        rows = slice(group * per_group, (group + 1) * per_group)
        full[rows, group * in_per_group : (group + 1) * in_per_group] = weight[rows]
    return full


def dense(weight: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``weight @ x`` for ``x`` of shape (batch, in, time) -> (batch, out, time)."""
    batch, _, steps = x.shape
    events = _events(weight, x)
    if events is not None:
        sample, line, step = events
        return event_ops.dense_events(weight, batch, steps, sample, line, step, x[events])
    dtype = _exact_dtype(weight, float(np.abs(x).max(initial=0)))
    flat = np.ascontiguousarray(x.transpose(0, 2, 1), dtype=dtype).reshape(batch * steps, -1)
    out = flat @ weight.astype(dtype).T
    return _finish(out.reshape(batch, steps, -1).transpose(0, 2, 1), weight)


def conv2d(
    weight: np.ndarray,
    x: np.ndarray,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
) -> np.ndarray:
    """Cross-correlation (torch semantics): (batch, C, H, W, time) -> (batch, O, H', W', time)."""
    batch, channels, _, _, steps = x.shape
    out_ch, in_per_group, kh, kw = weight.shape
    events = _events(weight, x)
    if events is not None:
        full = _ungrouped(weight, groups) if groups > 1 else weight
        return event_ops.conv_events(
            full, x.shape[2:4], batch, steps, events, stride, padding, dilation, x[events]
        )
    dtype = _exact_dtype(weight, float(np.abs(x).max(initial=0)))
    frames = np.moveaxis(x, -1, 1).reshape(batch * steps, channels, *x.shape[2:4]).astype(dtype)
    frames = np.pad(frames, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    span = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    windows = np.lib.stride_tricks.sliding_window_view(frames, span, axis=(2, 3))
    windows = windows[:, :, :: stride[0], :: stride[1], :: dilation[0], :: dilation[1]]
    n, _, ho, wo = windows.shape[:4]
    windows = windows.reshape(n, groups, in_per_group, ho, wo, kh, kw)
    # Per group, one matrix product of the frames' patches (im2col) with the kernels.
    kernels = weight.astype(dtype).reshape(groups, out_ch // groups, in_per_group * kh * kw)
    out = np.empty((n, groups, out_ch // groups, ho, wo), dtype)
    chunk = max(1, PATCH_ELEMENTS // (ho * wo * in_per_group * kh * kw))
    for start in range(0, n, chunk):
        part = windows[start : start + chunk]
        for group in range(groups):
            patches = part[:, group].transpose(0, 2, 3, 1, 4, 5).reshape(-1, kernels.shape[-1])
            product = (patches @ kernels[group].T).reshape(len(part), ho, wo, -1)
            out[start : start + chunk, group] = product.transpose(0, 3, 1, 2)
    out = out.reshape(batch, steps, out_ch, ho, wo)
    return _finish(np.moveaxis(out, 1, -1), weight)


def delay_one_step(x: np.ndarray) -> np.ndarray:
    """Shift along the last (time) axis by one step, zero at step 0 (Lava's synapse buffer)."""
    out = np.empty_like(x)  # (zeros_like, then the copy, costs several times more)
    out[..., 0] = 0
    out[..., 1:] = x[..., :-1]
    return out
