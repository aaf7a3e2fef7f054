"""The report's per-step counts from spike events, compiled (numba): each layer's spikes
are listed once (:func:`events_of`) and every count is a pass over those lists, so a report
costs less than the run it reads.

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

from pumice.convert.kernels.events import line_of
from pumice.convert.kernels.trains import Trains

#: Most 64-bit words of a synapse set's reaches held as bits (128 MB).
_BIT_WORDS = 1 << 24


@dataclasses.dataclass(frozen=True)
class Events:
    """A batch's spikes as lists: the lines spiking at step ``t`` of sample ``b`` are
    ``lines[starts[b, t]:starts[b, t] + counts[b, t]]``."""

    starts: np.ndarray
    counts: np.ndarray
    lines: np.ndarray

    @property
    def steps(self) -> int:
        return self.starts.shape[1]

    def samples(self, start: int, stop: int) -> Events:
        """The lists of samples ``[start, stop)``."""
        return Events(self.starts[start:stop], self.counts[start:stop], self.lines)


@njit(parallel=True, cache=True)
def _count_events(x, time_major, counts):
    for b in prange(x.shape[0]):
        xb, row_counts = x[b], counts[b]
        if time_major:
            for t in range(xb.shape[0]):
                total = 0
                for j in range(xb.shape[1]):
                    total += xb[t, j] != 0
                row_counts[t] = total
        else:
            for j in range(xb.shape[0]):
                row = xb[j]
                for t in range(row.shape[0]):
                    row_counts[t] += row[t] != 0


@njit(parallel=True, cache=True)
def _fill_events(x, time_major, bins, plane, starts, lines):
    """List every spike; a neuron that never spikes in a sample is skipped."""
    for b in prange(x.shape[0]):
        xb = x[b]
        cursor = starts[b].copy()
        if time_major:
            for t in range(xb.shape[0]):
                row = xb[t]
                for j in range(row.shape[0]):
                    if row[j] != 0:
                        lines[cursor[t]] = line_of(j, row[j], bins, plane)
                        cursor[t] += 1
            continue
        for j in range(xb.shape[0]):
            row = xb[j]
            found = 0
            for t in range(row.shape[0]):  # a silent neuron costs one vectorised pass
                found += row[t] != 0
            if found == 0:
                continue
            for t in range(row.shape[0]):
                if row[t] != 0:
                    lines[cursor[t]] = line_of(j, row[t], bins, plane)
                    cursor[t] += 1


def events_of(trains: Trains) -> Events:
    """The spike lists of ``trains`` (lines as :mod:`pumice.convert.kernels.trains` numbers
    them)."""
    samples, steps = trains.data.shape[0], trains.steps
    counts = np.zeros((samples, steps), np.int64)
    _count_events(trains.data, trains.time_major, counts)
    ends = np.cumsum(counts).reshape(samples, steps)
    starts = ends - counts
    lines = np.empty(int(ends[-1, -1]) if ends.size else 0, np.int32)
    _fill_events(trains.data, trains.time_major, trains.bins, trains.plane, starts, lines)
    return Events(starts, counts, lines)


@njit(parallel=True, cache=True)
def _incidence(starts, counts, lines, row_starts, columns, values, out):
    for b in prange(starts.shape[0]):
        for t in range(out.shape[1]):
            target = out[b, t]
            for k in range(starts[b, t], starts[b, t] + counts[b, t]):
                line = lines[k]
                for e in range(row_starts[line], row_starts[line + 1]):
                    target[columns[e]] += values[e]


def incidence_counts(events: Events, matrix: np.ndarray) -> np.ndarray:
    """``spikes @ matrix`` per sample and step: (samples, steps, columns), int64, for the
    lines of ``events`` (rows of ``matrix``); each spike adds its row's nonzeros."""
    out = np.zeros((events.starts.shape[0], events.steps, matrix.shape[1]), np.int64)
    row, column = np.nonzero(matrix)
    row_starts = np.searchsorted(row, np.arange(len(matrix) + 1))
    values = matrix[row, column].astype(np.int64)
    _incidence(events.starts, events.counts, events.lines, row_starts, column, values, out)
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


@njit(cache=True, inline="always")
def _set(target, o):
    target[o >> 6] |= np.uint64(1) << np.uint64(o & 63)


@njit(cache=True, inline="always")
def _is_set(target, o):
    return (target[o >> 6] >> np.uint64(o & 63)) & np.uint64(1)


@njit(cache=True)
def _spread(lines, count, starts, posts, target):
    """Set the bit of every neuron a listed line reaches."""
    for k in range(count):
        line = lines[k]
        for s in range(starts[line], starts[line + 1]):
            _set(target, posts[s])


@njit(cache=True)
def _or_of_bits(lines, count, bits, target):
    """OR of the listed lines' reaches, held as bits (``bits[line]``)."""
    for k in range(count):
        row = bits[lines[k]]
        for w in range(target.shape[0]):
            target[w] |= row[w]


@njit(cache=True)
def _look_for_inputs(lines, count, starts, pres, every, lit, target):
    """Set the bit of each neuron one of whose inputs (busiest first) is listed."""
    for k in range(count):
        lit[lines[k]] = 1
    for o in range(len(starts) - 1):
        if every[o]:
            _set(target, o)
            continue
        for s in range(starts[o], starts[o + 1]):
            if lit[pres[s]]:
                _set(target, o)
                break
    for k in range(count):
        lit[lines[k]] = 0


