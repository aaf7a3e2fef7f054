"""One sample's spikes as lists of spiking lines per step, for event-driven synapses.

Compiled with numba; a synapse calls :func:`collect_lines` once per sample and then adds
one weight row per listed line. Silent stretches cost little: eight steps of a neuron
are tested at once, and within them plain spikes are listed without a branch per step.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def line_of(neuron, value, bins, plane):
    """The binned line of a spike of ``value`` (``k + 1``) of ``neuron`` (see
    :mod:`.trains`)."""
    if bins == 1:
        return neuron
    channel = neuron // plane
    return (channel * bins + value - 1) * plane + neuron - channel * plane


@njit(cache=True)
def spike_count(row):
    """The number of spikes in one step's ``row``."""
    found = 0
    for j in range(row.shape[0]):
        found += row[j] != 0
    return found


@njit(cache=True)
def step_lines(row, bins, plane, lines):
    """List the lines spiking in one step's ``row`` (neurons,) into ``lines``; returns how
    many."""
    found = 0
    if bins == 1:
        for j in range(row.shape[0]):
            lines[found] = j
            found += row[j] != 0
        return found
    for j in range(row.shape[0]):
        if row[j] != 0:
            lines[found] = line_of(j, row[j], bins, plane)
            found += 1
    return found


@njit(cache=True)
def collect_lines(xb, time_major, bins, plane, lines, counts):
    """Fill ``lines[t, :counts[t]]`` with the lines spiking at step ``t`` of one sample.

    ``xb`` is (steps, neurons) when ``time_major``, else (neurons, steps); ``lines`` is
    (steps, neurons) int32, ``counts`` (steps,) int32.
    """
    if time_major:
        for t in range(xb.shape[0]):
            counts[t] = step_lines(xb[t], bins, plane, lines[t])
        return
    neurons, steps = xb.shape
    counts[:] = 0
    full = steps - steps % 8
    for j in range(neurons):
        row = xb[j]
        for t0 in range(0, full, 8):
            if (
                row[t0] | row[t0 + 1] | row[t0 + 2] | row[t0 + 3]
                | row[t0 + 4] | row[t0 + 5] | row[t0 + 6] | row[t0 + 7]
            ) == 0:  # fmt: skip
                continue
            if bins == 1:  # no branch per step: store, then keep it if it spiked
                for t in range(t0, t0 + 8):
                    lines[t, counts[t]] = j
                    counts[t] += row[t] != 0
                continue
            for t in range(t0, t0 + 8):
                if row[t] != 0:
                    lines[t, counts[t]] = line_of(j, row[t], bins, plane)
                    counts[t] += 1
        for t in range(full, steps):
            if row[t] != 0:
                lines[t, counts[t]] = line_of(j, row[t], bins, plane)
                counts[t] += 1
