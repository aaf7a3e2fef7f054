"""Per-core spike traffic of a run: spikes, messages, synaptic operations, hops, energy.

Counting (every figure per core and per time step, summed or averaged over samples):

- a spike of a neuron sends one message to every core holding a range it has a present
  (nonzero) synapse onto, its own core included (one per output axon; a recurrent layer's
  spikes are also messages to its own ranges); input spikes enter
  from outside the chip and count as messages received by the first layer's cores, with no
  sending core and no hops;
- a message costs the Manhattan distance between the two cores on their chip's mesh in
  hops (east-west along columns, north-south along rows); a message to another chip is
  counted as an inter-chip message instead, without hops;
- a spike causes one synaptic operation per present synapse leaving its neuron, on the
  destination core (stored zero weights of a dense layer are not counted);
- every neuron is updated every step; an update is active when the neuron spikes or
  receives a synaptic event that step (events arrive one step after the spike, Lava's
  synaptic delay).

An ISI binner has no neurons: a spike leaves its neuron on the binner line of its ISI
(dropped beyond the last bin), and messages and synaptic operations follow that line's
synapses; the spike is generated (and its messages sent) by the neuron's core. A payload
router's spike leaves on every line of its neuron whose payload is not 0 (graded spikes):
each such message also carries the router's payload bits, summed as ``payload_bits``.

Messages, hops and synaptic operations are attributed to the step of the spike. Each
count is a product of a layer's spikes with a small (neurons, cores) incidence matrix,
computed spike by spike, and the active updates come from the present synapses the spikes
reach (:mod:`.event_counts`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.hardware import HardwareProfile
from pumice.convert.ir import Graph
from pumice.convert.kernels.trains import Trains
from pumice.convert.mapping import LayerSynapses, Mapping, layer_synapses
from pumice.convert.semantics import SEMANTICS
from pumice.convert.traffic.energy import energy_breakdown
from pumice.convert.traffic.event_counts import (
    Events,
    Reach,
    arrivals,
    events_of,
    events_of_lines,
    incidence_counts,
    line_activity,
    updates_per_core,
)
from pumice.convert.traffic.neurobench import CONVENTIONS as NEUROBENCH_CONVENTIONS
from pumice.convert.traffic.neurobench import neurobench_metrics
from pumice.errors import PumiceError

#: Per-core counts, each per time step.
QUANTITIES = (
    "spikes_generated",
    "messages_sent",
    "messages_received",
    "synaptic_ops",
    "neuron_updates_active",
    "mesh_hops_east_west",
    "mesh_hops_north_south",
    "inter_chip_messages_sent",
)

CONVENTIONS = [
    "messages: one per spike per destination core (own core included); input spikes come "
    "from outside: messages received by the first layer's cores, no sender, no hops",
    "synaptic_ops: one per spike per nonzero synapse leaving its neuron, on the receiving core",
    "mesh_hops: Manhattan distance on the chip mesh per message within a chip; messages "
    "between chips are counted apart, without hops",
    "neuron_updates: every neuron every step; active: spiked or received a synaptic event "
    "that step",
    "per-step figures: messages, hops and synaptic ops at the step of the spike; totals sum "
    "over samples; per_inference divides by samples",
    "ISI binners: no neurons; a spike's messages and synaptic ops follow the binner line of "
    "its ISI (one input axon per line), sent from the spiking neuron's core",
    "payload routers (graded spikes): a spike's messages follow every line of its neuron "
    "with a nonzero payload; payload_bits counts each message's payload bits",
    "graded spikes (TTFS) count once each; every message of one also carries its source's "
    "payload bits (counted in payload_bits too)",
]


@dataclasses.dataclass
class _Columns:
    """Columns of one source's incidence matrix and the per-core counts they fill."""

    matrix: list[np.ndarray] = dataclasses.field(default_factory=list)
    #: (quantity, core ids) per block of columns, in matrix order.
    targets: list[tuple[str, np.ndarray]] = dataclasses.field(default_factory=list)

    def add(self, quantity: str, cores: np.ndarray, block: np.ndarray) -> None:
        self.matrix.append(block)
        self.targets.append((quantity, cores))


