"""NeuroBench's metrics of a run, by NeuroBench 2.3's own definitions.

Checked against counts by hand, against NeuroBench's own per-layer counting function on
the same weights and inputs, and against the traffic report's synaptic operations (the
same pairs on hardware). tests/test_neurobench_snntorch.py runs NeuroBench's benchmark.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from graph_factory import random_graph, random_isi_graph, random_recurrent_graph

from pumice.convert.emulator import emulate
from pumice.convert.hardware import load_profile
from pumice.convert.ir import Conv2d, CubaLI, CubaLIF, Dense, Flatten, Graph, Input, SumPool2d
from pumice.convert.mapping import map_graph
from pumice.convert.traffic import format_report, traffic_report
from pumice.convert.traffic.neurobench import neurobench_metrics


def _dense_graph() -> Graph:
    weight = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0]])
    return Graph.chain(
        [
            ("input", Input((3,))),
            ("fc", Dense(weight)),
            ("lif", CubaLIF((2,), 1.0, 1.0, 0.5, np.array([0.0, 0.1]))),
        ]
    )


def test_dense_layer_counts_by_hand():
    graph = _dense_graph()
    x = np.zeros((2, 3, 4), dtype=np.uint8)
    x[0, 0, :] = 1  # input 0 feeds 2 nonzero weights, 4 times
    x[1, 1, 1] = 1  # input 1 feeds 1 nonzero weight, once
    x[1, 2, [0, 3]] = 1  # input 2 feeds 1 nonzero weight, twice
    lif = np.zeros((2, 2, 4), dtype=np.uint8)
    lif[0, 0, [1, 2, 3]] = 1

    metrics = neurobench_metrics(graph, {"input": x, "lif": lif})

    assert metrics["synaptic_operations"] == {
        "effective_acs": (4 * 2 + 1 * 1 + 2 * 1) / 2,
        "effective_macs": 0.0,
        "dense": 6 * 4,
    }
    assert metrics["activation_sparsity"] == 1 - 3 / 16
    assert metrics["connection_sparsity"] == 2 / 6
    assert metrics["parameter_count"] == 6 + 2  # the layer has a bias
    assert metrics["footprint_bytes"] == (6 + 2 + 3) * 4  # weights, biases, decays+threshold


def test_windows_limit_each_layer_to_its_steps():
    graph = _dense_graph()
    x = np.ones((1, 3, 6), dtype=np.uint8)
    lif = np.ones((1, 2, 6), dtype=np.uint8)
    whole = neurobench_metrics(graph, {"input": x, "lif": lif})
    window = neurobench_metrics(graph, {"input": x, "lif": lif}, {"input": (0, 4), "lif": (1, 5)})

    assert whole["synaptic_operations"]["effective_acs"] == 4 * 6
    assert window["synaptic_operations"]["effective_acs"] == 4 * 4
    assert window["synaptic_operations"]["dense"] == 6 * 4
    assert window["activation_sparsity"] == 0.0


def _neurobench_layer_ops(layer: torch.nn.Module, spikes: np.ndarray) -> tuple[int, int]:
    """NeuroBench 2.3's own count for one layer, summed over steps (time last)."""
    from neurobench.metrics.utils.layers import single_layer_MACs

    effective = dense = 0
    for t in range(spikes.shape[-1]):
        step = torch.from_numpy(spikes[..., t].astype(np.float32))
        ops, spiking = single_layer_MACs(step, layer)
        total, _ = single_layer_MACs(step, layer, total=True)
        assert spiking
        effective, dense = effective + ops, dense + total
    return effective, dense


