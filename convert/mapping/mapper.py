"""Assign every neuron to a core: greedy, deterministic, each layer in contiguous ranges.

Layers are placed in reverse graph order (output layer first): when a layer is placed its
consumers already are, so its output axons, one per (neuron, destination range) pair, are
known exactly. A layer's neurons, in :func:`neuron_order` (a (C, H, W) layer by bands of
rows across all channels, so an input pixel reaches few cores), are cut into contiguous
ranges, each as long as still fits a fresh core (galloping, then bisection: every resource
grows with the range). When starting in the free room of the core opened last (holding the
next layer's last range) saves the layer a fresh core, it starts there: so a small layer
shares its consumer's core. Cores are then numbered in graph order of their first range and
placed chip after chip, row-major on each chip's mesh.

Counting, per core (nengo-loihi's ``LoihiBlock.utilization`` in nengo_loihi/block.py):

- input axons: per range held, the distinct presynaptic neurons with at least one present
  synapse onto it (nengo-loihi sums ``n_axons`` over the Synapse objects of a block; a
  recurrent layer's own synapses are a second such object);
- output axons: per held neuron, the destination ranges it has a synapse onto (one Axon
  per target Synapse there; a neuron of the output layer has none); a recurrent layer's
  neurons also reach its own ranges, found by placing it again until a placement needs
  no more of them than it was charged;
- synaptic memory: per input axon, :func:`synapse_list_bits` of its synapses; a dense
  (unpruned) FixedDense stores a weight for every neuron of the range (zeros included, no
  index), a pruned FixedDense or a conv stores its present synapses, each with an index.
  Weight bits: FixedDense's ``num_weight_bits`` (at most the profile's), a conv the
  profile's ``weight_bits``. Conv weights are counted unrolled: no weight sharing.

An ISI binner or payload router has no neurons and no core: each of its lines is a
presynaptic neuron of its own for the input axons and synaptic memory above, and a source
neuron's output axons are its lines' (line, destination range) pairs. A payload router's
table (lines x largest ISI x payload bits per source neuron: what the sending neuron looks
its payload up in) is charged to the memory of the source neuron's core, and reported per
core as ``payload_table_bits`` (the graph input's tables stay off-chip, with its encoder).
Graded spikes map only onto a profile whose spikes carry that many payload bits.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.hardware import HardwareProfile
from pumice.convert.hardware.graded_spike_rules import graded_spikes_remedy
from pumice.convert.ir import Graph
from pumice.convert.mapping.core_map import RESOURCES, Core, Mapping, Segment, neuron_order
from pumice.convert.mapping.errors import MappingError, NeuronTooLargeError
from pumice.convert.mapping.placement import chip_mesh, place
from pumice.convert.mapping.synapse_memory import index_bits, synapse_list_bits
from pumice.convert.mapping.synapses import LayerSynapses, layer_synapses

#: How a single neuron's need for each resource is named in an error.
_NEEDS = {
    "input_axons": "input axons (its fan-in)",
    "output_axons": "output axons",
    "synaptic_memory_bits": "bits of synaptic memory",
}


#: Index of the output axons in :data:`RESOURCES` order.
_OUTPUT_AXONS = list(RESOURCES).index("output_axons")


@dataclasses.dataclass
class _SynapseSet:
    """One synapse set onto a layer, sorted by target position."""

    synapses: LayerSynapses
    #: Presynaptic index of every synapse, sorted by the position of its target.
    pre: np.ndarray
    #: The synapses onto position ``p`` are ``pre[ptr[p]:ptr[p + 1]]``.
    ptr: np.ndarray
    weight_bits: int

    def usage(self, start: int, stop: int) -> tuple[int, int]:
        """Input axons and synaptic memory bits of positions ``[start, stop)`` on one core."""
        pre = self.pre[self.ptr[start] : self.ptr[stop]]
        _, per_axon = np.unique(pre, return_counts=True)
        if self.synapses.dense_storage:
            memory = per_axon.size * int(synapse_list_bits(stop - start, self.weight_bits))
        else:
            bits = self.weight_bits + index_bits(stop - start)
            memory = int(synapse_list_bits(per_axon, bits).sum())
        return per_axon.size, memory


@dataclasses.dataclass
class _Layer:
    """One layer's synapse sets (a recurrent layer has two) and what its neuron ranges cost."""

    name: str
    #: Neurons of the layer.
    n: int
    sets: list[_SynapseSet]
    #: Cumulative output axons over the layer's positions (length n + 1).
    out_cum: np.ndarray | None = None
    #: Payload table bits each neuron holds for the payload routers it feeds.
    table_bits: int = 0

    def usage(self, start: int, stop: int) -> np.ndarray:
        """Resources (in :data:`RESOURCES` order) of positions ``[start, stop)`` on one core."""
        axons, memory = 0, self.table_bits * (stop - start)
        for synapse_set in self.sets:
            set_axons, set_memory = synapse_set.usage(start, stop)
            axons, memory = axons + set_axons, memory + set_memory
        outputs = int(self.out_cum[stop] - self.out_cum[start])
        return np.array([stop - start, axons, outputs, memory], dtype=np.int64)


