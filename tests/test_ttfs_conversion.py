"""quantize_ttfs: payload and threshold tables, 8-bit weights, the exact input encoder, and
the design rules that refuse kernel tables overflowing their registers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from model_file_factory import write_pumice
from ttfs_factory import fixed_ttfs_graph, float_ttfs_graph, graded_frames

from pumice.cli import main
from pumice.convert.emulator import emulate
from pumice.convert.hardware import check_graph, load_profile
from pumice.convert.ir import (
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedDense,
    GradedInput,
    Graph,
    TTFSNeuron,
)
from pumice.convert.passes import PASSES
from pumice.convert.ttfs_schedule import Schedule, kernel_tables
from pumice.errors import ModelError


def _encoder_graph(tau: float, t_d: float) -> Graph:
    schedule = Schedule()
    tables = kernel_tables(tau, t_d, 32)
    return Graph.chain(
        [
            ("input", GradedInput((256,))),
            ("encode_synapse", Dense(np.eye(256) / 255, sparse=True)),
            ("encode", TTFSNeuron((256,), **schedule.integrate_then_fire(32), **tables,
                                  bias=np.zeros(1))),
        ]
    )  # fmt: skip


@pytest.mark.parametrize(("tau", "t_d"), [(10.0, 0.0), (6.3, 2.1), (13.0, -1.5)])
def test_the_input_encoder_is_exact_in_fixed_point(tau, t_d):
    graph = _encoder_graph(tau, t_d)
    fixed = PASSES["quantize_ttfs"]().apply(graph).graph
    frames = np.zeros((1, 256, 36), dtype=np.uint8)
    frames[0, :, 0] = np.arange(256)  # every 8-bit intensity
    want = emulate(graph, frames, record_spikes=True).spikes["encode"]
    got = emulate(fixed, frames, record_spikes=True).spikes["encode"]
    np.testing.assert_array_equal(got != 0, want != 0)  # the same spike times
    table = fixed.nodes["encode"].payload
    times = got.argmax(-1)[got.any(-1)] - fixed.nodes["encode"].start - 1
    np.testing.assert_array_equal(got.sum(-1)[got.any(-1)], table[times])
    assert table.max() == 255 and table.min() >= 1


def test_quantised_graphs_hold_integer_tables_and_fit_loihi2():
    for seed in range(6):
        fixed = fixed_ttfs_graph(np.random.default_rng(seed), conv=seed % 2 == 0)
        assert fixed.domain() == "fixed"
        for _, node in fixed.neurons():
            assert node.bias_mant.dtype.kind == "i"
        drc = check_graph(fixed, load_profile("loihi2"))
        assert drc.ok, drc.format_table()


def test_fixed_point_follows_the_float_graph_closely():
    """Stated tolerance on random small graphs: at least 90 % of the spikes fire at the
    same step as in the float graph (weights and payloads are rounded)."""
    same = total = 0
    for seed in range(6):
        graph = float_ttfs_graph(np.random.default_rng(seed), conv=seed % 2 == 0)
        fixed = PASSES["quantize_ttfs"]().apply(graph).graph
        frames = graded_frames(np.random.default_rng(seed + 10), graph, 20)
        want = emulate(graph, frames, record_spikes=True).spikes
        got = emulate(fixed, frames, record_spikes=True).spikes
        for name in graph.hidden_neurons():
            times = [np.where(s[name].any(-1), s[name].argmax(-1), -1) for s in (want, got)]
            fired = (times[0] >= 0) | (times[1] >= 0)
            same += int((times[0] == times[1])[fired].sum())
            total += int(fired.sum())
    assert same / total >= 0.9, same / total


def _with(graph: Graph, name: str, **changes) -> Graph:
    nodes = dict(graph.nodes)
    nodes[name] = dataclasses.replace(nodes[name], **changes)
    return dataclasses.replace(graph, nodes=nodes)


@pytest.mark.parametrize(
    ("change", "rule", "fragment"),
    [
        ("payload", "ttfs_payload", "payload table"),
        ("threshold", "ttfs_threshold", "threshold table"),
        ("weight_exp", "ttfs_potential", "overflows the state bits"),
    ],
)
def test_an_overflowing_kernel_table_breaks_one_rule(change, rule, fragment, tmp_path, capsys):
    fixed = fixed_ttfs_graph(np.random.default_rng(0), conv=False)
    node = fixed.nodes["dense1"]
    if change == "payload":
        broken = _with(fixed, "dense1", payload=node.payload * 0 + (1 << node.payload_bits))
    elif change == "threshold":
        broken = _with(fixed, "dense1", threshold=node.threshold * 0 + (1 << 24))
    else:
        broken = _with(fixed, "dense1_synapse", weight_exp=12)
    drc = check_graph(broken, load_profile("loihi2"))
    assert [v.rule for v in drc.violations] == [rule]
    assert fragment in drc.violations[0].message
    write_pumice(tmp_path / "broken.pumice", broken)  # a sealed file, unvalidated
    out = tmp_path / "out.pumice"
    code = main(["-q", "convert", str(tmp_path / "broken.pumice"), "--out", str(out),
                 "--profile", "loihi2"])  # fmt: skip
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(error) == 1 and error[0].startswith("pumice: error:")
    assert ("ttfs_potential" if change == "weight_exp" else f"has {change} =") in error[0]
    assert not out.exists()


def test_the_pass_refuses_a_graph_mixing_ttfs_and_lif_neurons():
    graph = float_ttfs_graph(np.random.default_rng(0), conv=False)
    nodes = dict(graph.nodes)
    nodes["dense1"] = CubaLIF((5,), 1.0, 0.1, 0.1, np.zeros(1))
    mixed = dataclasses.replace(graph, nodes=nodes)
    with pytest.raises(ModelError, match="TTFS neurons and readouts only; found dense1"):
        PASSES["quantize_ttfs"]().apply(mixed)


def test_weights_keep_8_bits_and_the_state_bound():
    fixed = fixed_ttfs_graph(np.random.default_rng(2), conv=True)
    for _, node in fixed.nodes.items():
        if type(node) in (FixedDense, FixedConv2d):
            assert np.abs(node.weight).max() <= 256 and node.weight_exp == 0
    assert PASSES["quantize_ttfs"]().apply(fixed).changed is False  # nothing left to do


def test_float_ttfs_kinds_name_their_lowering_to_the_standard_quantiser():
    graph = float_ttfs_graph(np.random.default_rng(0))
    with pytest.raises(ModelError, match="lower it first \\(pass 'quantize_ttfs'"):
        PASSES["quantize"]().apply(graph)
