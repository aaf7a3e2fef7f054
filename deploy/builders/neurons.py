"""Lava builders of the fixed-point neurons: Lava's ``LIF`` for a multiplier leak (its
``LIFReset`` when samples reset inside Lava), pumice's ``ShiftLeakLIF`` for a shift leak,
and a recurrent layer's ``Dense`` back to itself."""

from __future__ import annotations

import dataclasses

from lava.proc.lif.process import LIF, LIFReset

from pumice.convert.ir import (
    FixedCubaLI,
    FixedCubaLIF,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    Node,
)
from pumice.convert.ir.fixed_point import NO_LEAK, NON_SPIKING_VTH
from pumice.convert.ir.recurrence import recurrent_name, recurrent_synapse
from pumice.deploy.builders.layout import flatten_order, lava_per_neuron
from pumice.deploy.builders.registry import BuildContext, Built, lava_builder
from pumice.deploy.builders.synapses import dense_process, synapse_buffer
from pumice.deploy.processes.shift_leak_lif.process import ShiftLeakLIF


def _with_recurrence(name: str, node: Node, neuron, ir_shape: tuple[int, ...]) -> Built:
    """The neuron's Built; a recurrent layer also gets a ``Dense`` (``Sparse`` when pruned)
    from its spikes back to its input."""
    built = Built(neuron, neuron.a_in, neuron.s_out, state=(neuron.u, neuron.v))
    if not node.traits.recurrent:
        return built
    synapse = recurrent_synapse(node)
    if len(ir_shape) > 1:
        order = flatten_order(ir_shape)
        rows_in_lava_order = dataclasses.replace(synapse, weight=synapse.weight[order])
        process = dense_process(rows_in_lava_order, order)
        neuron.s_out.flatten().connect(process.s_in)
        process.a_out.reshape(tuple(ir_shape[::-1])).connect(neuron.a_in)
    else:
        process = dense_process(synapse)
        neuron.s_out.connect(process.s_in)
        process.a_out.connect(neuron.a_in)
    built.extra_synapses[recurrent_name(name)] = process
    built.state += (synapse_buffer(process),)
    return built


def _reset_parameters(context: BuildContext, name: str) -> dict[str, int]:
    """``reset_interval`` and ``reset_offset`` of pumice's processes (interval 0: never)."""
    if context.resets is None:
        return {"reset_interval": 0, "reset_offset": 0}
    resets = context.resets
    return {"reset_interval": resets.period, "reset_offset": resets.reset_offset(name)}


@lava_builder(FixedCubaLIF, FixedRecurrentCubaLIF, FixedCubaLI)
def _lif(context: BuildContext, name: str, node: Node) -> Built:
    ir_shape = context.shapes[name]
    # A non-spiking layer is a LIF with Lava's largest threshold: it fires only where v
    # exceeds NON_SPIKING_VTH << 6 = 2**23 - 64, i.e. within 63 of v's saturation at
    # 2**23 - 1, a v far outside any trained output's range. The run refuses such a spike
    # (its sink counts it), as the emulator does, instead of returning a reset v.
    vth = int(node.vth) if node.traits.spiking else NON_SPIKING_VTH
    parameters = dict(
        shape=tuple(ir_shape[::-1]),
        du=int(node.du),
        dv=int(node.dv),
        vth=vth,
        bias_mant=lava_per_neuron(node.bias_mant, ir_shape),
        bias_exp=int(node.bias_exp),
    )
    if context.resets is None:
        neuron = LIF(**parameters)
    else:
        neuron = LIFReset(
            **parameters,
            reset_interval=context.resets.period,
            reset_offset=context.resets.reset_offset(name),
        )
    return _with_recurrence(name, node, neuron, ir_shape)


@lava_builder(FixedShiftLIF, FixedRecurrentShiftLIF)
def _shift_lif(context: BuildContext, name: str, node: FixedShiftLIF) -> Built:
    ir_shape = context.shapes[name]
    neuron = ShiftLeakLIF(
        shape=tuple(ir_shape[::-1]),
        shift_u=lava_per_neuron(node.shift_u, ir_shape),
        shift_v=lava_per_neuron(node.shift_v, ir_shape),
        vth=int(node.vth),
        bias_mant=lava_per_neuron(node.bias_mant, ir_shape),
        bias_exp=int(node.bias_exp),
        no_leak=NO_LEAK,
        **_reset_parameters(context, name),
    )
    return _with_recurrence(name, node, neuron, ir_shape)