@dataclasses.dataclass
class _OpenCore:
    segments: list[Segment]
    used: np.ndarray


def _weight_bits(synapses: LayerSynapses, profile: HardwareProfile) -> int:
    if synapses.node.traits.connectivity == "dense":
        return min(int(synapses.node.num_weight_bits), profile.weight_bits)
    return profile.weight_bits


def _never_fits(layer: _Layer, neuron: int, limits: dict[str, int | None]) -> NeuronTooLargeError:
    need = dict(zip(RESOURCES, layer.usage(neuron, neuron + 1).tolist(), strict=True))
    resource = next(r for r in _NEEDS if limits[r] is not None and need[r] > limits[r])
    name, limit, value = layer.name, limits[resource], need[resource]
    return NeuronTooLargeError(
        name,
        neuron,
        resource,
        limit,
        value,
        f"layer '{name}': neuron {neuron} needs {value} {_NEEDS[resource]}, more than one "
        f"core's {limit} ({RESOURCES[resource]}), so it can never be mapped: narrow its "
        f"input or add a layer in between",
    )


def _longest_fit(layer: _Layer, start: int, room: np.ndarray) -> int:
    """The largest ``stop`` with neurons ``[start, stop)`` within ``room``; ``start`` if none."""
    n = layer.n

    def fits(stop: int) -> bool:
        return bool((layer.usage(start, stop) <= room).all())

    if not fits(start + 1):
        return start
    good, bad, step = start + 1, None, 1
    while good < n:
        probe = min(good + step, n)
        if not fits(probe):
            bad = probe
            break
        good, step = probe, 2 * step
    if bad is None:
        return good
    while bad - good > 1:
        middle = (good + bad) // 2
        good, bad = (middle, bad) if fits(middle) else (good, middle)
    return good


def _ranges(
    layer: _Layer, room: np.ndarray, limits: dict[str, int | None], shared: np.ndarray | None
) -> list[tuple[int, int]]:
    """Greedy contiguous ranges over fresh cores; the first in ``shared`` room when given."""
    ranges, start = [], 0
    if shared is not None:
        start = _longest_fit(layer, 0, shared)
        ranges.append((0, start))
    while start < layer.n:
        stop = _longest_fit(layer, start, room)
        if stop == start:
            raise _never_fits(layer, start, limits)
        ranges.append((start, stop))
        start = stop
    return ranges


def _place_layer(
    layer: _Layer, cores: list[_OpenCore], room: np.ndarray, limits: dict[str, int | None]
) -> np.ndarray:
    """Put the layer on ``cores`` (appending new ones); the open-core index of each position.

    The layer starts in the free room of the core opened last only when that saves a core.
    """
    ranges = _ranges(layer, room, limits, None)
    first = len(cores)
    if cores:
        shared = _ranges(layer, room, limits, room - cores[-1].used)
        if shared[0][1] > 0 and len(shared) - 1 < len(ranges):
            ranges, first = shared, len(cores) - 1
    owner = np.empty(layer.n, dtype=np.int64)
    for index, (start, stop) in enumerate(ranges, start=first):
        if index == len(cores):
            cores.append(_OpenCore([], np.zeros(len(RESOURCES), dtype=np.int64)))
        cores[index].segments.append(Segment(layer.name, start, stop))
        cores[index].used += layer.usage(start, stop)
        owner[start:stop] = index
    return owner