def _one_hot(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cores, local = np.unique(owner, return_inverse=True)
    hot = np.zeros((owner.size, cores.size), dtype=np.int64)
    hot[np.arange(owner.size), local] = 1
    return cores, hot


def _source_columns(
    source: str,
    consumers: list[LayerSynapses],
    mapping: Mapping,
    place: np.ndarray,
    n: int,
    line_neurons: np.ndarray | None = None,
) -> _Columns:
    """Incidence columns of the input or a neuron layer: what its spikes add to each core.

    For the ``n`` lines of an ISI binner, ``line_neurons`` names each line's source neuron;
    the spikes themselves are counted with the source, not here.
    """
    columns = _Columns()
    sender = mapping.neuron_cores(source) if source in mapping.shapes else None
    if sender is not None and line_neurons is not None:
        sender = sender[line_neurons]
    fan = {key: np.zeros(n, dtype=np.int64) for key in ("sent", "ew", "ns", "chips")}
    for synapses in consumers:
        owner = mapping.neuron_cores(synapses.layer)[synapses.post]
        cores, local = np.unique(owner, return_inverse=True)
        ops = np.bincount(synapses.pre * cores.size + local, minlength=n * cores.size)
        ops = ops.reshape(n, cores.size)
        reached = (ops > 0).astype(np.int64)
        columns.add("messages_received", cores, reached)
        columns.add("synaptic_ops", cores, ops)
        fan["sent"] += reached.sum(axis=1)
        if sender is not None:
            chip, x, y = place[sender].T
            to_chip, to_x, to_y = place[cores].T
            same = chip[:, None] == to_chip[None, :]
            fan["chips"] += (reached * ~same).sum(axis=1)
            fan["ew"] += (reached * same * np.abs(x[:, None] - to_x[None, :])).sum(axis=1)
            fan["ns"] += (reached * same * np.abs(y[:, None] - to_y[None, :])).sum(axis=1)
    if sender is not None:
        cores, hot = _one_hot(sender)
        if line_neurons is None:
            columns.add("spikes_generated", cores, hot)
        columns.add("messages_sent", cores, hot * fan["sent"][:, None])
        columns.add("inter_chip_messages_sent", cores, hot * fan["chips"][:, None])
        if mapping.mesh is not None:
            columns.add("mesh_hops_east_west", cores, hot * fan["ew"][:, None])
            columns.add("mesh_hops_north_south", cores, hot * fan["ns"][:, None])
    return columns


def _routed_events(graph: Graph, router: str, source_spikes: np.ndarray) -> Events:
    """The events on a router's lines (an ISI binner's, a payload router's), by its kind's
    semantics, from its source's spikes."""
    node = graph.nodes[router]
    steps = source_spikes.shape[-1]
    shape = graph.shapes()[graph.predecessor(router)]
    return events_of_lines(SEMANTICS[type(node)](node, source_spikes.reshape(-1, *shape, steps)))


def _events(graph, binners, spikes) -> dict[str, Events]:
    """The spike lists of the input, every neuron layer and every router's lines."""
    events = {name: events_of(Trains.from_ir(train)) for name, train in spikes.items()}
    for router, s in binners.items():
        events[router] = _routed_events(graph, router, spikes[s.source])
    return events


def _feed(synapses: LayerSynapses) -> str:
    """Whose spike lists a synapse set reads: its binner's, else its source's."""
    return synapses.binner or synapses.source


def _reaches(layers, events: dict[str, Events]) -> list[Reach]:
    """Every synapse set's :class:`Reach`, its inputs ordered by their spikes in the run."""
    return [
        Reach.of(s.pre, s.post, s.n_post, line_activity(events[_feed(s)], s.n_pre)) for s in layers
    ]


def _check_trains(graph: Graph, mapping: Mapping, spikes: dict[str, np.ndarray]) -> None:
    if set(mapping.shapes) != {name for name, _ in graph.neurons()}:
        raise PumiceError("the mapping was made for another graph: map this graph first")
    shapes = graph.shapes()
    for name in (graph.input, *mapping.shapes):
        if name not in spikes:
            raise PumiceError(f"no spike trains for '{name}': record every neuron layer's spikes")
        first = spikes[graph.input]
        expected = (first.shape[0], *shapes[name], first.shape[-1])
        if spikes[name].shape != expected:
            raise PumiceError(
                f"spike trains of '{name}' have shape {spikes[name].shape}; expected {expected}"
            )


def _raster(graph: Graph, spikes: dict[str, np.ndarray]) -> dict:
    layers = {}
    for name in (graph.input, *(n for n, _ in graph.neurons())):
        neuron, step = np.nonzero(spikes[name][0].reshape(-1, spikes[name].shape[-1]))
        layers[name] = {"neurons": int(spikes[name][0].size // spikes[name].shape[-1])}
        layers[name] |= {"neuron": neuron.tolist(), "step": step.tolist()}
    return {"sample": 0, "layers": layers}


def traffic_report(
    graph: Graph,
    mapping: Mapping,
    spikes: dict[str, np.ndarray],
    profile: HardwareProfile,
    batch_size: int = 256,
) -> dict:
    """Per-core traffic of spike trains on ``mapping`` (see the module docstring), as JSON.

    ``spikes`` holds (samples, *shape, steps) trains of the input node and of every
    neuron layer, from one run: 0/1, or graded payloads (any nonzero value is a spike).
    """
    _check_trains(graph, mapping, spikes)
    samples, steps = spikes[graph.input].shape[0], spikes[graph.input].shape[-1]
    n_cores = len(mapping.cores)
    place = np.array([[c.chip, c.x or 0, c.y or 0] for c in mapping.cores], dtype=np.int64)
    layers = layer_synapses(graph)
    # a feed is a source's own spikes or an ISI binner's lines: (source, consumers, lines)
    feeds = {
        source: (source, [s for s in layers if s.source == source and s.binner is None], None)
        for source in (graph.input, *mapping.shapes)
    }
    binners = {s.binner: s for s in layers if s.binner is not None}
    for binner, first in binners.items():
        consumers = [s for s in layers if s.binner == binner]
        feeds[binner] = (first.source, consumers, first.source_neurons(np.arange(first.n_pre)))
    plans = {}
    for feed, (source, consumers, line_neurons) in feeds.items():
        n = int(np.prod(spikes[source].shape[1:-1])) if line_neurons is None else line_neurons.size
        plan = _source_columns(source, consumers, mapping, place, n, line_neurons)
        if plan.matrix:
            plans[feed] = plan
    matrices = {feed: np.concatenate(plan.matrix, axis=1) for feed, plan in plans.items()}
    run_events = _events(graph, binners, spikes)
    router_bits = {b: s.payload_bits for b, s in binners.items()}
    reaches = _reaches(layers, run_events)
    owners = {
        s.layer: np.unique(mapping.neuron_cores(s.layer), return_inverse=True) for s in layers
    }
    per_step = {q: np.zeros((steps, n_cores), dtype=np.int64) for q in QUANTITIES}
    core_peak = np.zeros(n_cores, dtype=np.int64)
    network_peak = input_messages = payload_bits = 0
    graded = {name: graph.nodes[name].message_bits for name in (graph.input, *mapping.shapes)}
    for start in range(0, samples, batch_size):
        batch = {name: train[start : start + batch_size] for name, train in spikes.items()}
        counts = {
            q: np.zeros((len(batch[graph.input]), steps, n_cores), np.int64) for q in QUANTITIES
        }
        events = {name: e.samples(start, start + batch_size) for name, e in run_events.items()}
        for feed, plan in plans.items():
            source = feeds[feed][0]
            result = incidence_counts(events[feed], matrices[feed])
            column = 0
            for (quantity, cores), block in zip(plan.targets, plan.matrix, strict=True):
                part = result[..., column : column + block.shape[1]]
                counts[quantity][..., cores] += part
                if source == graph.input and quantity == "messages_received":
                    input_messages += int(part.sum())
                if quantity == "messages_received":
                    bits = graded[source] + router_bits.get(feed, 0)
                    payload_bits += int(part.sum()) * bits
                column += block.shape[1]
        arrived_by_layer: dict[str, np.ndarray] = {}  # a recurrent layer's two sets add up
        for synapses, reach in zip(layers, reaches, strict=True):
            arrived = arrivals(events[_feed(synapses)], reach)
            if synapses.layer in arrived_by_layer:
                arrived |= arrived_by_layer[synapses.layer]
            arrived_by_layer[synapses.layer] = arrived
        for layer, arrived in arrived_by_layer.items():
            cores, local = owners[layer]
            counts["neuron_updates_active"][..., cores] += updates_per_core(
                arrived, events[layer], local, cores.size
            )
        for quantity, count in counts.items():
            per_step[quantity] += count.sum(axis=0)
        received = counts["messages_received"]
        core_peak = np.maximum(core_peak, received.max(axis=(0, 1)))
        network_peak = max(network_peak, int(received.sum(axis=2).max(initial=0)))
    return _assemble(
        graph,
        mapping,
        profile,
        spikes,
        per_step,
        core_peak,
        network_peak,
        input_messages,
        payload_bits,
    )


def _assemble(
    graph: Graph,
    mapping: Mapping,
    profile: HardwareProfile,
    spikes: dict[str, np.ndarray],
    per_step: dict[str, np.ndarray],
    core_peak: np.ndarray,
    network_peak: int,
    input_messages: int,
    payload_bits: int,
) -> dict:
    """The report's JSON from the per-step, per-core sums."""
    samples, steps = spikes[graph.input].shape[0], spikes[graph.input].shape[-1]
    has_mesh = mapping.mesh is not None
    total = {q: int(counts.sum()) for q, counts in per_step.items()}
    neurons = np.array([core.neurons for core in mapping.cores], dtype=np.int64)
    totals = {
        "spikes_total": total["spikes_generated"],
        "input_spikes_total": int(np.count_nonzero(spikes[graph.input])),
        "messages_total": total["messages_received"],
        "input_messages_total": input_messages,
        "payload_bits_total": payload_bits,
        "synaptic_ops_total": total["synaptic_ops"],
        "neuron_updates_total": int(neurons.sum()) * steps * samples,
        "neuron_updates_active_total": total["neuron_updates_active"],
        "mesh_hops_total": total["mesh_hops_east_west"] + total["mesh_hops_north_south"],
        "mesh_hops_east_west_total": total["mesh_hops_east_west"],
        "mesh_hops_north_south_total": total["mesh_hops_north_south"],
        "inter_chip_messages_total": total["inter_chip_messages_sent"],
    }
    if not has_mesh:
        for key in ("mesh_hops_total", "mesh_hops_east_west_total", "mesh_hops_north_south_total"):
            totals[key] = None
    per_inference = {k: None if v is None else v / samples for k, v in totals.items()}
    breakdown, notes = energy_breakdown(per_inference, profile)
    if not has_mesh:
        notes.append(f"profile {profile.name} gives no mesh size: hops not counted")
    notes.append(f"profile {profile.name} gives no per-operation timings: no latency estimate")
    per_core = []
    for core in mapping.cores:
        i = core.core
        record = {
            "core": i,
            "chip": core.chip,
            "x": core.x,
            "y": core.y,
            "segments": [str(s) for s in core.segments],
            "neurons": core.neurons,
            "spikes_generated_total": int(per_step["spikes_generated"][:, i].sum()),
            "messages_sent_total": int(per_step["messages_sent"][:, i].sum()),
            "messages_received_total": int(per_step["messages_received"][:, i].sum()),
            "synaptic_ops_total": int(per_step["synaptic_ops"][:, i].sum()),
            "neuron_updates_total": core.neurons * steps * samples,
            "neuron_updates_active_total": int(per_step["neuron_updates_active"][:, i].sum()),
            "mesh_hops_sent_total": int(
                per_step["mesh_hops_east_west"][:, i].sum()
                + per_step["mesh_hops_north_south"][:, i].sum()
            )
            if has_mesh
            else None,
            "inter_chip_messages_sent_total": int(per_step["inter_chip_messages_sent"][:, i].sum()),
            "peak_messages_received_per_step": int(core_peak[i]),
            "per_step_mean": {
                q: (per_step[q][:, i] / samples).tolist()
                for q in (
                    "spikes_generated",
                    "messages_sent",
                    "messages_received",
                    "synaptic_ops",
                    "neuron_updates_active",
                )
            },
        }
        per_core.append(record)
    return {
        "profile": profile.name,
        "samples": samples,
        "steps": steps,
        "cores_used": len(mapping.cores),
        "chips_used": mapping.chips,
        **totals,
        "per_inference": per_inference,
        "peak_messages_per_step": network_peak,
        "peak_core_messages_per_step": int(core_peak.max(initial=0)),
        "peak_core": int(core_peak.argmax()),
        "energy_per_inference_j": None if breakdown is None else sum(breakdown.values()),
        "energy_breakdown_per_inference_j": breakdown,
        "latency_per_step_s": None,
        "neurobench": neurobench_metrics(graph, spikes),
        "conventions": CONVENTIONS + NEUROBENCH_CONVENTIONS,
        "notes": notes,
        "per_core": per_core,
        "spike_raster": _raster(graph, spikes),
    }
