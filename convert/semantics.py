"""Reference semantics of every IR node kind, over whole (batch, ..., time) tensors.

Synapse kinds map input spikes to synaptic input *before* Lava's one-step buffer
(the emulator applies the delay); neuron kinds map synaptic input to spikes and
their ``u``/``v`` traces. A node kind without an entry here cannot be emulated.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pumice.convert import lava_arithmetic as la
from pumice.convert import tensor_ops
from pumice.convert.ir import nodes as ir


def _dense(node: ir.Dense, x: np.ndarray) -> np.ndarray:
    return tensor_ops.dense(node.weight, x)


def _fixed_dense(node: ir.FixedDense, x: np.ndarray) -> np.ndarray:
    weight = la.effective_dense_weights(node.weight, node.num_weight_bits)
    return la.arithmetic_shift(tensor_ops.dense(weight, x), node.weight_exp)


def _conv(node: ir.Conv2d, x: np.ndarray) -> np.ndarray:
    return tensor_ops.conv2d(node.weight, x, node.stride, node.padding, node.dilation, node.groups)


def _fixed_conv(node: ir.FixedConv2d, x: np.ndarray) -> np.ndarray:
    total = tensor_ops.conv2d(
        node.weight.astype(np.int64), x, node.stride, node.padding, node.dilation, node.groups
    )
    return la.wrap_signed(la.arithmetic_shift(total, node.weight_exp), la.STATE_BITS)


def _sum_pool(node: ir.SumPool2d, x: np.ndarray) -> np.ndarray:
    channels = x.shape[1]
    kernel = np.full((channels, 1, *node.kernel), node.weight, dtype=np.float64)
    return tensor_ops.conv2d(kernel, x, node.stride, node.padding, (1, 1), channels)


#: Synapse kind -> function(node, input spikes) -> synaptic input (undelayed).
SYNAPSES: dict[type, Callable[[ir.Node, np.ndarray], np.ndarray]] = {
    ir.Dense: _dense,
    ir.FixedDense: _fixed_dense,
    ir.Conv2d: _conv,
    ir.FixedConv2d: _fixed_conv,
    ir.SumPool2d: _sum_pool,
}


def _float_lif(node: ir.CubaLIF, a: np.ndarray, record_state: bool):
    shape, steps = a.shape[:-1], a.shape[-1]
    bias = np.broadcast_to(node.bias, shape[1:])
    u = np.zeros(shape)
    v = np.zeros(shape)
    spikes = np.zeros(a.shape, dtype=np.uint8)
    us = np.zeros(a.shape) if record_state else None
    vs = np.zeros(a.shape) if record_state else None
    for t in range(steps):
        u = u * (1.0 - node.current_decay) + a[..., t]
        v = v * (1.0 - node.voltage_decay) + u + bias
        fired = v >= node.threshold
        v = np.where(fired, 0.0, v)
        spikes[..., t] = fired
        if record_state:
            us[..., t], vs[..., t] = u, v
    return spikes, us, vs


def _integer_lif(a: np.ndarray, step: Callable, record_state: bool):
    """Loop an integer neuron ``step(u, v, a_t) -> (u, v, spikes)`` over the time axis."""
    shape = a.shape[:-1]
    u = np.zeros(shape, dtype=np.int64)
    v = np.zeros(shape, dtype=np.int64)
    spikes = np.zeros(a.shape, dtype=np.uint8)
    us = np.zeros(a.shape, dtype=np.int64) if record_state else None
    vs = np.zeros(a.shape, dtype=np.int64) if record_state else None
    a = a.astype(np.int64)
    for t in range(a.shape[-1]):
        u, v, fired = step(u, v, a[..., t])
        spikes[..., t] = fired
        if record_state:
            us[..., t], vs[..., t] = u, v
    return spikes, us, vs


def _per_neuron(values, neuron_shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=np.int64), neuron_shape)


def _bias(node, neuron_shape: tuple[int, ...]) -> np.ndarray:
    mantissa = np.asarray(node.bias_mant, dtype=np.int64)
    return np.broadcast_to(la.arithmetic_shift(mantissa, node.bias_exp), neuron_shape)


def _fixed_lif(node: ir.FixedCubaLIF, a: np.ndarray, record_state: bool):
    bias = _bias(node, a.shape[1:-1])

    def step(u, v, a_t):
        return la.lif_step(u, v, a_t, node.du, node.dv, bias, node.vth)

    return _integer_lif(a, step, record_state)


def _shift_lif(node: ir.FixedShiftLIF, a: np.ndarray, record_state: bool):
    neuron_shape = a.shape[1:-1]
    bias = _bias(node, neuron_shape)
    shift_u = _per_neuron(node.shift_u, neuron_shape)
    shift_v = _per_neuron(node.shift_v, neuron_shape)

    def step(u, v, a_t):
        return la.shift_lif_step(u, v, a_t, shift_u, shift_v, bias, node.vth, ir.NO_LEAK)

    return _integer_lif(a, step, record_state)


#: Neuron kind -> function(node, synaptic input, record_state) -> (spikes, u, v).
NEURONS: dict[type, Callable] = {
    ir.CubaLIF: _float_lif,
    ir.FixedCubaLIF: _fixed_lif,
    ir.FixedShiftLIF: _shift_lif,
}