def _ranges_reached(pre: np.ndarray, destination: np.ndarray, n: int) -> np.ndarray:
    """For each of ``n`` neurons, the distinct destinations its synapses reach."""
    width = int(destination.max(initial=0)) + 1
    pairs = np.unique(pre * width + destination)
    return np.bincount(pairs // width, minlength=n)


def _place_recurrent(
    layer: _Layer,
    outputs: np.ndarray,
    own: tuple[np.ndarray, np.ndarray] | None,
    cores: list[_OpenCore],
    room: np.ndarray,
    limits: dict[str, int | None],
) -> np.ndarray:
    """:func:`_place_layer` with ``outputs`` axons per position, and a recurrent layer's own.

    ``own`` holds the (pre, post) positions of the layer's synapses onto itself; the output
    axons they need depend on where the layer's own ranges fall. Each round charges every
    neuron the ranges it reached in the last round's placement (never less than before),
    until a placement needs no more than it was charged; its cores then get exact counts.
    """
    if own is None:
        layer.out_cum = np.concatenate([[0], np.cumsum(outputs)])
        return _place_layer(layer, cores, room, limits)
    pre, post = own
    charged = _ranges_reached(pre, np.zeros_like(post), layer.n)  # first guess: one range
    while True:
        layer.out_cum = np.concatenate([[0], np.cumsum(outputs + charged)])
        trial = [_OpenCore(list(c.segments), c.used.copy()) for c in cores]
        owner = _place_layer(layer, trial, room, limits)
        needed = _ranges_reached(pre, owner[post], layer.n)
        if np.all(needed <= charged):
            break
        charged = np.maximum(charged, needed)
    excess = np.bincount(owner, weights=charged - needed, minlength=len(trial))
    for core, extra in zip(trial, excess.astype(np.int64), strict=True):
        core.used[_OUTPUT_AXONS] -= extra
    cores[:] = trial
    return owner


def _check_payloads(synapses: list[LayerSynapses], profile: HardwareProfile) -> list[str]:
    """Refuse graded spikes wider than the profile's spikes; notes on what is not checked."""
    graded = [s for s in synapses if s.payload_bits]
    if not graded:
        return []
    notes = []
    limit = profile.spike_payload_bits
    for s in graded:
        if limit is None:
            notes.append(
                f"profile {profile.name} gives no spike payload width: the {s.payload_bits}-bit "
                f"graded spikes into '{s.layer}' are not checked"
            )
        elif s.payload_bits > limit:
            what = "binary spikes only" if limit == 0 else f"payloads of at most {limit} bits"
            raise MappingError(
                f"layer '{s.layer}' receives {s.payload_bits}-bit graded spikes from "
                f"'{s.binner or s.source}', but {profile.name} sends {what}: "
                f"{graded_spikes_remedy(s.binner is not None)}"
            )
    if any(s.table_bits and s.source not in {t.layer for t in synapses} for s in graded):
        notes.append("payload tables of the graph input are not mapped: they stay with its encoder")
    return notes


def _table_bits(synapses: list[LayerSynapses]) -> dict[str, int]:
    """Payload table bits per neuron of each source layer (routers' tables, summed)."""
    bits: dict[str, int] = {}
    seen = set()
    for s in synapses:
        if s.table_bits and s.binner not in seen:
            seen.add(s.binner)
            bits[s.source] = bits.get(s.source, 0) + s.table_bits
    return bits


def map_graph(graph: Graph, profile: HardwareProfile) -> Mapping:
    """Assign every neuron of ``graph`` to a core of ``profile`` (see the module docstring).

    Raises :class:`NeuronTooLargeError` naming the layer, the limit and the value when a single
    neuron needs more than one core holds.
    """
    limits = {resource: getattr(profile, field) for resource, field in RESOURCES.items()}
    room = np.array([np.iinfo(np.int64).max if v is None else v for v in limits.values()])
    layers: dict[str, list[LayerSynapses]] = {}
    all_synapses = layer_synapses(graph)
    payload_notes = _check_payloads(all_synapses, profile)
    for synapses in all_synapses:
        layers.setdefault(synapses.layer, []).append(synapses)
    out_axons = {name: np.zeros(sets[0].n_post, dtype=np.int64) for name, sets in layers.items()}
    table_bits = _table_bits(all_synapses)
    cores: list[_OpenCore] = []
    for name, sets in reversed(layers.items()):
        order = neuron_order(graph.nodes[name].shape)
        position = np.empty_like(order)
        position[order] = np.arange(order.size)
        synapse_sets = []
        for synapses in sets:
            targets = position[synapses.post]
            synapse_sets.append(
                _SynapseSet(
                    synapses,
                    synapses.pre[np.argsort(targets, kind="stable")],
                    np.concatenate([[0], np.cumsum(np.bincount(targets, minlength=order.size))]),
                    _weight_bits(synapses, profile),
                )
            )
        own = next(((position[s.pre], position[s.post]) for s in sets if s.recurrent), None)
        layer = _Layer(name, order.size, synapse_sets, table_bits=table_bits.get(name, 0))
        owner = _place_recurrent(layer, out_axons[name][order], own, cores, room, limits)
        owner = owner[position]
        for synapses in sets:
            if synapses.source in out_axons and not synapses.recurrent:
                pairs = np.unique(synapses.pre * len(cores) + owner[synapses.post])
                out_axons[synapses.source] += np.bincount(
                    synapses.source_neurons(pairs // len(cores)), minlength=synapses.n_source
                )
    rank = {name: i for i, name in enumerate(layers)}
    for core in cores:
        core.segments.sort(key=lambda s: rank[s.layer])
    cores.sort(key=lambda c: (rank[c.segments[0].layer], c.segments[0].start))
    placed = []
    for core_id, core in enumerate(cores):
        chip, x, y = place(core_id, profile)
        usage = dict(zip(RESOURCES, core.used.tolist(), strict=True))
        tables = sum(table_bits.get(s.layer, 0) * (s.stop - s.start) for s in core.segments)
        placed.append(
            Core(core_id, chip, x, y, tuple(core.segments), **usage, payload_table_bits=tables)
        )
    notes = tuple(
        f"{RESOURCES[r]} not given by profile {profile.name}: {r.replace('_', ' ')} not checked"
        for r, limit in limits.items()
        if limit is None
    ) + tuple(payload_notes)
    return Mapping(
        profile=profile.name,
        cores=tuple(placed),
        limits=limits,
        cores_per_chip=profile.cores_per_chip,
        mesh=chip_mesh(profile),
        shapes={name: tuple(graph.nodes[name].shape) for name in layers},
        notes=notes,
    )
