"""Reference semantics of the spiking LIF kinds (float, fixed multiplier leak, shift leak),
their recurrent forms included."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pumice.convert import lava_arithmetic as la
from pumice.convert import tensor_ops
from pumice.convert.ir import (
    CubaLIF,
    FixedCubaLIF,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    Node,
    RecurrentCubaLIF,
)
from pumice.convert.ir.fixed_point import NO_LEAK
from pumice.convert.semantics.registry import semantics


def recurrence(node: Node) -> Callable[[np.ndarray], np.ndarray] | None:
    """What a recurrent node's spikes of the previous step add to its input, or None.

    Fixed-point: Lava Dense's arithmetic (clipped and truncated mantissas, then the
    exponent's arithmetic shift, sent on an int32 channel).
    """
    if not node.traits.recurrent:
        return None
    if node.domain == "float":
        weight, exponent = np.asarray(node.recurrent_weight, dtype=np.float64), None
    else:
        weight = la.effective_dense_weights(node.recurrent_weight, node.recurrent_num_weight_bits)
        exponent = node.recurrent_weight_exp

    def feedback(fired: np.ndarray) -> np.ndarray:
        total = tensor_ops.dense(weight, fired.reshape(len(fired), -1, 1))[..., 0]
        if exponent is not None:
            total = la.wrap_int32(la.arithmetic_shift(total, exponent))
        return total.reshape(fired.shape)

    return feedback


@semantics(CubaLIF, RecurrentCubaLIF)
def float_lif(node: CubaLIF, a: np.ndarray, record_state: bool):
    """Float CUBA LIF over a whole run: spikes, and ``u``/``v`` traces when recorded."""
    shape, steps = a.shape[:-1], a.shape[-1]
    bias = np.broadcast_to(node.bias, shape[1:])
    keep_u = 1.0 - np.asarray(node.current_decay, dtype=np.float64)
    keep_v = 1.0 - np.asarray(node.voltage_decay, dtype=np.float64)
    feedback = recurrence(node)
    u = np.zeros(shape)
    v = np.zeros(shape)
    spikes = np.zeros(a.shape, dtype=np.uint8)
    us = np.zeros(a.shape) if record_state else None
    vs = np.zeros(a.shape) if record_state else None
    for t in range(steps):
        a_t = a[..., t]
        if feedback is not None and t > 0:
            a_t = a_t + feedback(spikes[..., t - 1])
        u = u * keep_u + a_t
        v = v * keep_v + u + bias
        fired = v >= node.threshold
        v = np.where(fired, 0.0, v)
        spikes[..., t] = fired
        if record_state:
            us[..., t], vs[..., t] = u, v
    return spikes, us, vs


def integer_lif(a: np.ndarray, step: Callable, record_state: bool, feedback=None):
    """Loop an integer neuron ``step(u, v, a_t) -> (u, v, spikes)`` over the time axis.

    ``feedback`` (see :func:`recurrence`) adds the previous step's recurrent input; Lava's
    input port sums its two channels in int32.
    """
    shape = a.shape[:-1]
    u = np.zeros(shape, dtype=np.int64)
    v = np.zeros(shape, dtype=np.int64)
    spikes = np.zeros(a.shape, dtype=np.uint8)
    us = np.zeros(a.shape, dtype=np.int64) if record_state else None
    vs = np.zeros(a.shape, dtype=np.int64) if record_state else None
    a = a.astype(np.int64)
    for t in range(a.shape[-1]):
        a_t = a[..., t]
        if feedback is not None and t > 0:
            a_t = la.wrap_int32(a_t + feedback(spikes[..., t - 1]))
        u, v, fired = step(u, v, a_t)
        spikes[..., t] = fired
        if record_state:
            us[..., t], vs[..., t] = u, v
    return spikes, us, vs


def _per_neuron(values, neuron_shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=np.int64), neuron_shape)


def effective_bias(node: Node, neuron_shape: tuple[int, ...]) -> np.ndarray:
    """``bias_mant`` shifted by ``bias_exp``, per neuron."""
    mantissa = np.asarray(node.bias_mant, dtype=np.int64)
    return np.broadcast_to(la.arithmetic_shift(mantissa, node.bias_exp), neuron_shape)


@semantics(FixedCubaLIF, FixedRecurrentCubaLIF)
def fixed_lif(node: FixedCubaLIF, a: np.ndarray, record_state: bool):
    """Lava's bit-accurate LIF over a whole run."""
    bias = effective_bias(node, a.shape[1:-1])

    def step(u, v, a_t):
        return la.lif_step(u, v, a_t, node.du, node.dv, bias, node.vth)

    return integer_lif(a, step, record_state, recurrence(node))


@semantics(FixedShiftLIF, FixedRecurrentShiftLIF)
def _shift_lif(node: FixedShiftLIF, a: np.ndarray, record_state: bool):
    neuron_shape = a.shape[1:-1]
    bias = effective_bias(node, neuron_shape)
    shift_u = _per_neuron(node.shift_u, neuron_shape)
    shift_v = _per_neuron(node.shift_v, neuron_shape)

    def step(u, v, a_t):
        return la.shift_lif_step(u, v, a_t, shift_u, shift_v, bias, node.vth, NO_LEAK)

    return integer_lif(a, step, record_state, recurrence(node))
