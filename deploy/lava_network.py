"""Build a Lava process graph from a fixed-point IR graph, one builder per node kind.

Each node's builder (:mod:`pumice.deploy.builders`) makes its processes; this loop wires
them in graph order, and gives every neuron layer a sink (a ring buffer of its spike
trains, or a :class:`SpikeCounter` of its counts) and, when asked, ``u``/``v`` monitors.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from lava.magma.core.process.process import AbstractProcess
from lava.proc.io.sink import RingBuffer as SpikeSink
from lava.proc.io.source import RingBuffer as SpikeSource
from lava.proc.monitor.process import Monitor

from pumice.convert.ir import Graph
from pumice.convert.ir.checks import check_input, check_runnable
from pumice.deploy.builders import LAVA_BUILDERS, BuildContext
from pumice.deploy.builders.layout import swap_map_layout
from pumice.deploy.processes.spike_counter.process import SpikeCounter
from pumice.deploy.sample_resets import SampleResets
from pumice.errors import ModelError


@dataclasses.dataclass
class LavaNetwork:
    """The Lava processes standing for one IR graph, and where to read results."""

    source: SpikeSource
    synapses: dict[str, AbstractProcess]
    neurons: dict[str, AbstractProcess]
    #: Per neuron node: a ring buffer of its spike trains, or a SpikeCounter of its counts.
    sinks: dict[str, SpikeSink | SpikeCounter]
    monitors: dict[str, dict[str, Monitor]]
    shapes: dict[str, tuple[int, ...]]
    #: Vars holding state between steps (neuron u/v, synapse buffers, binner ages).
    state: list = dataclasses.field(default_factory=list)
    #: Per-sample resets inside Lava, or None.
    resets: SampleResets | None = None


def _sink(node, shape, samples, steps, record_spikes, window, first):
    """A neuron layer's ring buffer (whole trains) or counter (spikes per sample in window,
    from step ``first`` on, the layer's reset)."""
    if record_spikes:
        return SpikeSink(shape=shape, buffer=samples * steps)
    start, stop = max(window[0], first), window[1]
    if not node.traits.spiking:  # any spike at all is an error to catch
        start, stop = first, steps
    return SpikeCounter(shape=shape, samples=samples, steps=steps, start=start, stop=stop)


def build_lava_network(
    graph: Graph,
    spikes: np.ndarray,
    *,
    record_spikes: bool = True,
    record_state: bool = False,
    windows: dict[str, tuple[int, int]] | None = None,
    resets: SampleResets | None = None,
) -> LavaNetwork:
    """Processes for ``graph`` fed by ``spikes`` (samples, *input shape, steps) back to back.

    With ``record_spikes`` every neuron node gets a ring buffer of its whole spike train;
    otherwise a :class:`SpikeCounter` of its spikes per sample over ``windows[name]``.
    With ``resets`` every sample starts from rest inside Lava
    (:mod:`pumice.deploy.sample_resets`); counters then skip each layer's steps before its
    reset.
    """
    if graph.domain() != "fixed":
        raise ModelError("the Lava backend runs fixed-point graphs only: convert the model first")
    check_input(graph, spikes)
    check_runnable(graph)
    shapes = graph.shapes()
    samples, steps = spikes.shape[0], spikes.shape[-1]
    played = np.moveaxis(spikes, 0, -2).reshape(*spikes.shape[1:-1], samples * steps)
    played = swap_map_layout(played, 0, spikes.ndim - 2)
    context = BuildContext(graph, shapes, SpikeSource(data=played.astype(np.int32)), resets=resets)
    net = LavaNetwork(context.source, {}, {}, {}, {}, shapes, resets=resets)
    for name, node in graph.nodes.items():
        builder = LAVA_BUILDERS.get(type(node))
        if builder is None:
            raise ModelError(f"node '{name}' of kind {type(node).__name__} has no Lava process")
        built = context.built[name] = builder(context, name, node)
        if built.in_port is not None:
            context.built[graph.predecessor(name)].out_port.connect(built.in_port)
        net.state += built.state
        net.synapses.update(built.extra_synapses)
        if node.is_synapse:
            net.synapses[name] = built.process
        if not node.is_neuron:
            continue
        net.neurons[name] = built.process
        shape = tuple(shapes[name][::-1])
        window = (windows or {}).get(name, (0, steps))
        first = 0 if resets is None else resets.offsets[name]
        sink = _sink(node, shape, samples, steps, record_spikes, window, first)
        built.out_port.connect(sink.a_in)
        net.sinks[name] = sink
        if record_state:
            net.monitors[name] = {}
            for var in ("u", "v"):
                monitor = Monitor()
                monitor.probe(getattr(built.process, var), samples * steps)
                net.monitors[name][var] = monitor
    return net
