"""Converting BPSR layers: recurrent weights quantised and pruned as synapse sets of their own,
per-neuron decays to per-neuron shifts, clear refusals where a format cannot hold them."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from pumice.cli import main
from pumice.convert.emulator import emulate
from pumice.convert.interchange import (
    export_netx,
    export_nir,
    export_onnx,
    import_nir,
    import_onnx,
)
from pumice.convert.ir import (
    CubaLIF,
    Dense,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    Graph,
    Input,
    RecurrentCubaLIF,
    load_graph,
    save_graph,
)
from pumice.convert.ir.fixed_point import NO_LEAK
from pumice.convert.passes import PASSES
from pumice.convert.passes.quantize import max_abs_step
from pumice.convert.quantization_report import quantization_report
from pumice.convert.steps.runner import weight_sparsity
from pumice.convert.weight_format import on_grid
from pumice.errors import ModelError

#: Voltage decays (1 - tau) and the shifts they round to: 2**-shift nearest in log scale.
DECAYS = np.array([0.5, 0.25, 0.125, 0.3, 0.7, 0.0, 0.02, 1.0])
SHIFTS = np.array([1, 2, 3, 2, 1, NO_LEAK, 6, 0])


def bpsr_model(rng, voltage_decay=DECAYS) -> Graph:
    """Input -> Dense -> recurrent heterogeneous LIF (8) -> Dense -> LIF (3)."""
    hidden = RecurrentCubaLIF(
        shape=(8,),
        threshold=1.0,
        current_decay=1.0,
        voltage_decay=voltage_decay,
        bias=rng.normal(0, 0.05, 8),
        recurrent_weight=rng.normal(0, 1.5, (8, 8)),
    )
    return Graph.chain(
        [
            ("input", Input((10,))),
            ("hidden_synapse", Dense(rng.normal(0.1, 0.4, (8, 10)))),
            ("hidden", hidden),
            ("out_synapse", Dense(rng.normal(0.2, 0.6, (3, 8)))),
            ("out", CubaLIF((3,), 1.0, 1.0, 0.5, np.zeros(3))),
        ],
        metadata={"steps": 12},
    )


def spikes(rng, samples=8, steps=12) -> np.ndarray:
    return (rng.random((samples, 10, steps)) < 0.4).astype(np.uint8)


def test_recurrent_weights_get_their_own_step():
    rng = np.random.default_rng(0)
    graph = bpsr_model(rng, voltage_decay=0.5)
    result = PASSES["quantize"](weight_bits=4).apply(graph)
    hidden = result.graph.nodes["hidden"]
    assert isinstance(hidden, FixedRecurrentCubaLIF)
    steps = result.report["quantization"]["steps"]
    recurrent = graph.nodes["hidden"].recurrent_weight
    assert steps["hidden.recurrent"] == max_abs_step(recurrent, 64, 4)
    assert steps["hidden.recurrent"] != steps["hidden_synapse"]  # weights of another size
    grid = on_grid(recurrent * 64, 4, steps["hidden.recurrent"])
    stored = hidden.recurrent_weight * 2.0**hidden.recurrent_weight_exp
    np.testing.assert_array_equal(stored, grid)
    assert hidden.recurrent_num_weight_bits == 4
    assert "hidden.recurrent" in result.report["quantization"]["saturated"]


def test_per_neuron_decays_without_shift_leak_are_a_clear_error():
    graph = bpsr_model(np.random.default_rng(0))
    with pytest.raises(ModelError, match="layer 'hidden'.*--leak shift") as error:
        PASSES["quantize"]().apply(graph)
    assert "\n" not in str(error.value)
    uniform = bpsr_model(np.random.default_rng(0), voltage_decay=np.full(8, 0.25))
    fixed = PASSES["quantize"]().apply(uniform).graph  # the same decay everywhere is one decay
    assert fixed.nodes["hidden"].dv == 1024


def test_per_neuron_decays_become_per_neuron_shifts():
    rng = np.random.default_rng(1)
    graph = bpsr_model(rng)
    result = PASSES["quantize"](leak="shift").apply(graph)
    fixed, report = result.graph, result.report
    hidden = fixed.nodes["hidden"]
    assert isinstance(hidden, FixedRecurrentShiftLIF)
    np.testing.assert_array_equal(np.broadcast_to(hidden.shift_v, (8,)), SHIFTS)
    np.testing.assert_array_equal(hidden.shift_u, 0)  # current_decay 1: u is the input
    uniform = dataclasses.replace(graph.nodes["hidden"], voltage_decay=0.5)
    uniform = dataclasses.replace(graph, nodes={**graph.nodes, "hidden": uniform})
    multiplied = PASSES["quantize"]().apply(uniform).graph.nodes["hidden"]
    np.testing.assert_array_equal(hidden.recurrent_weight, multiplied.recurrent_weight)
    assert hidden.recurrent_weight_exp == multiplied.recurrent_weight_exp
    (entry,) = [c for c in report["shift_leak"] if c["layer"] == "hidden"]
    assert entry["shifts"][1] == SHIFTS.tolist()
    # the decays as 12-bit fractions (Lava's dv is at most 4095)
    np.testing.assert_allclose(entry["voltage_decay"][0], DECAYS, atol=1 / 4096)
    run = emulate(fixed, spikes(rng), record_spikes=True)
    assert run.spikes["hidden"].any()


def test_shift_leak_pass_and_quantising_with_shifts_agree_and_keep_recurrence():
    graph = bpsr_model(np.random.default_rng(2), voltage_decay=0.3)
    multiplied = PASSES["quantize"](weight_bits=6).apply(graph).graph
    result = PASSES["shift_leak"]().apply(multiplied)
    shifted, changed, shifted_report = result.graph, result.changed, result.report
    direct_result = PASSES["quantize"](weight_bits=6, leak="shift").apply(graph)
    direct, direct_report = direct_result.graph, direct_result.report
    assert changed
    for name in ("hidden", "out"):
        a, b = shifted.nodes[name], direct.nodes[name]
        assert type(a) is type(b)
        for field, value in a.arrays().items():
            np.testing.assert_array_equal(value, b.arrays()[field], err_msg=f"{name} {field}")
    hidden = shifted.nodes["hidden"]
    before = multiplied.nodes["hidden"]
    assert isinstance(hidden, FixedRecurrentShiftLIF)
    np.testing.assert_array_equal(hidden.recurrent_weight, before.recurrent_weight)
    assert hidden.recurrent_weight_exp == before.recurrent_weight_exp
    assert hidden.recurrent_num_weight_bits == before.recurrent_num_weight_bits == 6
    assert shifted_report["shift_leak"] == direct_report["shift_leak"]


def test_pruned_recurrent_synapses_carry_no_weight_in_the_fixed_graph():
    rng = np.random.default_rng(3)
    graph = bpsr_model(rng)
    pruned_result = PASSES["prune"](sparsity=0.5).apply(graph)
    pruned, pruned_report = pruned_result.graph, pruned_result.report
    recurrent = graph.nodes["hidden"].recurrent_weight
    kept = pruned.nodes["hidden"].recurrent_weight
    assert pruned.nodes["hidden"].sparse
    assert pruned_report["pruning"]["sparsity"]["hidden.recurrent"] == 0.5
    smallest = np.argsort(np.abs(recurrent), axis=None)[:32]
    assert np.all(kept.ravel()[smallest] == 0) and np.count_nonzero(kept) == 32
    fixed = PASSES["quantize"](leak="shift").apply(pruned).graph
    hidden = fixed.nodes["hidden"]
    assert hidden.sparse
    assert np.all(hidden.recurrent_weight[kept == 0] == 0)
    # the synapse count and the sparsity include the recurrent synapses
    assert weight_sparsity(pruned) == pytest.approx((40 + 32 + 12) / (80 + 64 + 24))


def test_calibration_and_its_report_cover_the_recurrent_weights():
    rng = np.random.default_rng(4)
    graph = bpsr_model(rng)
    x = spikes(rng)
    result = PASSES["calibrate"](spikes=x, weight_bits=4, leak="shift", candidates=2).apply(graph)
    fixed = result.graph
    searched = result.report["quantization"]["calibration"]["per_step"]
    assert set(searched) == {"hidden_synapse", "hidden.recurrent", "out_synapse"}
    assert isinstance(fixed.nodes["hidden"], FixedRecurrentShiftLIF)
    report = quantization_report(graph, fixed, x, 64)
    assert report["layers"]["hidden.recurrent"]["nonzero_weights"] > 0
    assert report["layers"]["hidden.recurrent"]["weight_rms"] > 0


def test_recurrent_layers_survive_save_and_load(tmp_path):
    rng = np.random.default_rng(5)
    graph = bpsr_model(rng)
    fixed = PASSES["quantize"](leak="shift").apply(graph).graph
    x = spikes(rng)
    for g in (graph, fixed):
        save_graph(g, tmp_path / "m.pumice")
        loaded = load_graph(tmp_path / "m.pumice")
        assert type(loaded.nodes["hidden"]) is type(g.nodes["hidden"])
        a = emulate(g, x, record_state=True)
        b = emulate(loaded, x, record_state=True)
        np.testing.assert_array_equal(a.v["hidden"], b.v["hidden"])


def test_convert_command_needs_and_does_the_shift_leak(tmp_path, capsys):
    save_graph(bpsr_model(np.random.default_rng(6)), tmp_path / "m.pumice")
    args = ["-q", "convert", str(tmp_path / "m.pumice"), "--out", str(tmp_path / "f.pumice")]
    assert main(args) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "'hidden'" in error and "--leak shift" in error
    assert not (tmp_path / "f.pumice").exists()
    report = tmp_path / "c.json"
    assert main([*args, "--leak", "shift", "--prune", "0.25", "--json", str(report)]) == 0
    fixed = load_graph(tmp_path / "f.pumice")
    assert isinstance(fixed.nodes["hidden"], FixedRecurrentShiftLIF)
    steps = {s["step"]: s for s in json.loads(report.read_text())["steps"]}
    assert steps["load"]["synapses"] == 80 + 64 + 24  # feed-forward and recurrent
    assert steps["prune"]["synapses"] == 60 + 48 + 18
    assert "hidden.recurrent" in steps["quantize"]["changes"]
    assert "hidden current 1->1, voltage [0..0.9998]->[0..1]" in steps["shift_leak"]["changes"]


def _heterogeneous() -> Graph:
    return Graph.chain(
        [
            ("input", Input((4,))),
            ("syn", Dense(np.ones((3, 4)))),
            ("lif", CubaLIF((3,), 1.0, 1.0, np.array([0.1, 0.2, 0.3]), np.zeros(3))),
        ]
    )


def test_netx_refuses_recurrence_and_per_neuron_decays(tmp_path):
    rng = np.random.default_rng(7)
    with pytest.raises(ModelError, match="layer 'hidden' is recurrent"):
        export_netx(bpsr_model(rng), tmp_path / "m")
    with pytest.raises(ModelError, match="layer 'lif' has a voltage_decay per neuron"):
        export_netx(_heterogeneous(), tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_nir_refuses_integrators_mixed_with_leaky_neurons(tmp_path):
    """NIR's LIF has no integrator per neuron (voltage decay 0 beside leaky neurons)."""
    with pytest.raises(ModelError, match="'hidden' has current decays .* voltage decays in .0,"):
        export_nir(bpsr_model(np.random.default_rng(7)), tmp_path / "m")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("export", "read", "model"),
    [
        (export_onnx, import_onnx, lambda: bpsr_model(np.random.default_rng(7))),
        (export_onnx, import_onnx, _heterogeneous),
        (export_nir, import_nir, _heterogeneous),
    ],
)
def test_onnx_and_nir_hold_recurrence_and_per_neuron_decays(tmp_path, export, read, model):
    graph = model()
    back = read(export(graph, tmp_path / "m"))
    x = np.random.default_rng(8).random((3, *graph.nodes[graph.input].shape, 10)) < 0.5
    a, b = emulate(graph, x.astype(np.uint8)), emulate(back, x.astype(np.uint8))
    for name in a.counts:
        np.testing.assert_array_equal(a.counts[name], b.counts[name], err_msg=name)
