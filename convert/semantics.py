"""Reference semantics of every IR node kind, over whole (batch, ..., time) tensors.

Synapse kinds map input spikes to synaptic input *before* Lava's one-step buffer
(the emulator applies the delay); neuron kinds map synaptic input to spikes and
their ``u``/``v`` traces. A node kind without an entry here cannot be emulated.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pumice.convert import event_ops, tensor_ops
from pumice.convert import lava_arithmetic as la
from pumice.convert.ir import nodes as ir
from pumice.convert.isi import Binned, gaussian, intervals
from pumice.convert.recurrence import RECURRENT_KINDS


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


def _events_by_isi(x: np.ndarray):
    """(ISI value, spike indices with that ISI) for every ISI value present in ``x``."""
    isi = intervals(x)
    index = np.nonzero(isi)
    values = isi[index]
    order = np.argsort(values, kind="stable")
    values, index = values[order], tuple(i[order] for i in index)
    found, starts = np.unique(values, return_index=True)
    stops = [*starts[1:], values.size]
    for value, start, stop in zip(found, starts, stops, strict=True):
        yield int(value), tuple(i[start:stop] for i in index)


def _isi_dense(node: ir.ISIDense, x: np.ndarray) -> np.ndarray:
    """Each spike adds ``height * G(its ISI)``; the Gaussian is evaluated per ISI value."""
    batch, steps = x.shape[0], x.shape[-1]
    out = np.zeros((batch, node.height.shape[0], steps))
    for value, (sample, line, step) in _events_by_isi(x):
        weight = node.height * gaussian(value, node.mean, node.width)
        out += event_ops.dense_events(weight, batch, steps, sample, line, step)
    return out


def _isi_conv(node: ir.ISIConv2d, x: np.ndarray) -> np.ndarray:
    batch, _, height, width, steps = x.shape
    out_shape = node.output_shape(x.shape[1:-1])
    out = np.zeros((batch, *out_shape, steps))
    for value, events in _events_by_isi(x):
        kernel = node.height * gaussian(value, node.mean, node.width)[:, :, None, None]
        out += event_ops.conv_events(
            kernel, (height, width), batch, steps, events, node.stride, node.padding
        )
    return out


#: Synapse kind -> function(node, input spikes) -> synaptic input (undelayed).
SYNAPSES: dict[type, Callable[[ir.Node, np.ndarray], np.ndarray]] = {
    ir.Dense: _dense,
    ir.FixedDense: _fixed_dense,
    ir.Conv2d: _conv,
    ir.FixedConv2d: _fixed_conv,
    ir.SumPool2d: _sum_pool,
    ir.ISIDense: _isi_dense,
    ir.ISIConv2d: _isi_conv,
}


def isi_binner(node: ir.ISIBinner, x: np.ndarray | Binned) -> Binned:
    """An ISI binner's output (same step, no delay), held as the ISIs of its input."""
    spikes = x.dense() if isinstance(x, Binned) else x
    return Binned(intervals(spikes), node.num_bins)


def _binned_dense_total(weight: np.ndarray, x: Binned) -> np.ndarray:
    sample, line, step = x.events()
    batch, steps = x.intervals.shape[0], x.intervals.shape[-1]
    return event_ops.dense_events(weight, batch, steps, sample, line, step)


def _binned_dense(node: ir.Dense, x: Binned) -> np.ndarray:
    return _binned_dense_total(np.asarray(node.weight, dtype=np.float64), x)


def _binned_fixed_dense(node: ir.FixedDense, x: Binned) -> np.ndarray:
    weight = la.effective_dense_weights(node.weight, node.num_weight_bits)
    return la.arithmetic_shift(_binned_dense_total(weight, x), node.weight_exp)


def _binned_conv_total(node: ir.Conv2d | ir.FixedConv2d, weight: np.ndarray, x: Binned):
    batch, _, height, width, steps = x.intervals.shape
    return event_ops.conv_events(
        weight, (height, width), batch, steps, x.events(), node.stride, node.padding, node.dilation
    )


def _binned_conv(node: ir.Conv2d, x: Binned) -> np.ndarray:
    if node.groups != 1:
        return _conv(node, x.dense())
    return _binned_conv_total(node, np.asarray(node.weight, dtype=np.float64), x)


def _binned_fixed_conv(node: ir.FixedConv2d, x: Binned) -> np.ndarray:
    if node.groups != 1:
        return _fixed_conv(node, x.dense())
    total = _binned_conv_total(node, node.weight.astype(np.int64), x)
    return la.wrap_signed(la.arithmetic_shift(total, node.weight_exp), la.STATE_BITS)


