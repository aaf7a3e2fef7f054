"""Build a Lava process graph (lava-nc ``Dense``/``Conv``/``LIF``) from a fixed-point IR graph.

Lava lays feature maps out as (x, y, channels) = (W, H, C); the IR uses (C, H, W).
Tensors are transposed at this boundary and a dense layer that follows a flattened
map gets its input columns permuted, so both compute the same network (an ISI binner
expands the last Lava axis, channel ``c`` to ``c * K + k``, as the IR expands its first
axis, so only a binner over a flattened map needs its lines permuted). A recurrent layer
gets a ``Dense`` (``Sparse`` when pruned) from its own ``s_out`` back to its ``a_in``,
listed among the synapses as ``<layer>.recurrent``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from lava.magma.core.process.process import AbstractProcess
from lava.proc.conv.process import Conv
from lava.proc.dense.process import Dense
from lava.proc.io.sink import RingBuffer as SpikeSink
from lava.proc.io.source import RingBuffer as SpikeSource
from lava.proc.lif.process import LIF
from lava.proc.monitor.process import Monitor
from lava.proc.sparse.process import Sparse
from scipy.sparse import csr_matrix

from pumice.convert.emulator import check_input, check_isi_and_readout
from pumice.convert.ir import (
    NO_LEAK,
    FixedConv2d,
    FixedCubaLI,
    FixedCubaLIF,
    FixedDense,
    FixedShiftLIF,
    Flatten,
    Graph,
    Input,
    ISIBinner,
)
from pumice.convert.recurrence import RECURRENT_KINDS, recurrent_name, recurrent_synapse
from pumice.convert.semantics import NON_SPIKING_VTH
from pumice.deploy.processes.isi_binner.process import IntervalBinner
from pumice.deploy.processes.shift_leak_lif.process import ShiftLeakLIF
from pumice.deploy.processes.spike_counter.process import SpikeCounter
from pumice.errors import ModelError


def swap_map_layout(array: np.ndarray, first_axis: int, feature_dims: int) -> np.ndarray:
    """(…, C, H, W, …) <-> (…, W, H, C, …) at ``first_axis``; 1-D features stay as they are."""
    if feature_dims != 3:
        return array
    return np.swapaxes(array, first_axis, first_axis + 2)


def _flatten_permutation(shape: tuple[int, ...]) -> np.ndarray:
    """For each position of Lava's flattened (W, H, C) map, the IR's (C, H, W) index."""
    return np.arange(int(np.prod(shape))).reshape(shape).transpose(2, 1, 0).ravel()


@dataclasses.dataclass
class LavaNetwork:
    """The Lava processes standing for one IR graph, and where to read results."""

    source: SpikeSource
    synapses: dict[str, AbstractProcess]
    neurons: dict[str, LIF | ShiftLeakLIF]
    #: Per neuron node: a ring buffer of its spike trains, or a SpikeCounter of its counts.
    sinks: dict[str, SpikeSink | SpikeCounter]
    monitors: dict[str, dict[str, Monitor]]
    shapes: dict[str, tuple[int, ...]]
    #: Per ISIBinner node: its process (its ``age`` is reset between samples).
    binners: dict[str, IntervalBinner] = dataclasses.field(default_factory=dict)


def _dense(node: FixedDense, flattened_from: tuple | None) -> Dense | Sparse:
    """Lava ``Dense``, or ``Sparse`` (only the remaining synapses) for a pruned layer."""
    weight = node.weight.astype(np.int32)
    if flattened_from is not None and len(flattened_from) == 3:
        weight = weight[:, _flatten_permutation(flattened_from)]
    process, weights = (Sparse, csr_matrix(weight)) if node.sparse else (Dense, weight)
    return process(
        weights=weights,
        weight_exp=int(node.weight_exp),
        num_weight_bits=int(node.num_weight_bits),
    )


def _recurrent(neuron: LIF | ShiftLeakLIF, node, ir_shape: tuple[int, ...]) -> Dense | Sparse:
    """A recurrent layer's ``Dense`` (``Sparse`` when pruned) from its spikes to its input."""
    synapse = recurrent_synapse(node)
    if len(ir_shape) > 1:
        order = _flatten_permutation(ir_shape)
        synapse = dataclasses.replace(synapse, weight=synapse.weight[order][:, order])
    proc = _dense(synapse, None)
    if len(ir_shape) > 1:
        neuron.s_out.flatten().connect(proc.s_in)
        proc.a_out.reshape(tuple(ir_shape[::-1])).connect(neuron.a_in)
    else:
        neuron.s_out.connect(proc.s_in)
        proc.a_out.connect(neuron.a_in)
    return proc


def _conv(name: str, node: FixedConv2d, pre_shape: tuple[int, ...]) -> Conv:
    if node.weight_exp < 0:
        raise ModelError(
            f"layer '{name}': Lava's Conv ignores weight_exp, so a negative exponent "
            f"({node.weight_exp}) cannot run on Lava; re-quantise with weight_exp >= 0"
        )
    weight = node.weight.astype(np.int64) << int(node.weight_exp)
    # Lava convolves (flips the kernel) in (out, x, y, in) layout; the IR correlates.
    lava_weight = weight.transpose(0, 3, 2, 1)[:, ::-1, ::-1].astype(np.int32)
    return Conv(
        weight=np.ascontiguousarray(lava_weight),
        input_shape=tuple(pre_shape[::-1]),
        padding=tuple(node.padding[::-1]),
        stride=tuple(node.stride[::-1]),
        dilation=tuple(node.dilation[::-1]),
        groups=int(node.groups),
    )