@njit(parallel=True, cache=True)
def _arrivals(starts, counts, all_lines, by_pre, posts, bits, by_post, pres, every, out):
    """Bit ``o`` of ``out[b, t + 1]`` where a spike at step ``t`` reaches neuron ``o``; each
    step the cheapest of: spreading from its spikes, an OR of their reaches as bits (when
    ``bits`` are known), or each neuron looking for a spiking input."""
    steps, words = out.shape[1], out.shape[2]
    n_post, n_lines = len(by_post) - 1, len(by_pre) - 1
    for b in prange(starts.shape[0]):
        lit = np.zeros(n_lines, np.uint8)
        for t in range(steps - 1):
            count = counts[b, t]
            if count == 0:
                continue
            listed, target = all_lines[starts[b, t] : starts[b, t] + count], out[b, t + 1]
            spread = 0
            for k in range(count):
                line = listed[k]
                spread += by_pre[line + 1] - by_pre[line]
            look = n_post * (n_lines // count + 1)
            as_bits = count * words if bits.shape[1] else look + 1
            if as_bits < spread and as_bits < look:
                _or_of_bits(listed, count, bits, target)
            elif spread <= look:
                _spread(listed, count, by_pre, posts, target)
            else:
                _look_for_inputs(listed, count, by_post, pres, every, lit, target)


def line_activity(events: Events, n_lines: int) -> np.ndarray:
    """Spikes of each line over the whole batch."""
    return np.bincount(events.lines, minlength=n_lines)


@dataclasses.dataclass(frozen=True)
class Reach:
    """The present synapses of one set, grouped for :func:`arrivals`: the neurons each
    line reaches, and the inputs of each neuron, busiest first (silent ones left out)."""

    by_pre: np.ndarray
    pre_posts: np.ndarray
    #: Each line's reach as bits, 64 neurons a word ((lines, 0) where too large to hold).
    bits: np.ndarray
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
        words = (n_post + 63) // 64
        if len(activity) * words > _BIT_WORDS:
            words = 0
        bits = np.zeros((len(activity), words), np.uint64)
        if words:
            present = np.zeros((len(activity), words * 64), dtype=bool)
            present[pre, post] = True
            packed = np.packbits(
                present.reshape(len(activity), words, 64), axis=-1, bitorder="little"
            )
            bits = np.ascontiguousarray(packed).view("<u8").reshape(len(activity), words)
        return cls(by_pre, pre_posts, bits, by_post, post_pres, n_post, every)


def arrivals(events: Events, reach: Reach) -> np.ndarray:
    """Which neurons receive an event at each step through the synapses of ``reach``
    (whose lines are those of ``events``): bits, (samples, steps, words of 64 neurons)."""
    samples, steps = events.starts.shape[0], events.steps
    out = np.zeros((samples, steps, (reach.n_post + 63) // 64), np.uint64)
    _arrivals(
        events.starts, events.counts, events.lines, reach.by_pre, reach.pre_posts, reach.bits,
        reach.by_post, reach.post_pres, reach.every, out,
    )  # fmt: skip
    return out


@njit(cache=True)
def _popcount(word):
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    word = (word & np.uint64(0x3333333333333333)) + (
        (word >> np.uint64(2)) & np.uint64(0x3333333333333333)
    )
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (word * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True)
def _bits_in(bits, start, stop):
    """The set bits of ``bits`` at positions ``[start, stop)``."""
    total = 0
    for w in range(start >> 6, ((stop - 1) >> 6) + 1):
        word = bits[w]
        low, high = max(start - 64 * w, 0), min(stop - 64 * w, 64)
        if high < 64:
            word &= (np.uint64(1) << np.uint64(high)) - np.uint64(1)
        word >>= np.uint64(low)
        total += _popcount(word)
    return total


@njit(parallel=True, cache=True)
def _updates(arrived, starts, counts, lines, run_starts, run_cores, run_of, out):
    for b in prange(arrived.shape[0]):
        for t in range(arrived.shape[1]):
            got, target = arrived[b, t], out[b, t]
            for r in range(len(run_cores)):
                target[run_cores[r]] += _bits_in(got, run_starts[r], run_starts[r + 1])
            for k in range(starts[b, t], starts[b, t] + counts[b, t]):  # spiked, not received
                o = lines[k]
                if not _is_set(got, o):
                    target[run_cores[run_of[o]]] += 1


def updates_per_core(arrived: np.ndarray, fired: Events, owner: np.ndarray, cores: int):
    """Neurons receiving (``arrived``, bits as :func:`arrivals` gives them) or spiking
    (``fired``) per step, summed per local core ``owner[neuron]``: (samples, steps,
    cores), int64."""
    out = np.zeros((arrived.shape[0], arrived.shape[1], cores), np.int64)
    owner = np.asarray(owner, dtype=np.int64)
    starts = np.flatnonzero(np.diff(owner, prepend=-1))  # runs of neurons on one core
    run_of = np.cumsum(np.diff(owner, prepend=-1) != 0) - 1
    run_starts = np.append(starts, len(owner)).astype(np.int64)
    runs = (run_starts, owner[starts], run_of.astype(np.int64))
    _updates(arrived, fired.starts, fired.counts, fired.lines, *runs, out)
    return out
