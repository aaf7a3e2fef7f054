"""Kernel of Lava's fixed-point LIF neurons: multiplier or shift leak, recurrent or not, and
the non-spiking readout (a LIF with Lava's largest threshold).

One fused loop per sample over time, all of a layer's neurons per step, in Lava's int32
(:mod:`pumice.convert.lava_arithmetic`, whose functions these mirror line by line): the
decayed ``u`` plus the input ``<< 6``, one 24-bit wrap, ``v`` saturated, spike and reset.
A recurrent layer adds its own previous spikes through its weight table, event by event.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pumice.convert.ir import (
    FixedCubaLI,
    FixedCubaLIF,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    Node,
)
from pumice.convert.ir.fixed_point import (
    ALIGN_SHIFT,
    DECAY_ONE,
    DECAY_SHIFT,
    NO_LEAK,
    NON_SPIKING_VTH,
    STATE_BITS,
)
from pumice.convert.kernels.dense import add_rows, dense_table, send, zero
from pumice.convert.kernels.neuron_run import NeuronRun, Outputs
from pumice.convert.kernels.prepared import prepared
from pumice.convert.kernels.registry import kernel
from pumice.convert.kernels.trains import Current, Trains
from pumice.convert.semantics.lif import effective_bias

_STATE_MAX = 1 << (STATE_BITS - 1)


@njit(cache=True, inline="always")
def _decay(state, factor):
    product = np.int64(state) * factor
    if product >= 0:
        return product >> DECAY_SHIFT
    return -((-product) >> DECAY_SHIFT)


@njit(cache=True, inline="always")
def _shift_leak(state, shift):
    if shift >= NO_LEAK:
        return np.int64(state)
    return np.int64(state) - (np.int64(state) >> shift)


@njit(cache=True, inline="always")
def _integrate(decayed_u, decayed_v, drive, bias, threshold):
    """(u, v, fired) after the decays: Lava's int32 input, 24-bit wrap, saturation, reset."""
    i = np.int64(np.int32(decayed_u + np.int32(np.int64(drive) << ALIGN_SHIFT)))
    if i > _STATE_MAX:
        i -= 2 * _STATE_MAX
    elif i <= -_STATE_MAX:
        i += 2 * _STATE_MAX
    w = np.int64(np.int32(decayed_v + i + bias))
    if w > _STATE_MAX - 1:
        w = _STATE_MAX - 1
    elif w < -_STATE_MAX + 1:
        w = -_STATE_MAX + 1
    fire = w > threshold
    return i, 0 if fire else w, fire


@njit(cache=True)
def _multiply_step(u, v, drive, factor_u, factor_v, bias, threshold, fires):
    """One step of every neuron with multiplier leaks; returns the number that fired."""
    fired = 0
    for o in range(u.shape[0]):
        i, w, fire = _integrate(
            _decay(u[o], factor_u), _decay(v[o], factor_v), drive[o], bias[o], threshold
        )
        u[o], v[o], fires[o] = i, w, fire
        fired += fire
    return fired


@njit(cache=True)
def _shift_step(u, v, drive, shift_u, shift_v, bias, threshold, fires):
    """One step of every neuron with shift leaks; returns the number that fired."""
    fired = 0
    for o in range(u.shape[0]):
        i, w, fire = _integrate(
            _shift_leak(u[o], shift_u[o]), _shift_leak(v[o], shift_v[o]), drive[o], bias[o],
            threshold,
        )  # fmt: skip
        u[o], v[o], fires[o] = i, w, fire
        fired += fire
    return fired


@njit(cache=True, inline="always")
def _step(u, v, drive, shift_leak, factor_u, factor_v, shift_u, shift_v, bias, threshold, fires):
    """One step of every neuron with its leak; returns the number that fired."""
    if shift_leak:
        return _shift_step(u, v, drive, shift_u, shift_v, bias, threshold, fires)
    return _multiply_step(u, v, drive, factor_u, factor_v, bias, threshold, fires)


@njit(cache=True)
def copy(source, target):
    """``target[:] = source`` as a plain loop (numba's slice assignment is slower)."""
    for o in range(source.shape[0]):
        target[o] = source[o]


