"""Inter-spike intervals, the ISI Gaussian and ISI binning (IMSNN: Adams et al.).

One convention everywhere (see :class:`pumice.convert.ir.ISIDense`): every presynaptic
neuron's last spike time starts at 0, a spike at run step ``n`` (0-based) has the interval
``n + 1 - last`` and sets ``last = n + 1``; a first spike at step ``n`` has ISI ``n + 1``.
So a run of ``R`` steps holds ISIs from 1 to ``R``, and a model trained on ``T`` steps runs
``T + LAG`` steps (:mod:`pumice.convert.ir.windows`).

A binner (:class:`pumice.convert.ir.ISIBinner` with ``K`` bins of ``w`` steps) routes a
spike of input ``c`` with ISI ``k`` to line ``c * K + (k - 1) // w`` of its first axis and
drops ISIs beyond the last bin. A payload router (:class:`pumice.convert.ir.ISIPayload`)
sends a spike of input ``j`` on its ``G`` lines ``j * G + g``, each carrying a value
looked up by the ISI (a graded spike). Both outputs are held as :class:`LineEvents`: the
emulator never builds the larger, sparser map.
"""

from __future__ import annotations

import dataclasses
import functools

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

    Bin ``k`` holds the ISIs from ``k * w + 1`` (``w = node.bin_width``), all with one
    modulation (:meth:`ISIDense.modulation`).
    Dense: ``w[o, j * K + k] = height[o, j] * modulation(k * w + 1)[o, j]``.
    Conv: ``w[o, c * K + k, y, x] = height[o, c, y, x] * modulation(k * w + 1)[o, c]``.
    """
    first = np.arange(num_bins) * node.bin_width + 1
    profile = np.stack([node.modulation(int(isi)) for isi in first], axis=-1)  # (out, in, K)
    height = np.asarray(node.height, dtype=np.float64)
    if node.traits.connectivity == "dense":
        return (height[:, :, None] * profile).reshape(height.shape[0], -1)
    out, channels, kh, kw = height.shape
    weight = height[:, :, None, :, :] * profile[:, :, :, None, None]
    return weight.reshape(out, channels * num_bins, kh, kw)


def bin_spikes(spikes: np.ndarray, num_bins: int, bin_width: int = 1) -> np.ndarray:
    """What a binner emits for ``spikes`` (batch, C, ..., steps): (batch, C * K, ..., steps)."""
    return Binned(intervals(spikes), num_bins, bin_width).dense()


@dataclasses.dataclass(frozen=True, eq=False)
class LineEvents:
    """A router's output held as its input's ISIs: spikes on ``lines`` lines per input."""

    #: ISI of every input spike, 0 where none: (batch, C, ..., steps).
    intervals: np.ndarray

    @property
    def lines(self) -> int:
        """Output lines per input neuron (or channel)."""
        raise NotImplementedError

    def events(self) -> tuple[np.ndarray, ...]:
        """Indices ``(batch, line, *position, step)`` of every event the router emits."""
        raise NotImplementedError

    def values(self) -> np.ndarray:
        """The value each event of :meth:`events` carries (1 for a binary spike)."""
        raise NotImplementedError

    def dense(self) -> np.ndarray:
        """The router's output: (batch, C * lines, ..., steps)."""
        batch, channels, *rest = self.intervals.shape
        values = self.values()
        out = np.zeros((batch, channels * self.lines, *rest), dtype=values.dtype)
        out[self.events()] = values
        return out


@dataclasses.dataclass(frozen=True, eq=False)
class Binned(LineEvents):
    """A binner's output: one binary spike per input spike, on the line of its ISI's bin."""

    num_bins: int
    bin_width: int = 1

    @property
    def lines(self) -> int:
        return self.num_bins

    @functools.cached_property
    def _kept(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        bins = (self.intervals - 1) // self.bin_width
        index = np.nonzero((self.intervals > 0) & (bins < self.num_bins))
        return index, bins[index]

    def events(self) -> tuple[np.ndarray, ...]:
        index, bins = self._kept
        line = index[1] * self.num_bins + bins
        return (index[0], line, *index[2:])

    def values(self) -> np.ndarray:
        return np.ones(self._kept[1].size, dtype=np.uint8)


@dataclasses.dataclass(frozen=True, eq=False)
class Graded(LineEvents):
    """A payload router's output: each input spike on every line of its input, valued by
    ``table[line, isi - 1]``; ISIs past the table, and zero values, send nothing."""

    #: (inputs * lines_per_input, L): the value of each line at ISIs 1..L.
    table: np.ndarray
    lines_per_input: int

    @property
    def lines(self) -> int:
        return self.lines_per_input

    @functools.cached_property
    def _lookup(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        batch, inputs, steps = self.intervals.shape
        sample, neuron, step = np.nonzero(
            (self.intervals > 0) & (self.intervals <= self.table.shape[1])
        )
        isi = self.intervals[sample, neuron, step]
        line = neuron[:, None] * self.lines_per_input + np.arange(self.lines_per_input)
        values = self.table[line, (isi - 1)[:, None]]
        sent = values != 0
        rows = np.broadcast_to(np.arange(len(isi))[:, None], sent.shape)[sent]
        return (sample[rows], line[sent], step[rows]), values[sent]

    def events(self) -> tuple[np.ndarray, ...]:
        return self._lookup[0]

    def values(self) -> np.ndarray:
        return self._lookup[1]


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
