"""Kernel of the ISI binner: each spike's inter-spike interval, the line it leaves on
(see :mod:`.trains` and :func:`pumice.convert.intervals.intervals`)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pumice.convert.ir import ISIBinner
from pumice.convert.kernels.registry import kernel
from pumice.convert.kernels.trains import Trains

#: A binned spike is held as ``isi`` in uint8, so at most 255 bins.
MAX_BINS = 255


@njit(parallel=True, cache=True)
def bin_intervals(x, time_major, bins, out):
    """ISIs of the spikes of ``x`` (0 where none, or beyond ``bins``): (batch, steps, n)."""
    steps, width = out.shape[1], out.shape[2]
    for b in prange(x.shape[0]):
        last = np.zeros(width, np.int64)
        for t in range(steps):
            for j in range(width):
                spike = x[b, t, j] if time_major else x[b, j, t]
                isi = 0
                if spike != 0:
                    isi = t + 1 - last[j]
                    last[j] = t + 1
                out[b, t, j] = isi if isi <= bins else 0


@kernel(ISIBinner)
def _binner(node: ISIBinner, x: Trains) -> Trains | None:
    bins = int(node.num_bins)
    if bins > MAX_BINS or x.bins != 1:
        return None
    batch, steps = x.data.shape[0], x.steps
    out = np.empty((batch, steps, int(np.prod(x.shape))), np.uint8)
    bin_intervals(x.data, x.time_major, bins, out)
    plane = int(np.prod(x.shape[1:]))
    return Trains(out, True, node.output_shape(x.shape), bins=bins, plane=plane)
