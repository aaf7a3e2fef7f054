"""ISI binners and non-spiking outputs in core mapping, traffic reports and exporters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from graph_factory import float_isi_graph, random_isi_graph
from mapping_reference import owners, profile, source_of, synapse_pairs

from pumice.convert.emulator import emulate
from pumice.convert.interchange import export_netx, export_nir, export_onnx
from pumice.convert.intervals import bin_spikes
from pumice.convert.ir import FixedCubaLI, FixedDense, Graph, Input, ISIBinner
from pumice.convert.mapping import map_graph
from pumice.convert.passes import PASSES
from pumice.convert.traffic import traffic_report
from pumice.errors import ModelError

#: 4 neurons per core, 3 cores per chip on a 2x2 mesh: many cores, hops and chip crossings.
SMALL = profile(neurons_per_core=4, cores_per_chip=3, mesh_rows=2, mesh_cols=2)
#: Even seeds start with a Conv, seeds 0 and 1 mod 4 end in a FixedCubaLI; in these every
#: hidden layer spikes and the output receives input.
SEEDS = [0, 8, 14, 25, 26, 29, 31, 39]


def _run(seed: int):
    rng = np.random.default_rng(1000 + seed)
    graph = random_isi_graph(rng, conv=seed % 2 == 0, potential_output=seed % 4 < 2, max_isi=5)
    spikes = (rng.random((2, *graph.nodes[graph.input].shape, 11)) < 0.5).astype(np.uint8)
    return graph, {graph.input: spikes, **emulate(graph, spikes, record_spikes=True).spikes}


def _feeds(graph: Graph, trains: dict[str, np.ndarray]):
    """Per layer: (layer, source, presynaptic trains (samples, pre, steps), the source
    neuron of each pre or None, synapse pairs); a binner's lines are binned here."""
    shapes = graph.shapes()
    for layer, (feed, pairs) in synapse_pairs(graph).items():
        if not isinstance(graph.nodes[feed], ISIBinner):
            train = trains[feed]
            yield layer, feed, train.reshape(len(train), -1, train.shape[-1]), None, pairs
            continue
        source, bins = source_of(graph, feed), graph.nodes[feed].num_bins
        channels, *plane = shapes[graph.predecessor(feed)]
        train = trains[source].reshape(-1, channels, *plane, trains[source].shape[-1])
        lines = bin_spikes(train, bins)
        c, _, *position = np.unravel_index(
            np.arange(channels * bins * math.prod(plane)), (channels, bins, *plane)
        )
        neuron = np.ravel_multi_index((c, *position), (channels, *plane))
        yield layer, source, lines.reshape(len(lines), -1, lines.shape[-1]), neuron, pairs


def _reference(graph: Graph, mapping, trains) -> tuple[dict, dict, dict]:
    """Report totals, and input and output axons per core, by loops over synapse pairs,
    binner lines and cores."""
    owner = owners(graph, mapping)
    place = {c.core: (c.chip, c.x, c.y) for c in mapping.cores}
    keys = ("synaptic_ops_total", "messages_total", "input_messages_total", "mesh_hops_total")
    out = dict.fromkeys((*keys, "inter_chip_messages_total", "neuron_updates_active_total"), 0)
    axons_in = dict.fromkeys(place, 0)
    axons_out = dict.fromkeys(place, 0)
    for layer, source, lines, neuron, pairs in _feeds(graph, trains):
        per_line = lines.sum(axis=(0, 2))
        targets: dict[int, set[int]] = {}
        inputs: dict[int, list[int]] = {}
        for pre, post in pairs:
            out["synaptic_ops_total"] += int(per_line[pre])
            targets.setdefault(pre, set()).add(owner[layer][post])
            inputs.setdefault(post, []).append(pre)
        for pre, cores in targets.items():
            for core in cores:
                axons_in[core] += 1
                out["messages_total"] += int(per_line[pre])
                if source == graph.input:
                    out["input_messages_total"] += int(per_line[pre])
                    continue
                sender = owner[source][pre if neuron is None else neuron[pre]]
                axons_out[sender] += 1
                chip, x, y = place[sender]
                to_chip, to_x, to_y = place[core]
                if chip != to_chip:
                    out["inter_chip_messages_total"] += int(per_line[pre])
                else:
                    out["mesh_hops_total"] += int(per_line[pre]) * (abs(x - to_x) + abs(y - to_y))
        fired = trains[layer].reshape(len(lines), -1, lines.shape[-1])
        for post in range(fired.shape[1]):
            event = np.zeros(fired[:, post].shape, bool)
            for pre in inputs.get(post, []):
                event[:, 1:] |= lines[:, pre, :-1] > 0
            out["neuron_updates_active_total"] += int((event | (fired[:, post] > 0)).sum())
    out["spikes_total"] = sum(int(trains[name].sum()) for name, _ in graph.neurons())
    return out, axons_in, axons_out


@pytest.mark.parametrize("seed", SEEDS)
def test_binner_lines_are_axons_and_their_traffic_follows_their_synapses(seed):
    graph, trains = _run(seed)
    mapping = map_graph(graph, SMALL)
    report = traffic_report(graph, mapping, trains, SMALL)
    expected, axons_in, axons_out = _reference(graph, mapping, trains)
    assert {key: report[key] for key in expected} == expected
    assert {c.core: c.input_axons for c in mapping.cores} == axons_in
    assert {c.core: c.output_axons for c in mapping.cores} == axons_out
    assert report["synaptic_ops_total"] > 0 and report["messages_total"] > 0


@pytest.mark.parametrize("export", [export_netx, export_onnx, export_nir])
def test_exporters_refuse_imsnn_kinds_in_one_line(export, tmp_path):
    float_graph = float_isi_graph(np.random.default_rng(1), conv=False, steps=4)
    lowered = PASSES["lower_isi"]().apply(float_graph).graph
    fixed = PASSES["quantize"]().apply(lowered).graph
    cases = [
        (float_graph, "'dense1_synapse' is of kind ISIDense"),
        (lowered, "'dense1_synapse_isi_bins' is of kind ISIBinner"),
        (fixed, "'dense1_synapse_isi_bins' is of kind ISIBinner"),
    ]
    li_only = Graph.chain(
        [
            ("input", Input((3,))),
            ("synapse", FixedDense(np.ones((2, 3), dtype=np.int64))),
            ("out", FixedCubaLI((2,), du=10, dv=10, bias_mant=np.zeros(2, np.int64))),
        ]
    )
    # NIR holds no fixed-point kind at all, so it refuses the first fixed node; ONNX holds
    # the fixed-point readout (tests/test_onnx_runtime.py runs it)
    if export is not export_onnx:
        li_message = "'synapse' is a fixed-point FixedDense" if export is export_nir else "'out' is"
        cases.append((li_only, li_message))
    for graph, message in cases:
        with pytest.raises(ModelError, match=message) as caught:
            export(graph, tmp_path / "model.out")
        assert "\n" not in str(caught.value)
