"""Kernel of the fixed-point dense synapse (Lava ``Dense``, and ``Sparse`` when pruned).

Event-driven: each spike adds its weight row, eight rows per pass over the accumulator
(summed in int8 first where they cannot leave it). An input that spikes in most steps of
a sample is counted the other way round: its row is in every step's sum from the start
and is taken out in the steps it is silent, so each input costs a row only where it
differs from its usual state (rate-coded bright pixels spike most of the time). A layer
narrower than :data:`DOT_WIDTH` fed by neurons runs each step as a dot product over its
inputs instead. The sum is multiplied back by the table's scale, shifted by
``weight_exp`` and sent as Lava's int32 (held in int16 where every value fits), one step
later, as Lava's Dense does (see :func:`pumice.convert.semantics.synapses._fixed_dense`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pumice.convert import lava_arithmetic as la
from pumice.convert.ir import FixedDense
from pumice.convert.kernels.events import collect_lines, split_lines
from pumice.convert.kernels.prepared import prepared
from pumice.convert.kernels.registry import kernel
from pumice.convert.kernels.trains import Current, Trains
from pumice.convert.kernels.weights import WeightTable, weight_table

#: Layers narrower than this run each step as a dot product over the inputs: their rows
#: are shorter than a vector register, so adding a row costs as much as one element per
#: input of a product vectorised over the inputs.
DOT_WIDTH = 32


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
    exponent): Lava's shift of the summed weights and its int32 channel (``out`` may be
    int16 where every value fits it)."""
    for o in range(acc.shape[0]):
        total = np.int64(acc[o]) << scale
        if exponent >= 0:
            total = total << exponent
        else:
            total = total >> -exponent
        out[o] = np.int32(total)


@njit(cache=True)
def _dot(spikes, columns, acc):
    """``acc = columns @ spikes`` for one step's 0/1 ``spikes`` (a dense step, vectorised
    over the inputs)."""
    for o in range(columns.shape[0]):
        column = columns[o]
        total = 0
        for j in range(spikes.shape[0]):
            total += column[j] * spikes[j]
        acc[o] = total


@njit(cache=True)
def _sum_of_marked(rows, marked, count, narrow, acc):
    """``acc`` = the sum of the rows of the ``count`` lines ``marked`` True."""
    listed = np.empty(count, np.int32)
    found = 0
    for j in range(marked.shape[0]):
        listed[found] = j
        found += marked[j]
    zero(acc)
    add_rows(acc, rows, listed, count, narrow)


@njit(parallel=True, cache=True)
def dense_current(
    x, time_major, bins, plane, rows, columns, narrow, scale, exponent, accumulator, line_type,
    out,
):  # fmt: skip
    """Synaptic input (batch, steps, out) of spikes ``x`` through weight ``rows``
    (lines, out), ``columns`` being the same weights (out, lines); lines are listed in
    ``line_type``'s integers."""
    steps, width = out.shape[1], rows.shape[1]
    dot = bins == 1 and time_major and width < DOT_WIDTH
    for b in prange(x.shape[0]):
        xb = x[b]
        neurons = xb.shape[1] if time_major else xb.shape[0]
        lines = np.empty((0 if dot else steps, neurons), line_type.dtype)
        plus = np.zeros(steps, np.int32)
        minus = np.zeros(steps, np.int32)
        base = np.zeros(width, accumulator.dtype)
        if bins == 1 and not dot:  # a neuron spiking most of the time is listed when silent
            high = np.zeros(neurons, np.bool_)
            count = split_lines(xb, time_major, lines[: steps - 1], plus, minus, high)
            if count > 0:
                _sum_of_marked(rows, high, count, narrow, base)
        elif not dot:
            collect_lines(xb, time_major, bins, plane, lines, plus)
        acc = np.zeros(width, accumulator.dtype)
        negative = np.zeros(width, accumulator.dtype)
        zero(out[b, 0])
        for t in range(steps - 1):
            if dot:
                _dot(xb[t], columns, acc)
            else:
                for o in range(width):
                    acc[o] = base[o]
                add_rows(acc, rows, lines[t], plus[t], narrow)
                if minus[t] > 0:
                    zero(negative)
                    add_rows(negative, rows, lines[t, neurons - minus[t] :], minus[t], narrow)
                    for o in range(width):
                        acc[o] -= negative[o]
            send(acc, scale, exponent, out[b, t + 1])


def line_type(lines: int) -> np.ndarray:
    """A one-element array of the narrowest integer type that numbers ``lines`` lines."""
    return np.zeros(1, np.int16 if lines <= np.iinfo(np.int16).max + 1 else np.int32)


def dense_bound(weight: np.ndarray) -> int:
    """The largest sum of absolute weights onto one output (a step's largest |sum|)."""
    return int(np.abs(weight).sum(axis=1).max(initial=0))


def dense_table(weight: np.ndarray, num_weight_bits: int) -> WeightTable | None:
    """The table of a dense weight (out, in) as Lava's Dense uses it."""
    effective = la.effective_dense_weights(weight, num_weight_bits)
    return weight_table(effective, (1,), dense_bound(effective))


def current_type(bound: int, exponent: int) -> type:
    """int16 where every input a synapse sends fits it (``bound``, the largest |sum| of its
    weights, shifted by ``exponent``), else Lava's int32: half the memory between the
    synapse and its neurons."""
    sent = bound << exponent if exponent >= 0 else (bound >> -exponent) + 1
    return np.int16 if sent <= np.iinfo(np.int16).max else np.int32


def _tables(node: FixedDense):
    table = dense_table(node.weight, node.num_weight_bits)
    if table is None:
        return None
    bound = dense_bound(la.effective_dense_weights(node.weight, node.num_weight_bits))
    sent = current_type(bound, int(node.weight_exp))
    return table, np.ascontiguousarray(table.rows.T), sent


@kernel(FixedDense)
def _fixed_dense(node: FixedDense, x: Trains) -> Current | None:
    tables = prepared(node, _tables)
    if tables is None:
        return None
    table, columns, sent = tables
    batch, steps, width = x.data.shape[0], x.steps, columns.shape[0]
    out = np.empty((batch, steps, width), sent)
    dense_current(
        x.data, x.time_major, x.bins, x.plane, table.rows, columns, table.narrow, table.scale,
        int(node.weight_exp), table.accumulator, line_type(table.rows.shape[0]), out,
    )  # fmt: skip
    return Current(out, (width,))
