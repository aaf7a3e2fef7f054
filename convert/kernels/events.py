"""One sample's spikes as lists of lines per step, for event-driven synapses.

Compiled with numba; a synapse calls :func:`collect_lines` (or, for plain spikes,
:func:`split_lines`) once per sample and then adds one weight row per listed line. Silent
stretches cost little: eight steps of a neuron are tested at once, and within them plain
spikes are listed without a branch per step.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: A neuron that differs from its usual state in fewer than one step in this many is
#: listed from its own steps (:func:`split_lines`).
RARE = 8


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


@njit(cache=True)
def _spike_totals(xb, time_major, steps, neurons):
    totals = np.zeros(neurons, np.int32)
    if time_major:
        for t in range(steps):
            row = xb[t]
            for j in range(neurons):
                totals[j] += row[j] != 0
    else:
        for j in range(neurons):
            row = xb[j]
            for t in range(steps):
                totals[j] += row[t] != 0
    return totals


@njit(cache=True)
def _list_changes(row, j, usual, lines, plus, minus):
    """List neuron ``j`` (its steps ``row``) in the steps where it differs from ``usual``."""
    n = lines.shape[1]
    for t in range(lines.shape[0]):
        if (row[t] != 0) != usual:
            if usual:
                lines[t, n - 1 - minus[t]] = j
                minus[t] += 1
            else:
                lines[t, plus[t]] = j
                plus[t] += 1


@njit(cache=True)
def split_lines(xb, time_major, lines, plus, minus, high):
    """For plain spikes, the lines of each step ``t < steps`` (``lines`` is (steps, n)) as
    changes from each neuron's usual state: a neuron spiking in more than half of the steps
    is marked ``high`` (its row is in every step's sum), ``lines[t, :plus[t]]`` are the
    spiking neurons not high, ``lines[t, n - minus[t]:]`` the silent high ones. Each neuron
    then costs a row only in the steps where it differs from its usual state. Neurons that
    never change are not looked at again; of neuron-major spikes, those that rarely change
    are listed from their own steps, the others step by step without a branch. Returns the
    number of high neurons."""
    steps, n = lines.shape
    totals = _spike_totals(xb, time_major, steps, n)
    low = np.empty(n, np.int32)
    varying = np.empty(n, np.int32)
    n_low, n_varying, n_high = 0, 0, 0
    plus[:] = 0
    minus[:] = 0
    for j in range(n):
        high[j] = 2 * totals[j] > steps
        n_high += high[j]
        changes = steps - totals[j] if high[j] else totals[j]
        if changes == 0:
            continue
        if not time_major and changes * RARE < steps:
            _list_changes(xb[j], j, high[j], lines, plus, minus)
        elif high[j]:
            varying[n_varying] = j
            n_varying += 1
        else:
            low[n_low] = j
            n_low += 1
    for t in range(steps):
        p, m = plus[t], minus[t]
        for k in range(n_low):  # store, then keep it if it differs: no branch per neuron
            j = low[k]
            lines[t, p] = j
            p += (xb[t, j] if time_major else xb[j, t]) != 0
        for k in range(n_varying):
            j = varying[k]
            lines[t, n - 1 - m] = j
            m += (xb[t, j] if time_major else xb[j, t]) == 0
        plus[t], minus[t] = p, m
    return n_high
