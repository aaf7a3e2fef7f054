"""Lowering ISI synapses to binner + standard synapse, quantising, converting, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from graph_factory import float_isi_graph

from pumice.conversion import ConversionConfig, convert
from pumice.convert.emulator import emulate
from pumice.convert.intervals import gaussian
from pumice.convert.ir import (
    CubaLI,
    CubaLIF,
    Dense,
    FixedCubaLI,
    FixedCubaLIF,
    Graph,
    Input,
    ISIBinner,
    ISIConv2d,
    ISIDense,
    load_graph,
    save_graph,
)
from pumice.convert.ir.windows import LAG, layer_windows, pad_for_lag
from pumice.convert.passes import PASSES
from pumice.errors import ModelError
from pumice.inference import run_graph

STEPS = 12


def _spikes(graph: Graph, seed: int, samples: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = graph.nodes[graph.input].shape
    return (rng.random((samples, *shape, STEPS)) < 0.5).astype(np.uint8)


@pytest.mark.parametrize("conv", [False, True])
def test_lowered_float_graph_equals_the_isi_graph(conv):
    graph = float_isi_graph(np.random.default_rng(int(conv)), conv=conv, steps=STEPS)
    result = PASSES["lower_isi"]().apply(graph)
    lowered, changed = result.graph, result.changed
    assert changed
    spikes = pad_for_lag(_spikes(graph, 7))
    windows = layer_windows(graph, STEPS)
    expected = emulate(graph, spikes, windows=windows, record_spikes=True, record_state=True)
    actual = emulate(lowered, spikes, windows=windows, record_spikes=True, record_state=True)
    for name, _ in graph.neurons():
        np.testing.assert_array_equal(actual.spikes[name], expected.spikes[name], err_msg=name)
        np.testing.assert_allclose(actual.v[name], expected.v[name], atol=1e-9, err_msg=name)
    assert all(expected.spikes[name].any() for name in graph.hidden_neurons())
    np.testing.assert_allclose(actual.potentials["out"], expected.potentials["out"], atol=1e-9)
    assert np.abs(expected.potentials["out"]).max() > 0.5


def test_lowering_builds_binner_and_gaussian_weights():
    graph = float_isi_graph(np.random.default_rng(3), conv=True, steps=STEPS)
    result = PASSES["lower_isi"]().apply(graph)
    lowered = result.graph
    bins = STEPS + LAG
    names = list(lowered.nodes)
    assert names[1:3] == ["conv1_synapse_isi_bins", "conv1_synapse"]
    assert lowered.predecessor("dense1_synapse") == "dense1_synapse_isi_bins"
    assert lowered.predecessor("dense1_synapse_isi_bins") == "flat"
    assert lowered.nodes["conv1_synapse_isi_bins"].num_bins == bins
    isi_conv, conv = graph.nodes["conv1_synapse"], lowered.nodes["conv1_synapse"]
    assert conv.weight.shape == (3, 2 * bins, 3, 3) and conv.stride == (2, 1)
    g = gaussian(5, isi_conv.mean[2, 1], isi_conv.width[2, 1])
    np.testing.assert_allclose(conv.weight[2, 1 * bins + 4], isi_conv.height[2, 1] * g)
    isi_dense, dense = graph.nodes["out_synapse"], lowered.nodes["out_synapse"]
    g = gaussian(9, isi_dense.mean[1, 3], isi_dense.width[1, 3])
    assert dense.weight[1, 3 * bins + 8] == pytest.approx(isi_dense.height[1, 3] * g)
    report = result.report["isi_lowering"]["out_synapse"]
    assert report == {
        "kind": "ISIDense",
        "lowering": "bins",
        "lines": bins,
        "bins": bins,
        "bin_width": 1,
        "largest_isi": bins,
        "synapses_before": 15,
        "synapses_after": int(np.count_nonzero(dense.weight)),
    }


def test_max_isi_and_tolerance_choose_the_bins():
    rng = np.random.default_rng(4)
    narrow = ISIDense(rng.normal(size=(2, 3)), np.full((2, 3), 2.0), np.full((2, 3), 0.5))
    graph = Graph.chain(
        [
            ("input", Input((3,))),
            ("synapse", narrow),
            ("out", CubaLI((2,), 0.1, 0.1, np.zeros(2))),
        ]
    )
    with pytest.raises(ModelError, match="records no time steps.*give max_isi"):
        PASSES["lower_isi"]().apply(graph)
    lowered = PASSES["lower_isi"](max_isi=7).apply(graph).graph
    assert lowered.nodes["synapse_isi_bins"].num_bins == 7
    # G(k; 2, 0.5) = exp(-2 (k - 2)**2) <= 3.4e-4 from k = 4 on, and every |height| < 2.9
    trimmed = PASSES["lower_isi"](max_isi=7, tolerance=1e-3).apply(graph).graph
    assert trimmed.nodes["synapse_isi_bins"].num_bins == 3
    full = lowered.nodes["synapse"].weight.reshape(2, 3, 7)
    np.testing.assert_array_equal(trimmed.nodes["synapse"].weight.reshape(2, 3, 3), full[..., :3])
    with pytest.raises(ModelError, match="largest ISI must be a positive integer"):
        PASSES["lower_isi"](max_isi=0).apply(graph)
    result = PASSES["lower_isi"]().apply(lowered)
    unchanged, changed = result.graph, result.changed
    assert unchanged is lowered and not changed


def test_bad_isi_synapses_are_refused_with_clear_errors():
    height, mean, width = np.ones((2, 3)), np.full((2, 3), 2.0), np.ones((2, 3))
    with pytest.raises(ModelError, match=r"ISIDense: width has shape \(3, 2\).*\(groups, 3\)"):
        ISIDense(height, mean, np.ones((3, 2)))
    with pytest.raises(ModelError, match=r"ISIDense: mean has shape \(2,\)"):
        ISIDense(height, np.ones(2), width)
    with pytest.raises(ModelError, match="widths must be positive, got a smallest width of 0"):
        ISIDense(height, mean, np.where(np.eye(2, 3) > 0, 0.0, 1.0))
    with pytest.raises(ModelError, match="smallest width of -1"):
        ISIConv2d(np.ones((2, 3, 3, 3)), mean, -width)
    with pytest.raises(ModelError, match="ISIConv2d: height has 2 dimensions, expected 4"):
        ISIConv2d(height, mean, width)
    with pytest.raises(ModelError, match="ISIDense: mean must be an array of finite numbers"):
        ISIDense(height, np.full((2, 3), np.nan), width)
    with pytest.raises(ModelError, match="num_bins must be at least 1, got 0"):
        ISIBinner(0)
    graph = Graph.chain(
        [
            ("input", Input((4,))),
            ("synapse", ISIDense(height, mean, width)),
            ("out", CubaLI((2,), 0.1, 0.1, np.zeros(2))),
        ],
        {"steps": 5},
    )
    with pytest.raises(
        ModelError, match=r"layer 'synapse' \(ISIDense\) has 3 inputs.*shape \(4,\)"
    ):
        emulate(graph, np.zeros((1, 4, 5), dtype=np.uint8))
    with pytest.raises(ModelError, match=r"layer 'synapse' \(ISIDense\) has 3 inputs"):
        PASSES["lower_isi"]().apply(graph)


def test_quantise_turns_cuba_li_into_fixed_li_and_refuses_unlowered_isi():
    graph = float_isi_graph(np.random.default_rng(5), conv=False, steps=STEPS)
    with pytest.raises(ModelError, match="layer 'dense1_synapse' is an ISIDense: lower it first"):
        PASSES["quantize"]().apply(graph)
    lowered = PASSES["lower_isi"]().apply(graph).graph
    fixed = PASSES["quantize"]().apply(lowered).graph
    li, lif = fixed.nodes["out"], fixed.nodes["dense1"]
    assert isinstance(li, FixedCubaLI) and isinstance(lif, FixedCubaLIF)
    out = graph.nodes["out"]
    twin = Graph.chain(
        [
            ("input", Input((5,))),
            ("synapse", Dense(np.ones((3, 5)))),
            ("out", CubaLIF((3,), 1.0, out.current_decay, out.voltage_decay, out.bias)),
        ]
    )
    reference = PASSES["quantize"]().apply(twin).graph.nodes["out"]
    assert (li.du, li.dv, li.bias_exp) == (reference.du, reference.dv, reference.bias_exp)
    np.testing.assert_array_equal(li.bias_mant, reference.bias_mant)
    assert isinstance(fixed.nodes["out_synapse_isi_bins"], ISIBinner)


def test_calibration_scores_a_potential_readout_by_its_v():
    graph = float_isi_graph(np.random.default_rng(6), conv=False, steps=STEPS)
    lowered = PASSES["lower_isi"]().apply(graph).graph
    result = PASSES["calibrate"](spikes=_spikes(graph, 8), candidates=2).apply(lowered)
    per_step = result.report["quantization"]["calibration"]["per_step"]
    assert set(per_step) == {"dense1_synapse", "out_synapse"}
    for scores in per_step["out_synapse"].values():
        assert set(scores) == {"prediction_agreement", "mean_abs_potential_error"}
        assert 0 < scores["mean_abs_potential_error"] < 1
    assert all("mean_abs_count_error" in s for s in per_step["dense1_synapse"].values())
    assert isinstance(result.graph.nodes["out"], FixedCubaLI)


def test_convert_lowers_isi_synapses_as_its_own_step(tmp_path):
    graph = float_isi_graph(np.random.default_rng(9), conv=True, steps=STEPS)
    save_graph(graph, tmp_path / "model.pumice")
    config = ConversionConfig(tmp_path / "model.pumice", tmp_path / "fixed.pumice")
    fixed, report = convert(config)
    assert [step["step"] for step in report["steps"]] == ["load", "lower_isi", "quantize", "write"]
    load, lower = report["steps"][:2]
    lowering = report["isi_lowering"]
    assert load["synapses"] == 3 * 2 * 9 + 5 * 27 + 3 * 5  # the ISI synapses' heights
    assert lower["synapses"] == sum(layer["synapses_after"] for layer in lowering.values())
    assert lowering["conv1_synapse"]["bins"] == STEPS + LAG
    assert "conv1_synapse 54->" in lower["changes"] and "13 bins" in lower["changes"]
    assert lower["wall_s"] >= 0
    written = load_graph(tmp_path / "fixed.pumice")
    assert written.domain() == "fixed"
    assert [type(n).__name__ for n in written.nodes.values()].count("ISIBinner") == 3
    spikes = _spikes(graph, 10)
    labels = np.arange(len(spikes)) % 3
    result = run_graph(fixed, spikes, labels, "emulator", progress=False)
    direct = emulate(fixed, pad_for_lag(spikes), windows=layer_windows(fixed, STEPS))
    np.testing.assert_array_equal(result.predictions, direct.predictions("out"))
    assert set(result.spikes_per_neuron) == {"conv1", "dense1"}


def test_lowering_keeps_the_graph_it_was_given():
    graph = float_isi_graph(np.random.default_rng(11), conv=False, steps=STEPS)
    before = dataclasses.replace(graph)
    PASSES["lower_isi"]().apply(graph)
    assert list(graph.nodes) == list(before.nodes) and graph.edges == before.edges
    assert "isi_lowering" not in graph.metadata
