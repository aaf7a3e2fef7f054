"""Design-rule checks flag what cannot run, pass what can, and keep big layers as notes."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from pumice.convert.hardware import (
    DesignRuleError,
    Note,
    Violation,
    check_graph,
    load_profile,
    raise_for_violations,
)
from pumice.convert.hardware.synapse_stats import max_fan_in, significant_weight_bits
from pumice.convert.ir import (
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedCubaLIF,
    FixedDense,
    FixedShiftLIF,
    Flatten,
    Graph,
    Input,
)
from pumice.convert.ir.fixed_point import NO_LEAK
from pumice.convert.passes.quantize import QuantizeToLoihi

#: A small made-up chip: 8 neurons and 16 input axons per core, 256 bits of synapses.
SMALL_CHIP = {
    "name": "small",
    "neurons_per_core": 8,
    "cores_per_chip": 4,
    "weight_bits": 8,
    "u_bits": 24,
    "v_bits": 24,
    "decay_bits": 12,
    "threshold_bits": 17,
    "bias_mant_bits": 13,
    "bias_exp_min": 0,
    "bias_exp_max": 7,
    "input_axons_per_core": 16,
    "synaptic_memory_bits_per_core": 256,
    "weight_exp_min": -7,
    "weight_exp_max": 7,
}


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text("".join(f"{key} = {json.dumps(v)}\n" for key, v in SMALL_CHIP.items()))
    return load_profile(path)


def lif(n: int, **changes) -> FixedCubaLIF:
    params = {"du": 100, "dv": 200, "vth": 50, "bias_mant": np.zeros(n, int), "bias_exp": 6}
    return FixedCubaLIF(shape=(n,), **{**params, **changes})


def dense_net(weight: np.ndarray, num_weight_bits: int = 8, **lif_changes) -> Graph:
    n_out, n_in = weight.shape
    return Graph.chain(
        [
            ("input", Input((n_in,))),
            ("fc", FixedDense(weight, weight_exp=0, num_weight_bits=num_weight_bits)),
            ("lif", lif(n_out, **lif_changes)),
        ]
    )


def rules(findings) -> list[tuple[str, str]]:
    return [(f.layer, f.rule) for f in findings]


def test_compliant_graph_passes(small):
    weight = np.array([[2, -4, 6, 0, 254, -256]] * 4)
    report = check_graph(dense_net(weight), small)
    assert report.ok and report.violations == []
    assert report.notes == []
    raise_for_violations(report)  # does not raise


def test_too_wide_weights_are_flagged(small):
    mixed_odd = np.array([[3, -5, 7, 1]] * 2)  # odd mixed-sign mantissas: 8 magnitude bits + sign
    report = check_graph(dense_net(mixed_odd), small)
    [violation] = report.violations
    assert isinstance(violation, Violation)
    assert (violation.layer, violation.rule, violation.limit, violation.actual) == (
        "fc",
        "weight_bits",
        8,
        9,
    )

    coarse = np.array([[16, 48, 8, 0]] * 2)  # needs 5 bits, the layer keeps 4
    report = check_graph(dense_net(coarse, num_weight_bits=4), small)
    assert [(v.rule, v.limit, v.actual) for v in report.violations] == [("weight_bits", 4, 5)]

    too_big = np.array([[300, 2, 4, 0]] * 2)  # excitatory mantissa above 255
    report = check_graph(dense_net(too_big), small)
    [violation] = report.violations
    assert violation.rule == "weight_range"
    assert (violation.limit, violation.actual) == ([0, 255], [0, 300])


def test_out_of_range_decays_threshold_and_bias_are_flagged(small):
    weight = np.full((3, 4), 2)
    bias = np.array([-4096, 4095, 4096])
    report = check_graph(dense_net(weight, du=4096, dv=5000, vth=1 << 17, bias_mant=bias), small)
    found = {(v.rule, v.message.split(" =")[0]): v for v in report.violations}
    assert found["decay", "du"].actual == 4096 and found["decay", "du"].limit == [0, 4095]
    assert found["decay", "dv"].actual == 5000
    assert found["threshold", "vth"].actual == 1 << 17
    assert found["bias_mant", "bias_mant"].actual == [-4096, 4096]
    assert len(report.violations) == 4 and not report.ok


def test_fan_in_above_the_axon_limit_is_flagged(small):
    wide = np.full((2, 20), 2)
    report = check_graph(dense_net(wide), small)
    assert rules(report.violations) == [("lif", "fan_in")]
    assert (report.violations[0].limit, report.violations[0].actual) == (16, 20)

    sparse = wide.copy()
    sparse[:, ::2] = 0  # 10 nonzero inputs per neuron: fits
    assert check_graph(dense_net(sparse), small).ok


def test_one_neuron_whose_weights_exceed_core_memory_is_flagged(small):
    weight = np.full((2, 12), 2)  # 12 inputs fit 16 axons; 12 x 8 bits fit 256 bits
    assert check_graph(dense_net(weight), small).ok
    tight = dataclasses.replace(small, synaptic_memory_bits_per_core=64)
    report = check_graph(dense_net(weight), tight)
    assert [(v.rule, v.limit, v.actual) for v in report.violations] == [("synaptic_memory", 64, 96)]


def conv_graph(weight: np.ndarray, in_shape: tuple[int, int, int], **conv) -> Graph:
    synapse = FixedConv2d(weight, **conv)
    out = synapse.output_shape(in_shape)
    neurons = dataclasses.replace(lif(int(np.prod(out))), shape=out)
    return Graph.chain(
        [
            ("input", Input(in_shape)),
            ("conv", synapse),
            ("lif", neurons),
            ("flat", Flatten()),
        ]
    )


def test_conv_fan_in_counts_only_taps_inside_the_input(small):
    weight = np.full((1, 2, 3, 3), 2)
    assert max_fan_in(FixedConv2d(weight, padding=(1, 1)), (2, 5, 5)) == 18
    assert max_fan_in(FixedConv2d(weight, padding=(1, 1)), (2, 2, 2)) == 8
    report = check_graph(conv_graph(weight, (2, 5, 5), padding=(1, 1)), small)
    assert [(v.layer, v.rule, v.actual) for v in report.violations] == [("lif", "fan_in", 18)]
    assert check_graph(conv_graph(weight, (2, 2, 2), padding=(1, 1)), small).ok


def test_layer_bigger_than_a_core_is_a_note_not_a_violation(small):
    report = check_graph(dense_net(np.full((20, 4), 2)), small)
    assert report.ok
    [split] = report.notes
    assert isinstance(split, Note)
    assert (split.layer, split.rule, split.limit, split.actual) == ("lif", "needs_split", 8, 20)
    assert "at least 3 cores" in split.message


def test_conv_sum_past_float32_is_a_note(small):
    weight = np.full((1, 600, 3, 3), 255)
    report = check_graph(conv_graph(weight, (600, 3, 3), weight_exp=4), small)
    notes = {n.rule: n for n in report.notes}
    assert notes["conv_float32"].actual == 600 * 9 * 255 * 16
    assert notes["conv_float32"].limit == 1 << 24


def test_rules_a_profile_cannot_check_are_reported(small):
    report = check_graph(dense_net(np.full((2, 20000), 2)), load_profile("loihi2"))
    unchecked = [n.message for n in report.notes if n.rule == "unchecked"]
    assert any("fan_in_fits_axons" in m and "input_axons_per_core" in m for m in unchecked)
    assert any("weight_exp_in_range" in m for m in unchecked)
    assert report.ok  # 20000 x 8 bits fit Loihi 2's 1 Mbit; the axon rule is not known


def test_report_json_table_and_error_list_every_violation(small):
    graph = dense_net(np.array([[3, -5]] * 2), du=9999)
    report = check_graph(graph, small)
    data = json.loads(report.to_json())
    assert data["ok"] is False and data["profile"] == "small"
    assert [v["rule"] for v in data["violations"]] == ["weight_bits", "decay"]
    table = report.format_table()
    assert table.splitlines()[0] == "design rules vs small: 2 violation(s)"
    assert "weight_bits" in table and "[0, 4095]" in table
    with pytest.raises(DesignRuleError) as caught:
        raise_for_violations(report)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(
        "fc weight_bits (limit 8, actual 9); lif decay (limit [0, 4095], actual 9999)"
    )


def test_quantized_float_graph_fits_loihi1():
    rng = np.random.default_rng(0)
    graph = Graph.chain(
        [
            ("input", Input((30,))),
            ("fc", Dense(rng.normal(0, 0.5, size=(12, 30)))),
            ("lif", CubaLIF((12,), 1.0, 0.25, 0.03, rng.normal(0, 0.1, size=12))),
        ]
    )
    float_report = check_graph(graph, load_profile("loihi1"))
    assert "graph is float" in float_report.notes[0].message
    fixed = QuantizeToLoihi().apply(graph).graph
    report = check_graph(fixed, load_profile("loihi1"))
    assert report.ok, report.format_table()


def test_significant_weight_bits():
    assert significant_weight_bits(np.array([3, -5]), 8) == 9
    assert significant_weight_bits(np.array([2, -256]), 8) == 8
    assert significant_weight_bits(np.array([16, 32]), 8) == 4
    assert significant_weight_bits(np.zeros(3, int), 8) == 0


def test_shift_leak_neurons_get_threshold_and_bias_checks():
    graph = Graph.chain(
        [
            ("input", Input((2,))),
            ("dense1_synapse", FixedDense(np.ones((2, 2), dtype=np.int64) * 2)),
            (
                "dense1",
                FixedShiftLIF(
                    shape=(2,),
                    shift_u=np.array(2),
                    shift_v=np.array(NO_LEAK),
                    vth=1 << 18,
                    bias_mant=np.array([5000, 0]),
                    bias_exp=0,
                ),
            ),
        ]
    )
    rules = {(v.layer, v.rule) for v in check_graph(graph, load_profile("loihi1")).violations}
    assert ("dense1", "threshold") in rules
    assert ("dense1", "bias_mant") in rules