@njit(parallel=True, cache=True)
def lif_run(
    current, shift_leak, factor_u, factor_v, shift_u, shift_v, threshold, bias,
    recurrent, rows, scale, exponent, accumulator,
    start, stop, write_trains, trains, counts, fired, potentials, write_state, u_out, v_out,
):  # fmt: skip
    """Run every sample of ``current`` (batch, steps, neurons), the input each step
    receives, through the layer; see :func:`pumice.convert.lava_arithmetic.lif_step`."""
    steps, width = current.shape[1], current.shape[2]
    for b in prange(current.shape[0]):
        u = np.zeros(width, np.int32)
        v = np.zeros(width, np.int32)
        fires = np.zeros(width, np.uint8)
        drive = np.zeros(width, np.int32)
        feedback = np.zeros(width, np.int32)
        acc = np.zeros(width, accumulator.dtype)
        spiked = np.empty(width, np.int32)
        n_spiked = 0
        total = 0
        for t in range(steps):
            arriving = current[b, t]
            if recurrent and n_spiked > 0:
                zero(acc)
                add_rows(acc, rows, spiked, n_spiked, False)
                send(acc, scale, exponent, feedback)
                for o in range(width):
                    drive[o] = np.int32(np.int64(arriving[o]) + feedback[o])
                step_total = _step(
                    u, v, drive, shift_leak, factor_u, factor_v, shift_u, shift_v, bias,
                    threshold, fires,
                )  # fmt: skip
            else:
                step_total = _step(
                    u, v, arriving, shift_leak, factor_u, factor_v, shift_u, shift_v, bias,
                    threshold, fires,
                )  # fmt: skip
            total += step_total
            if start <= t < stop and step_total > 0:
                row = counts[b]
                for o in range(width):
                    row[o] += fires[o]
            if write_trains:
                copy(fires, trains[b, t])
            if write_state:
                copy(u, u_out[b, t])
                copy(v, v_out[b, t])
            if recurrent:
                n_spiked = 0
                for o in range(width):
                    spiked[n_spiked] = o
                    n_spiked += fires[o]
            if t == stop - 1:
                copy(v, potentials[b])
        fired[b] = total


def _lif_parameters(node: Node, width: int, shape: tuple[int, ...]):
    """(shift leak?, u factor, v factor, shift_u, shift_v, threshold << 6) of a LIF."""
    threshold = (int(node.vth) if node.traits.spiking else NON_SPIKING_VTH) << ALIGN_SHIFT
    if node.traits.leak == "shift":
        shift_u = np.broadcast_to(node.shift_u, shape).reshape(width).astype(np.int32)
        shift_v = np.broadcast_to(node.shift_v, shape).reshape(width).astype(np.int32)
        return True, 0, 0, shift_u, shift_v, threshold
    none = np.zeros(width, np.int32)
    return False, DECAY_ONE - (node.du + 1), DECAY_ONE - node.dv, none, none, threshold


def _recurrence(node: Node):
    """(recurrent?, rows, scale, exponent, accumulator) of a layer, or None when its sums
    do not fit the kernel. Always int16 rows and an int32 accumulator: one compiled kernel
    serves every layer (a recurrent layer's own rows are few)."""
    if not node.traits.recurrent:
        return False, np.zeros((1, 1), np.int16), 0, 0, np.zeros(1, np.int32)
    table = dense_table(node.recurrent_weight, node.recurrent_num_weight_bits)
    if table is None:
        return None
    rows = table.rows.astype(np.int16)
    return True, rows, table.scale, int(node.recurrent_weight_exp), np.zeros(1, np.int32)


def _parameters(node: Node):
    """(leak parameters, bias) of a layer."""
    shape = tuple(node.shape)
    width = int(np.prod(shape))
    bias = effective_bias(node, shape).reshape(width).astype(np.int32)
    return _lif_parameters(node, width, shape), bias


@kernel(FixedCubaLIF, FixedShiftLIF, FixedRecurrentCubaLIF, FixedRecurrentShiftLIF, FixedCubaLI)
def _fixed_lif(node: Node, current: Current, outputs: Outputs) -> NeuronRun | None:
    batch, steps, width = current.data.shape
    shape = tuple(node.shape)
    recurrence = prepared(node, _recurrence)
    if recurrence is None:
        return None
    leak, bias = prepared(node, _parameters)
    start, stop = outputs.window
    counts = np.zeros((batch, width), np.int32)
    fired = np.zeros(batch, np.int64)
    potentials = np.zeros((batch, width), np.int32)
    full = (batch, steps, width)
    trains = np.empty(full if outputs.trains else (1, 1, 1), np.uint8)
    u = np.empty(full if outputs.state else (1, 1, 1), np.int32)
    v = np.empty_like(u)
    lif_run(
        current.data, *leak, bias, *recurrence,
        start, stop, outputs.trains, trains, counts, fired, potentials, outputs.state, u, v,
    )  # fmt: skip

    def ir(array: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(array.transpose(0, 2, 1)).reshape(batch, *shape, steps)

    return NeuronRun(
        counts=counts.astype(np.int64).reshape(batch, *shape),
        fired=fired,
        trains=Trains(trains, True, shape) if outputs.trains else None,
        potentials=potentials.astype(np.int64).reshape(batch, *shape)
        if outputs.potentials
        else None,
        u=ir(u).astype(np.int64) if outputs.state else None,
        v=ir(v).astype(np.int64) if outputs.state else None,
    )
