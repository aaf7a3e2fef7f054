"""Kernel of the fixed-point dense synapse (Lava ``Dense``, and ``Sparse`` when pruned).

Event-driven: each spike adds its weight row, eight rows per pass over the accumulator
(summed in int8 first where they cannot leave it); a step in which most inputs spike is
summed from the silent ones instead (the rows' total minus them), and a step whose rows are
too short for that to pay (a narrow layer) is a dense dot product over its inputs. The sum
is multiplied back by the table's scale, shifted by ``weight_exp`` and sent as int32, one
step later, as Lava's Dense does (see
:func:`pumice.convert.semantics.synapses._fixed_dense`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pumice.convert import lava_arithmetic as la
from pumice.convert.ir import FixedDense
from pumice.convert.kernels.events import collect_lines, spike_count, step_lines
from pumice.convert.kernels.prepared import prepared
from pumice.convert.kernels.registry import kernel
from pumice.convert.kernels.trains import Current, Trains
from pumice.convert.kernels.weights import WeightTable, weight_table


@njit(cache=True)
def zero(acc):
    """``acc[:] = 0`` as a plain loop (numba's slice assignment is slower)."""
    for o in range(acc.shape[0]):
        acc[o] = 0


@njit(cache=True)
def add_rows(acc, rows, lines, count, narrow=False):
    """``acc += rows[lines[k]]`` for the first ``count`` lines, eight at a time (``narrow``:
    eight int8 rows whose sum stays in int8)."""
    width = acc.shape[0]
    k = 0
    while narrow and k + 8 <= count:
        r0, r1, r2, r3 = rows[lines[k]], rows[lines[k + 1]], rows[lines[k + 2]], rows[lines[k + 3]]
        r4, r5 = rows[lines[k + 4]], rows[lines[k + 5]]
        r6, r7 = rows[lines[k + 6]], rows[lines[k + 7]]
        for o in range(width):
            acc[o] += np.int8((r0[o] + r1[o] + r2[o] + r3[o]) + (r4[o] + r5[o] + r6[o] + r7[o]))
        k += 8
    while k + 8 <= count:
        r0, r1, r2, r3 = rows[lines[k]], rows[lines[k + 1]], rows[lines[k + 2]], rows[lines[k + 3]]
        r4, r5 = rows[lines[k + 4]], rows[lines[k + 5]]
        r6, r7 = rows[lines[k + 6]], rows[lines[k + 7]]
        for o in range(width):
            acc[o] += (r0[o] + r1[o] + r2[o] + r3[o]) + (r4[o] + r5[o] + r6[o] + r7[o])
        k += 8
    while k < count:
        row = rows[lines[k]]
        for o in range(width):
            acc[o] += row[o]
        k += 1


@njit(cache=True)
def send(acc, scale, exponent, out):
    """``out = int32((acc << scale) << exponent)`` (arithmetic shift right for a negative
    exponent): Lava's shift of the summed weights and its int32 channel."""
    for o in range(acc.shape[0]):
        total = np.int64(acc[o]) << scale
        if exponent >= 0:
            total = total << exponent
        else:
            total = total >> -exponent
        out[o] = np.int32(total)


@njit(cache=True)
def _silent_lines(xb, time_major, t, lines):
    """The lines silent at step ``t`` (plain spikes) into ``lines``; returns their number."""
    found = 0
    if time_major:
        row = xb[t]
        for j in range(row.shape[0]):
            lines[found] = j
            found += row[j] == 0
    else:
        for j in range(xb.shape[0]):
            lines[found] = j
            found += xb[j, t] == 0
    return found


@njit(cache=True)
def _dot(spikes, columns, acc):
    """``acc = columns @ spikes`` for one step's 0/1 ``spikes`` (a dense step)."""
    for o in range(columns.shape[0]):
        column = columns[o]
        total = 0
        for j in range(spikes.shape[0]):
            if spikes[j] != 0:
                total += column[j]
        acc[o] = total


@njit(cache=True)
def _dense_pays(count, lines_in, width):
    """A dense step costs less than ``count`` rows: rows shorter than a vector register
    are added element by element, a dense step vectorises over the inputs."""
    per_row = width if width < 32 else width // 16
    return count * per_row > width * (lines_in // 16 + 1)


@njit(parallel=True, cache=True)
def dense_current(
    x, time_major, bins, plane, rows, columns, narrow, scale, exponent, accumulator, out
):
    """Synaptic input (batch, steps, out) of spikes ``x`` through weight ``rows``
    (lines, out), ``columns`` being the same weights (out, lines)."""
    steps = out.shape[1]
    lines_in, width = rows.shape
    total = np.zeros(width, accumulator.dtype)
    for j in range(lines_in):
        for o in range(width):
            total[o] += rows[j, o]
    for b in prange(x.shape[0]):
        xb = x[b]
        neurons = xb.shape[1] if time_major else xb.shape[0]
        lines = np.empty((steps if not time_major else 1, neurons), np.int32)
        counts = np.zeros(steps, np.int32)
        if not time_major:  # lists of a step's lines come out of a pass over each neuron
            collect_lines(xb, time_major, bins, plane, lines, counts)
        silent = np.empty(neurons, np.int32)
        acc = np.zeros(width, accumulator.dtype)
        negative = np.zeros(width, accumulator.dtype)
        zero(out[b, 0])
        for t in range(steps - 1):
            listed = lines[0] if time_major else lines[t]
            count = counts[t]
            if time_major:
                count = spike_count(xb[t]) if bins == 1 else step_lines(xb[t], bins, plane, listed)
            if bins == 1 and time_major and _dense_pays(count, lines_in, width):
                _dot(xb[t], columns, acc)
            elif bins == 1 and 2 * count > lines_in:
                quiet = _silent_lines(xb, time_major, t, silent)
                zero(negative)
                add_rows(negative, rows, silent, quiet, narrow)
                for o in range(width):
                    acc[o] = total[o] - negative[o]
            else:
                if bins == 1 and time_major:
                    count = step_lines(xb[t], bins, plane, listed)
                zero(acc)
                add_rows(acc, rows, listed, count, narrow)
            send(acc, scale, exponent, out[b, t + 1])


def dense_bound(weight: np.ndarray) -> int:
    """The largest sum of absolute weights onto one output (a step's largest |sum|)."""
    return int(np.abs(weight).sum(axis=1).max(initial=0))


def dense_table(weight: np.ndarray, num_weight_bits: int) -> WeightTable | None:
    """The table of a dense weight (out, in) as Lava's Dense uses it."""
    effective = la.effective_dense_weights(weight, num_weight_bits)
    return weight_table(effective, (1,), dense_bound(effective))


def _tables(node: FixedDense):
    table = dense_table(node.weight, node.num_weight_bits)
    return None if table is None else (table, np.ascontiguousarray(table.rows.T))


@kernel(FixedDense)
def _fixed_dense(node: FixedDense, x: Trains) -> Current | None:
    tables = prepared(node, _tables)
    if tables is None:
        return None
    table, columns = tables
    batch, steps, width = x.data.shape[0], x.steps, columns.shape[0]
    out = np.empty((batch, steps, width), np.int32)
    dense_current(
        x.data, x.time_major, x.bins, x.plane, table.rows, columns, table.narrow, table.scale,
        int(node.weight_exp), table.accumulator, out,
    )  # fmt: skip
    return Current(out, (width,))
