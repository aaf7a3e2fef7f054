"""Inter-spike intervals, the ISI Gaussian and ISI binning (IMSNN: Adams et al.).

One convention everywhere (see :class:`pumice.convert.ir.ISIDense`): every presynaptic
neuron's last spike time starts at 0, a spike at run step ``n`` (0-based) has the interval
``n + 1 - last`` and sets ``last = n + 1``; a first spike at step ``n`` has ISI ``n + 1``.
So a run of ``R`` steps holds ISIs from 1 to ``R``, and a model trained on ``T`` steps runs
``T + LAG`` steps (:mod:`pumice.convert.ir.windows`).

A binner (:class:`pumice.convert.ir.ISIBinner` with ``K`` bins) routes a spike of input
``c`` with ISI ``k <= K`` to line ``c * K + k - 1`` of its first axis and drops longer ISIs.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import Graph, ISIConv2d, ISIDense
from pumice.convert.ir.windows import LAG
from pumice.errors import ModelError


def intervals(spikes: np.ndarray) -> np.ndarray:
    """The ISI of every spike of ``spikes`` (..., steps), 0 where there is no spike."""
    fired = np.asarray(spikes) != 0
    time = np.arange(1, fired.shape[-1] + 1, dtype=np.int32)
    latest = np.maximum.accumulate(np.where(fired, time, 0).astype(np.int32), axis=-1)
    before = np.zeros_like(latest)
    before[..., 1:] = latest[..., :-1]
    return np.where(fired, time - before, 0).astype(np.int32)


def gaussian(isi, mean, width) -> np.ndarray:
    """``exp(-(isi - mean)**2 / (2 * width**2))``, broadcast."""
    isi = np.asarray(isi, dtype=np.float64)
    return np.exp(-((isi - mean) ** 2) / (2.0 * np.asarray(width, dtype=np.float64) ** 2))


def binned_weight(node: ISIDense | ISIConv2d, num_bins: int) -> np.ndarray:
    """The standard synapse weight after a ``num_bins`` binner that equals ``node``.

    Dense: ``w[o, j * K + k] = height[o, j] * G(k + 1; mean[o, j], width[o, j])``.
    Conv: ``w[o, c * K + k, y, x] = height[o, c, y, x] * G(k + 1; mean[o, c], width[o, c])``.
    """
    isi = np.arange(1, num_bins + 1, dtype=np.float64)
    profile = gaussian(isi, node.mean[..., None], node.width[..., None])  # (out, in, K)
    height = np.asarray(node.height, dtype=np.float64)
    if node.traits.connectivity == "dense":
        return (height[:, :, None] * profile).reshape(height.shape[0], -1)
    out, channels, kh, kw = height.shape
    weight = height[:, :, None, :, :] * profile[:, :, :, None, None]
    return weight.reshape(out, channels * num_bins, kh, kw)


def bin_spikes(spikes: np.ndarray, num_bins: int) -> np.ndarray:
    """What a binner emits for ``spikes`` (batch, C, ..., steps): (batch, C * K, ..., steps)."""
    return Binned(intervals(spikes), num_bins).dense()


@dataclasses.dataclass(frozen=True, eq=False)
class Binned:
    """A binner's output held as its input's ISIs: the emulator never builds the K-fold map."""

    #: ISI of every input spike, 0 where none: (batch, C, ..., steps).
    intervals: np.ndarray
    num_bins: int

    def events(self) -> tuple[np.ndarray, ...]:
        """Indices ``(batch, line, *position, step)`` of every spike the binner emits."""
        kept = (self.intervals > 0) & (self.intervals <= self.num_bins)
        index = np.nonzero(kept)
        line = index[1] * self.num_bins + self.intervals[index] - 1
        return (index[0], line, *index[2:])

    def dense(self) -> np.ndarray:
        """The binner's output spikes: (batch, C * K, ..., steps), uint8."""
        batch, channels, *rest = self.intervals.shape
        out = np.zeros((batch, channels * self.num_bins, *rest), dtype=np.uint8)
        out[self.events()] = 1
        return out


def largest_isi(graph: Graph, max_isi: int | None = None) -> int:
    """The largest ISI a run of ``graph`` can hold: ``max_isi``, else its T steps + LAG."""
    if max_isi is None:
        steps = graph.metadata.get("steps")
        if steps is None:
            names = [n for n, node in graph.nodes.items() if node.traits.isi]
            raise ModelError(
                f"ISI synapses ({', '.join(names)}) need the largest ISI to bin, but the model "
                f"records no time steps T (metadata 'steps'): give max_isi (T + {LAG} for a "
                f"model trained on T steps)"
            )
        max_isi = int(steps) + LAG
    if isinstance(max_isi, bool) or not isinstance(max_isi, int | np.integer) or max_isi < 1:
        raise ModelError(f"the largest ISI must be a positive integer, got {max_isi!r}")
    return int(max_isi)
