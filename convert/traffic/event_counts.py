"""The report's per-step counts from spike events, compiled (numba): one pass over each
sample's spikes, so a report costs less than the run it reads.

- :func:`incidence_counts`: per step, the sum of an incidence matrix's rows over the lines
  that spiked (messages, synaptic operations, hops, each per core);
- :func:`arrivals`: per step, which neurons receive at least one synaptic event (one step
  after the spike, Lava's delay), from the present synapses;
- :func:`updates_per_core`: per step and core, the neurons active (spiked or received).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numba import njit, prange

from pumice.convert.kernels.events import collect_lines
from pumice.convert.kernels.trains import Trains


@njit(parallel=True, cache=True)
def _incidence(x, time_major, bins, plane, starts, columns, values, out):
    steps = out.shape[1]
    for b in prange(x.shape[0]):
        lines = np.empty((steps, len(starts) - 1), np.int32)
        counts = np.zeros(steps, np.int32)
        collect_lines(x[b], time_major, bins, plane, lines, counts)
        for t in range(steps):
            target = out[b, t]
            for k in range(counts[t]):
                line = lines[t, k]
                for e in range(starts[line], starts[line + 1]):
                    target[columns[e]] += values[e]


def incidence_counts(trains: Trains, matrix: np.ndarray) -> np.ndarray:
    """``spikes @ matrix`` per sample and step: (samples, steps, columns), int64, for the
    lines of ``trains`` (rows of ``matrix``); each spike adds its row's nonzeros."""
    samples, steps = trains.data.shape[0], trains.steps
    out = np.zeros((samples, steps, matrix.shape[1]), np.int64)
    row, column = np.nonzero(matrix)
    starts = np.searchsorted(row, np.arange(len(matrix) + 1))
    values = matrix[row, column].astype(np.int64)
    _incidence(
        trains.data, trains.time_major, trains.bins, trains.plane, starts, column, values, out
    )
    return out


@njit(cache=True)
def _csr(keys, values, size):
    """``values`` grouped by ``keys`` (0..size-1): (start of each group, values)."""
    starts = np.zeros(size + 1, np.int64)
    for key in keys:
        starts[key + 1] += 1
    for i in range(size):
        starts[i + 1] += starts[i]
    fill = starts[:-1].copy()
    grouped = np.empty(len(values), np.int64)
    for i in range(len(keys)):
        grouped[fill[keys[i]]] = values[i]
        fill[keys[i]] += 1
    return starts, grouped


@njit(parallel=True, cache=True)
def _arrivals(x, time_major, bins, plane, by_pre, pre_posts, by_post, post_pres, every, out):
    """``out[b, t + 1, o] = 1`` where a spike at step ``t`` reaches neuron ``o``. A step is
    spread from its spikes (few spikes) or each neuron looks for a spiking input (many); a
    neuron fed by ``every`` line that ever spikes is reached by any spike."""
    steps, n_post = out.shape[1], out.shape[2]
    n_lines = len(by_pre) - 1
    for b in prange(x.shape[0]):
        lines = np.empty((steps, n_lines), np.int32)
        counts = np.zeros(steps, np.int32)
        collect_lines(x[b], time_major, bins, plane, lines, counts)
        lit = np.zeros(n_lines, np.uint8)
        for t in range(steps - 1):
            count = counts[t]
            if count == 0:
                continue
            target = out[b, t + 1]
            spread = 0
            for k in range(count):
                line = lines[t, k]
                spread += by_pre[line + 1] - by_pre[line]
            if spread <= n_post * (n_lines // count + 1):
                for k in range(count):
                    line = lines[t, k]
                    for s in range(by_pre[line], by_pre[line + 1]):
                        target[pre_posts[s]] = 1
                continue
            for k in range(count):
                lit[lines[t, k]] = 1
            for o in range(n_post):
                if every[o]:
                    target[o] = 1
                    continue
                for s in range(by_post[o], by_post[o + 1]):
                    if lit[post_pres[s]]:
                        target[o] = 1
                        break
            for k in range(count):
                lit[lines[t, k]] = 0


def line_activity(trains: Trains, n_lines: int) -> np.ndarray:
    """Spikes of each line of ``trains`` over the whole batch."""
    axes = (0, 1) if trains.time_major else (0, 2)
    if trains.bins == 1:
        return (trains.data != 0).sum(axis=axes, dtype=np.int64)
    sample, *where = np.nonzero(trains.data)
    neuron = where[1] if trains.time_major else where[0]
    values = trains.data[(sample, *where)].astype(np.int64)
    channel, position = np.divmod(neuron, trains.plane)
    line = (channel * trains.bins + values - 1) * trains.plane + position
    return np.bincount(line, minlength=n_lines)


@dataclasses.dataclass(frozen=True)
class Reach:
    """The present synapses of one set, grouped for :func:`arrivals`: the neurons each
    line reaches, and the inputs of each neuron, busiest first (silent ones left out)."""

    by_pre: np.ndarray
    pre_posts: np.ndarray
    by_post: np.ndarray
    post_pres: np.ndarray
    n_post: int
    #: Neurons fed by every line that spikes in the run (any spike reaches them).
    every: np.ndarray

    @classmethod
    def of(cls, pre: np.ndarray, post: np.ndarray, n_post: int, activity: np.ndarray) -> Reach:
        """``pre -> post`` synapses (flat indices) whose lines spiked ``activity`` times."""
        pre, post = pre.astype(np.int64), post.astype(np.int64)
        by_pre, pre_posts = _csr(pre, post, len(activity))
        busy = activity[pre]
        busy_first = np.lexsort((-busy, post))
        busy_first = busy_first[busy[busy_first] > 0]
        by_post, post_pres = _csr(post[busy_first], pre[busy_first], n_post)
        every = (np.diff(by_post) == np.count_nonzero(activity)).astype(np.uint8)
        return cls(by_pre, pre_posts, by_post, post_pres, n_post, every)


def arrivals(trains: Trains, reach: Reach) -> np.ndarray:
    """Which neurons receive an event at each step through the synapses of ``reach``
    (whose lines are those of ``trains``): (samples, steps, neurons) uint8."""
    samples, steps = trains.data.shape[0], trains.steps
    out = np.zeros((samples, steps, reach.n_post), np.uint8)
    _arrivals(
        trains.data, trains.time_major, trains.bins, trains.plane, reach.by_pre,
        reach.pre_posts, reach.by_post, reach.post_pres, reach.every, out,
    )  # fmt: skip
    return out


@njit(parallel=True, cache=True)
def _updates(arrived, fired, owner, out):
    steps, n = arrived.shape[1], arrived.shape[2]
    for b in prange(arrived.shape[0]):
        for o in range(n):
            core = owner[o]
            for t in range(steps):
                out[b, t, core] += (arrived[b, t, o] | fired[b, o, t]) != 0


def updates_per_core(arrived: np.ndarray, fired: np.ndarray, owner: np.ndarray, cores: int):
    """Neurons spiking (``fired``, (samples, n, steps)) or receiving (``arrived``,
    (samples, steps, n)) per step, summed per local core ``owner[neuron]``:
    (samples, steps, cores), int64."""
    out = np.zeros((arrived.shape[0], arrived.shape[1], cores), np.int64)
    _updates(arrived, fired.reshape(len(fired), -1, fired.shape[-1]), owner.astype(np.int64), out)
    return out
