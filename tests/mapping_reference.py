"""Independent references for mapping and traffic tests: plain loops over weights and segments."""

from __future__ import annotations

import math

import numpy as np

from pumice.convert.hardware import HardwareProfile
from pumice.convert.ir import FixedConv2d, FixedDense, Flatten, Graph


def source_of(graph: Graph, synapse: str) -> str:
    name = graph.predecessor(synapse)
    while isinstance(graph.nodes[name], Flatten):
        name = graph.predecessor(name)
    return name


def synapse_pairs(graph: Graph) -> dict[str, tuple[str, set[tuple[int, int]]]]:
    """Layer -> (source, {(pre, post)}) of nonzero synapses, by looping over every weight."""
    shapes = graph.shapes()
    result = {}
    for layer, _ in graph.neurons():
        synapse = graph.predecessor(layer)
        node = graph.nodes[synapse]
        pairs = set()
        if isinstance(node, FixedConv2d):
            channels, height, width = shapes[graph.predecessor(synapse)]
            out_ch, out_h, out_w = shapes[synapse]
            per_group = node.weight.shape[1]
            for o, ci, ky, kx in zip(*np.nonzero(node.weight), strict=True):
                c = (o // (out_ch // node.groups)) * per_group + ci
                for oy in range(out_h):
                    for ox in range(out_w):
                        iy = oy * node.stride[0] - node.padding[0] + ky * node.dilation[0]
                        ix = ox * node.stride[1] - node.padding[1] + kx * node.dilation[1]
                        if 0 <= iy < height and 0 <= ix < width:
                            pre = (c * height + iy) * width + ix
                            pairs.add((int(pre), int((o * out_h + oy) * out_w + ox)))
        else:
            for post, pre in zip(*np.nonzero(node.weight), strict=True):
                pairs.add((int(pre), int(post)))
        result[layer] = (source_of(graph, synapse), pairs)
    return result


def flat_index(shape: tuple[int, ...], position: int) -> int:
    """Flat C-order index of the neuron at ``position`` of the mapping order."""
    if len(shape) != 3:
        return position
    channels, height, width = shape
    pixel, c = divmod(position, channels)
    y, x = divmod(pixel, width)
    return (c * height + y) * width + x


def owners(graph: Graph, mapping) -> dict[str, list[int]]:
    """Layer -> core of every neuron (flat index), from the mapping's segments alone."""
    result = {}
    for layer, node in graph.neurons():
        owner = [None] * math.prod(node.shape)
        for core in mapping.cores:
            for segment in core.segments:
                if segment.layer == layer:
                    for position in range(segment.start, segment.stop):
                        assert owner[flat_index(node.shape, position)] is None
                        owner[flat_index(node.shape, position)] = core.core
        assert None not in owner, f"a neuron of {layer} is on no core"
        result[layer] = owner
    return result


def list_bits(synapses: int, bits_per_weight: int) -> int:
    """nengo-loihi's bits_per_axon: blocks of 64 synapses, 10 header bits, 64-bit words."""
    bits = 0
    for first in range(0, synapses, 64):
        n = min(64, synapses - first)
        bits += 64 * math.ceil((n * bits_per_weight + 10) / 64)
    return bits


def profile(**fields) -> HardwareProfile:
    """A made-up profile: Loihi's neuron arithmetic, the given limits."""
    base = {
        "name": "random",
        "weight_bits": 8,
        "u_bits": 24,
        "v_bits": 24,
        "decay_bits": 12,
        "threshold_bits": 17,
        "bias_mant_bits": 13,
        "bias_exp_min": 0,
        "bias_exp_max": 7,
    }
    return HardwareProfile(**base, **fields)


def synapse_sets(graph: Graph) -> list[tuple[str, str, FixedDense, set[tuple[int, int]]]]:
    """(layer, source, node, {(pre, post)}) of every set, recurrent ones by looping over weights."""
    sets = []
    for layer, (source, pairs) in synapse_pairs(graph).items():
        sets.append((layer, source, graph.nodes[graph.predecessor(layer)], pairs))
        node = graph.nodes[layer]
        weight = getattr(node, "recurrent_weight", None)
        if weight is not None:
            own = {(pre, post) for post in range(len(weight)) for pre in range(len(weight))}
            own = {(pre, post) for pre, post in own if weight[post, pre] != 0}
            synapse = FixedDense(
                weight, sparse=node.sparse, num_weight_bits=node.recurrent_num_weight_bits
            )
            sets.append((layer, layer, synapse, own))
    return sets


def expected_usage(graph, mapping, hw) -> dict[int, dict[str, int]]:
    """Every core's resources, recounted from the weights and the segments with loops."""
    owner = owners(graph, mapping)
    usage = {
        c.core: dict.fromkeys(("neurons", "input_axons", "output_axons", "memory"), 0)
        for c in mapping.cores
    }
    for core in mapping.cores:
        for segment in core.segments:
            usage[core.core]["neurons"] += segment.stop - segment.start
    for layer, source, node, pairs in synapse_sets(graph):
        dense = isinstance(node, FixedDense) and not node.sparse
        bits = min(node.num_weight_bits, hw.weight_bits) if isinstance(node, FixedDense) else 8
        for core in mapping.cores:
            for segment in core.segments:
                if segment.layer != layer:
                    continue
                size = segment.stop - segment.start
                per_axon: dict[int, int] = {}
                for pre, post in pairs:
                    if owner[layer][post] == core.core:
                        per_axon[pre] = per_axon.get(pre, 0) + 1
                usage[core.core]["input_axons"] += len(per_axon)
                index = max(6, (size - 1).bit_length())
                usage[core.core]["memory"] += sum(
                    list_bits(size, bits) if dense else list_bits(n, bits + index)
                    for n in per_axon.values()
                )
        if source in owner:
            for pre, _ in {(pre, owner[layer][post]) for pre, post in pairs}:
                usage[owner[source][pre]]["output_axons"] += 1
    return usage