def _binned_columns(columns: np.ndarray, num_bins: int) -> np.ndarray:
    """For each of a binner's Lava output lines, the IR line (``j * K + k``), given the IR
    index ``columns[p]`` of each of its Lava inputs."""
    return (columns[:, None] * num_bins + np.arange(num_bins)).ravel()


def _neuron(node: FixedCubaLIF | FixedShiftLIF | FixedCubaLI, ir_shape: tuple[int, ...]):
    """Lava's LIF for a multiplier leak, pumice's ShiftLeakLIF for a shift leak."""
    shape = tuple(ir_shape[::-1])

    def lava_layout(values) -> np.ndarray:
        per_neuron = np.broadcast_to(values, ir_shape)
        return np.ascontiguousarray(swap_map_layout(per_neuron, 0, len(shape))).astype(np.int32)

    if isinstance(node, FixedShiftLIF):
        return ShiftLeakLIF(
            shape=shape,
            shift_u=lava_layout(node.shift_u),
            shift_v=lava_layout(node.shift_v),
            vth=int(node.vth),
            bias_mant=lava_layout(node.bias_mant),
            bias_exp=int(node.bias_exp),
            no_leak=NO_LEAK,
        )
    # A non-spiking layer is a LIF with Lava's largest threshold: it fires only where v
    # exceeds NON_SPIKING_VTH << 6 = 2**23 - 64, i.e. within 63 of v's saturation at
    # 2**23 - 1, a v far outside any trained output's range. The run refuses such a spike
    # (its sink counts it), as the emulator does, instead of returning a reset v.
    vth = NON_SPIKING_VTH if isinstance(node, FixedCubaLI) else int(node.vth)
    return LIF(
        shape=shape,
        du=int(node.du),
        dv=int(node.dv),
        vth=vth,
        bias_mant=lava_layout(node.bias_mant),
        bias_exp=int(node.bias_exp),
    )


def build_lava_network(
    graph: Graph,
    spikes: np.ndarray,
    *,
    record_spikes: bool = True,
    record_state: bool = False,
    windows: dict[str, tuple[int, int]] | None = None,
) -> LavaNetwork:
    """Processes for ``graph`` fed by ``spikes`` (samples, *input shape, steps) back to back.

    With ``record_spikes`` every neuron node gets a ring buffer of its whole spike train;
    otherwise a :class:`SpikeCounter` of its spikes per sample over ``windows[name]``.
    """
    if graph.domain() != "fixed":
        raise ModelError("the Lava backend runs fixed-point graphs only: convert the model first")
    check_input(graph, spikes)
    check_isi_and_readout(graph)
    shapes = graph.shapes()
    samples, steps = spikes.shape[0], spikes.shape[-1]
    total_steps = samples * steps
    in_dims = spikes.ndim - 2
    played = np.moveaxis(spikes, 0, -2).reshape(*spikes.shape[1:-1], total_steps)
    played = swap_map_layout(played, 0, in_dims)
    source = SpikeSource(data=played.astype(np.int32))
    ports = {}
    flattened_from: dict[str, tuple] = {}
    binned_columns: dict[str, np.ndarray] = {}
    synapses, neurons, sinks, monitors, binners = {}, {}, {}, {}, {}
    for name, node in graph.nodes.items():
        if isinstance(node, Input):
            ports[name] = source.s_out
            continue
        pred = graph.predecessor(name)
        pre_shape = shapes[pred]
        if isinstance(node, Flatten):
            ports[name] = ports[pred].flatten() if len(pre_shape) > 1 else ports[pred]
            flattened_from[name] = pre_shape
            continue
        if isinstance(node, ISIBinner):
            binners[name] = IntervalBinner(shape=pre_shape[::-1], num_bins=int(node.num_bins))
            ports[pred].connect(binners[name].a_in)
            ports[name] = binners[name].s_out
            if len(flattened_from.get(pred, ())) == 3:
                order = _flatten_permutation(flattened_from[pred])
                binned_columns[name] = _binned_columns(order, int(node.num_bins))
            continue
        if isinstance(node, FixedDense):
            if pred in binned_columns:
                node = dataclasses.replace(node, weight=node.weight[:, binned_columns[pred]])
            proc = _dense(node, flattened_from.get(pred))
            out_port = proc.a_out
        elif isinstance(node, FixedConv2d):
            proc = _conv(name, node, pre_shape)
            out_port = proc.a_out
        elif isinstance(node, FixedCubaLIF | FixedShiftLIF | FixedCubaLI):
            proc = _neuron(node, shapes[name])
            out_port = proc.s_out
            shape = tuple(shapes[name][::-1])
            if record_spikes:
                sink = SpikeSink(shape=shape, buffer=total_steps)
            else:
                start, stop = (windows or {}).get(name, (0, steps))
                if isinstance(node, FixedCubaLI):  # any spike at all is an error to catch
                    start, stop = 0, steps
                sink = SpikeCounter(
                    shape=shape, samples=samples, steps=steps, start=start, stop=stop
                )
            proc.s_out.connect(sink.a_in)
            sinks[name] = sink
            neurons[name] = proc
            if isinstance(node, RECURRENT_KINDS):
                synapses[recurrent_name(name)] = _recurrent(proc, node, shapes[name])
            if record_state:
                monitors[name] = {}
                for var in ("u", "v"):
                    monitor = Monitor()
                    monitor.probe(getattr(proc, var), total_steps)
                    monitors[name][var] = monitor
        else:
            raise ModelError(f"node '{name}' of kind {type(node).__name__} has no Lava process")
        is_neuron = isinstance(proc, LIF | ShiftLeakLIF)
        ports[pred].connect(proc.a_in if is_neuron else proc.s_in)
        if not is_neuron:
            synapses[name] = proc
        ports[name] = out_port
    return LavaNetwork(source, synapses, neurons, sinks, monitors, shapes, binners)