@pytest.mark.parametrize(("stride", "padding", "groups"), [(1, 1, 1), (2, 0, 1), (1, 2, 2)])
def test_conv_layer_counts_what_neurobench_counts(stride, padding, groups):
    rng = np.random.default_rng(stride + padding + groups)
    weight = rng.normal(size=(4, 4 // groups, 3, 3)) * (rng.random((4, 4 // groups, 3, 3)) < 0.6)
    conv = Conv2d(weight, (stride, stride), (padding, padding), groups=groups)
    lif = CubaLIF(conv.output_shape((4, 7, 7)), 1.0, 1.0, 0.1, np.zeros(1))
    graph = Graph.chain([("input", Input((4, 7, 7))), ("conv", conv), ("lif", lif)])
    x = (rng.random((3, 4, 7, 7, 5)) < 0.3).astype(np.uint8)
    run = emulate(graph, x, record_spikes=True)
    layer = torch.nn.Conv2d(4, 4, 3, stride, padding, groups=groups, bias=True)
    layer.weight.data = torch.from_numpy(weight.astype(np.float32))

    metrics = neurobench_metrics(graph, {"input": x, **run.spikes})

    effective, dense = _neurobench_layer_ops(layer, x)
    assert metrics["synaptic_operations"]["effective_acs"] == effective / 3
    assert metrics["synaptic_operations"]["dense"] == dense / 3


@pytest.mark.parametrize("seed", [3, 7, 24, 29])
def test_effective_acs_are_the_traffic_reports_synaptic_operations(seed):
    """Both count one operation per spike per present synapse (pools and recurrent sets
    included), over the same run."""
    rng = np.random.default_rng(seed)
    make = random_recurrent_graph if seed % 3 == 0 else random_graph
    graph = make(rng, conv=seed % 2 == 1)
    x = (rng.random((3, *graph.nodes[graph.input].shape, 12)) < 0.3).astype(np.uint8)
    trains = {graph.input: x, **emulate(graph, x, record_spikes=True).spikes}
    profile = load_profile("loihi2")

    report = traffic_report(graph, map_graph(graph, profile), trains, profile)

    metrics = report["neurobench"]
    assert metrics == neurobench_metrics(graph, trains)
    per_sample = report["synaptic_ops_total"] / 3
    assert metrics["synaptic_operations"]["effective_acs"] == per_sample
    assert "NeuroBench synaptic ops / sample" in format_report(report)


def test_isi_binner_lines_count_the_weights_each_spike_takes():
    rng = np.random.default_rng(5)
    graph = random_isi_graph(rng, conv=True, potential_output=False, max_isi=6)
    x = (rng.random((2, *graph.nodes[graph.input].shape, 10)) < 0.4).astype(np.uint8)
    trains = {graph.input: x, **emulate(graph, x, record_spikes=True).spikes}
    profile = load_profile("loihi2")

    report = traffic_report(graph, map_graph(graph, profile), trains, profile)

    assert report["neurobench"]["synaptic_operations"]["effective_acs"] == (
        report["synaptic_ops_total"] / 2
    )


def test_readout_and_pool_enter_only_where_neurobench_counts_them():
    graph = Graph.chain(
        [
            ("input", Input((1, 4, 4))),
            ("pool", SumPool2d((2, 2), (2, 2), weight=0.5)),
            ("pooled", CubaLIF((1, 2, 2), 1.0, 1.0, 0.1, np.zeros(1))),
            ("flatten", Flatten()),
            ("fc", Dense(np.ones((2, 4)))),
            ("readout", CubaLI((2,), 1.0, 0.1, np.zeros(2))),
        ]
    )
    x = np.ones((1, 1, 4, 4, 3), dtype=np.uint8)
    run = emulate(graph, x, record_spikes=True)

    metrics = neurobench_metrics(graph, {"input": x, **run.spikes})

    pooled = run.spikes["pooled"]
    assert metrics["activation_sparsity"] == 1 - pooled.sum() / pooled.size  # readout left out
    expected = 16 * 3 + int(pooled.sum()) * 2  # every input pixel in one window; 2 fan-out
    assert metrics["synaptic_operations"]["effective_acs"] == expected
    assert metrics["parameter_count"] == 1 + 8  # the pool's shared weight, the dense weights