#: Synapse kind fed by an ISI binner -> function(node, binner output) -> synaptic input,
#: the same as :data:`SYNAPSES` on the binner's spikes, computed from its events.
BINNED_SYNAPSES: dict[type, Callable[[ir.Node, Binned], np.ndarray]] = {
    ir.Dense: _binned_dense,
    ir.FixedDense: _binned_fixed_dense,
    ir.Conv2d: _binned_conv,
    ir.FixedConv2d: _binned_fixed_conv,
}


def _recurrence(node: ir.Node) -> Callable[[np.ndarray], np.ndarray] | None:
    """What a recurrent node's spikes of the previous step add to its input, or None.

    Fixed-point: Lava Dense's arithmetic, as :func:`_fixed_dense` (clipped and truncated
    mantissas, then the exponent's arithmetic shift).
    """
    if not isinstance(node, RECURRENT_KINDS):
        return None
    if node.domain == "float":
        weight, exponent = np.asarray(node.recurrent_weight, dtype=np.float64), None
    else:
        weight = la.effective_dense_weights(node.recurrent_weight, node.recurrent_num_weight_bits)
        exponent = node.recurrent_weight_exp

    def feedback(fired: np.ndarray) -> np.ndarray:
        total = tensor_ops.dense(weight, fired.reshape(len(fired), -1, 1))[..., 0]
        if exponent is not None:
            total = la.arithmetic_shift(total, exponent)
        return total.reshape(fired.shape)

    return feedback


def _float_lif(node: ir.CubaLIF, a: np.ndarray, record_state: bool):
    shape, steps = a.shape[:-1], a.shape[-1]
    bias = np.broadcast_to(node.bias, shape[1:])
    keep_u = 1.0 - np.asarray(node.current_decay, dtype=np.float64)
    keep_v = 1.0 - np.asarray(node.voltage_decay, dtype=np.float64)
    feedback = _recurrence(node)
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


def _integer_lif(a: np.ndarray, step: Callable, record_state: bool, feedback=None):
    """Loop an integer neuron ``step(u, v, a_t) -> (u, v, spikes)`` over the time axis.

    ``feedback`` (see :func:`_recurrence`) adds the previous step's recurrent input.
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
            a_t = a_t + feedback(spikes[..., t - 1])
        u, v, fired = step(u, v, a_t)
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

    return _integer_lif(a, step, record_state, _recurrence(node))


def _shift_lif(node: ir.FixedShiftLIF, a: np.ndarray, record_state: bool):
    neuron_shape = a.shape[1:-1]
    bias = _bias(node, neuron_shape)
    shift_u = _per_neuron(node.shift_u, neuron_shape)
    shift_v = _per_neuron(node.shift_v, neuron_shape)

    def step(u, v, a_t):
        return la.shift_lif_step(u, v, a_t, shift_u, shift_v, bias, node.vth, ir.NO_LEAK)

    return _integer_lif(a, step, record_state, _recurrence(node))


#: Largest threshold Lava's LIF holds (17 bits): a FixedCubaLI is Lava's LIF with it.
NON_SPIKING_VTH = (1 << 17) - 1
#: Neuron kinds that never spike: their answer is ``v`` (see :class:`ir.CubaLI`).
NON_SPIKING = (ir.CubaLI, ir.FixedCubaLI)


def _float_li(node: ir.CubaLI, a: np.ndarray, record_state: bool):
    """A CubaLIF whose threshold is infinite: no spike, no reset."""
    lif = ir.CubaLIF(
        shape=node.shape,
        threshold=np.inf,
        current_decay=node.current_decay,
        voltage_decay=node.voltage_decay,
        bias=node.bias,
    )
    return _float_lif(lif, a, record_state)


def _fixed_li(node: ir.FixedCubaLI, a: np.ndarray, record_state: bool):
    """Lava's LIF with threshold :data:`NON_SPIKING_VTH`, as the Lava backend runs it.

    A spike here means ``v`` climbed above ``NON_SPIKING_VTH << 6``, outside what a
    FixedCubaLI may hold; the emulator refuses such a run (Lava's LIF would reset ``v``).
    """
    lif = ir.FixedCubaLIF(
        shape=node.shape,
        du=node.du,
        dv=node.dv,
        vth=NON_SPIKING_VTH,
        bias_mant=node.bias_mant,
        bias_exp=node.bias_exp,
    )
    return _fixed_lif(lif, a, record_state)


#: Neuron kind -> function(node, synaptic input, record_state) -> (spikes, u, v).
NEURONS: dict[type, Callable] = {
    ir.CubaLI: _float_li,
    ir.FixedCubaLI: _fixed_li,
    ir.CubaLIF: _float_lif,
    ir.FixedCubaLIF: _fixed_lif,
    ir.FixedShiftLIF: _shift_lif,
    ir.RecurrentCubaLIF: _float_lif,
    ir.FixedRecurrentCubaLIF: _fixed_lif,
    ir.FixedRecurrentShiftLIF: _shift_lif,
}
