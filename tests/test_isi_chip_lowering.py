"""ISI synapses that fit a chip: shared tunings, the ISI cap and bins, the payload lowering
(graded spikes), its quantisation, and what map, report and the design rules make of it."""

from __future__ import annotations

import numpy as np
import pytest

from pumice.convert.emulator import emulate
from pumice.convert.hardware import check_graph, load_profile
from pumice.convert.intervals import Graded, intervals
from pumice.convert.ir import (
    CubaLI,
    CubaLIF,
    FixedISIPayload,
    Graph,
    Input,
    ISIBinner,
    ISIDense,
    ISIPayload,
    load_graph,
    save_graph,
)
from pumice.convert.mapping import MappingError, map_graph
from pumice.convert.passes import PASSES
from pumice.convert.quantizers.isi_payload import payload_levels
from pumice.convert.semantics import SEMANTICS
from pumice.convert.traffic import traffic_report
from pumice.errors import ModelError

STEPS = 24


def _isi(rng, out, inputs, groups, **range_) -> ISIDense:
    return ISIDense(
        rng.normal(0, 1.0, (out, inputs)),
        rng.uniform(1, 12, (groups, inputs)),
        rng.uniform(1, 5, (groups, inputs)),
        **range_,
    )


def _graph(rng, groups=(2, 1), **range_) -> Graph:
    """input 8 -> ISIDense (groups[0]) -> LIF 6 -> ISIDense (groups[1]) -> LI 4."""
    return Graph.chain(
        [
            ("input", Input((8,))),
            ("hidden_synapse", _isi(rng, 6, 8, groups[0], **range_)),
            ("hidden", CubaLIF((6,), 1.0, 1.0, 0.1, np.zeros(1))),
            ("out_synapse", _isi(rng, 4, 6, groups[1], **range_)),
            ("out", CubaLI((4,), 1.0, 0.0, np.zeros(1))),
        ],
        metadata={"steps": STEPS},
    )


def _spikes(rng, samples=6) -> np.ndarray:
    return (rng.random((samples, 8, STEPS)) < 0.35).astype(np.uint8)


def test_shared_tunings_equal_per_synapse_tunings_repeated_over_their_block():
    rng = np.random.default_rng(1)
    shared = _isi(rng, 6, 8, 3, max_isi=20, bin_width=4)
    mean, width = shared.tuning()
    assert mean.shape == (6, 8) and np.array_equal(mean[2:4], np.repeat(shared.mean[1:2], 2, 0))
    per_synapse = ISIDense(shared.height, mean, width, max_isi=20, bin_width=4)
    x = _spikes(rng)[:, :, None, :].reshape(6, 8, STEPS)
    np.testing.assert_allclose(
        SEMANTICS[ISIDense](shared, x), SEMANTICS[ISIDense](per_synapse, x), atol=1e-12
    )


def test_cap_and_bins_in_the_reference_semantics():
    node = ISIDense(
        np.ones((1, 1)), np.full((1, 1), 6.0), np.full((1, 1), 2.0), max_isi=8, bin_width=4
    )
    # ISIs 1-4 share the Gaussian at 2.5, 5-8 at 6.5, 9 and beyond add nothing
    train = np.zeros((1, 1, 30), dtype=np.uint8)
    train[0, 0, [0, 2, 7, 16, 29]] = 1  # ISIs 1, 2, 5, 9, 13
    current = SEMANTICS[ISIDense](node, train)[0, 0]
    at = np.exp(-((np.array([2.5, 2.5, 6.5]) - 6.0) ** 2) / 8.0)
    np.testing.assert_allclose(current[[0, 2, 7]], at)
    assert current[16] == 0 and current[29] == 0 and np.count_nonzero(current) == 3


@pytest.mark.parametrize(
    "range_", [{}, {"max_isi": 12}, {"max_isi": 12, "bin_width": 3}], ids=["all", "cap", "bins"]
)
def test_payload_lowering_computes_the_same_network(range_):
    rng = np.random.default_rng(2)
    graph = _graph(rng, **range_)
    result = PASSES["lower_isi"]().apply(graph)
    lowered = result.graph
    assert [type(n).__name__ for n in lowered.nodes.values()][1:3] == ["ISIPayload", "Dense"]
    report = result.report["isi_lowering"]
    assert report["hidden_synapse"]["lowering"] == "payload"
    assert (report["hidden_synapse"]["lines"], report["out_synapse"]["lines"]) == (2, 1)
    assert report["hidden_synapse"]["synapses_after"] == 48  # one weight per synapse
    largest = range_.get("max_isi", STEPS + 1)
    assert lowered.nodes["hidden_synapse_isi_payload"].table.shape == (16, largest)
    spikes = _spikes(rng)
    before = emulate(graph, spikes, record_spikes=True, record_state=True)
    after = emulate(lowered, spikes, record_spikes=True, record_state=True)
    np.testing.assert_array_equal(after.spikes["hidden"], before.spikes["hidden"])
    np.testing.assert_allclose(after.v["out"], before.v["out"], atol=1e-9)
    assert before.spikes["hidden"].any()


def test_bins_lowering_of_a_binned_synapse_uses_its_bins():
    rng = np.random.default_rng(3)
    graph = _graph(rng, groups=(6, 4), max_isi=12, bin_width=3)
    lowered = PASSES["lower_isi"]().apply(graph).graph  # per-synapse tunings: bins
    binner = lowered.nodes["hidden_synapse_isi_bins"]
    assert (binner.num_bins, binner.bin_width) == (4, 3)
    spikes = _spikes(rng)
    before = emulate(graph, spikes, record_state=True)
    after = emulate(lowered, spikes, record_state=True)
    np.testing.assert_allclose(after.v["out"], before.v["out"], atol=1e-9)


def test_lowering_mode_chooses_and_refuses():
    rng = np.random.default_rng(4)
    graph = _graph(rng)
    bins = PASSES["lower_isi"](mode="bins").apply(graph).graph
    assert isinstance(bins.nodes["hidden_synapse_isi_bins"], ISIBinner)
    with pytest.raises(ModelError, match="payload bits must be 1 to 31"):
        PASSES["lower_isi"](payload_bits=40)
    with pytest.raises(ModelError, match="unknown ISI lowering 'graded'"):
        PASSES["lower_isi"](mode="graded")


def test_quantised_payloads_and_the_exponent_of_the_synapse_they_feed():
    rng = np.random.default_rng(5)
    lowered = PASSES["lower_isi"](payload_bits=6).apply(_graph(rng)).graph
    fixed = PASSES["quantize"](scale=256).apply(lowered).graph
    router = fixed.nodes["hidden_synapse_isi_payload"]
    assert isinstance(router, FixedISIPayload) and router.num_message_bits == 6
    float_table = lowered.nodes["hidden_synapse_isi_payload"].table
    np.testing.assert_array_equal(router.table, payload_levels(float_table, 6))
    assert router.table.max() <= 63 and np.abs(router.table / 64 - float_table).max() <= 1 / 64
    plain = (
        PASSES["quantize"](scale=256)
        .apply(PASSES["lower_isi"](mode="bins").apply(_graph(np.random.default_rng(5))).graph)
        .graph
    )
    # same heights on the same grid; graded input: the sum is scaled back by 2**-6
    assert fixed.nodes["out_synapse"].weight_exp == plain.nodes["out_synapse"].weight_exp - 6


def test_graded_events_skip_zero_payloads_and_long_isis():
    table = np.array([[3, 0, 5], [1, 1, 1]])
    train = np.zeros((1, 1, 9), dtype=np.uint8)
    train[0, 0, [0, 1, 8]] = 1  # ISIs 1, 1, 7 (past the table)
    graded = Graded(intervals(train), table, 2)
    dense = graded.dense()
    assert dense.shape == (1, 2, 9)
    np.testing.assert_array_equal(dense[0, :, 0], [3, 1])
    np.testing.assert_array_equal(dense[0, :, 1], [3, 1])
    assert not dense[0, :, 8].any() and len(graded.values()) == 4


def test_payload_kinds_refuse_bad_tables():
    with pytest.raises(ModelError, match="gains must lie in"):
        ISIPayload(np.full((2, 3), 1.5), 1)
    with pytest.raises(ModelError, match=r"payloads must lie in \[0, 15\]"):
        FixedISIPayload(np.full((2, 3), 16), 1, 4)
    with pytest.raises(ModelError, match="not a multiple of 2"):
        FixedISIPayload(np.ones((3, 3), int), 2, 4)
    with pytest.raises(ModelError, match=r"groups dividing the 6 outputs"):
        ISIDense(np.ones((6, 2)), np.ones((4, 2)), np.ones((4, 2)))
    with pytest.raises(ModelError, match="max_isi 10 is not a whole number of bins of 4"):
        ISIDense(np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), max_isi=10, bin_width=4)


def _fixed_payload_graph():
    rng = np.random.default_rng(6)
    lowered = PASSES["lower_isi"]().apply(_graph(rng)).graph
    return PASSES["quantize"](scale=256).apply(lowered).graph, _spikes(rng, 12)


def test_payload_graphs_round_trip_through_the_file(tmp_path):
    fixed, spikes = _fixed_payload_graph()
    again = load_graph(save_graph(fixed, tmp_path / "m.pumice"))
    np.testing.assert_array_equal(
        emulate(again, spikes).potentials["out"], emulate(fixed, spikes).potentials["out"]
    )
    assert again.nodes["hidden_synapse_isi_payload"].num_message_bits == 8


def test_loihi1_refuses_graded_spikes_loihi2_maps_them():
    fixed, _ = _fixed_payload_graph()
    with pytest.raises(MappingError, match="loihi1 sends binary spikes only"):
        map_graph(fixed, load_profile("loihi1"))
    drc = check_graph(fixed, load_profile("loihi1"))
    assert {v.rule for v in drc.violations} >= {"spike_payload"}
    assert "spike_payload" not in {
        v.rule for v in check_graph(fixed, load_profile("loihi2")).violations
    }
    mapping = map_graph(fixed, load_profile("loihi2"))
    (core,) = mapping.cores
    # 8 inputs x 2 lines into the hidden layer, 6 x 1 into the output
    assert core.input_axons == 16 + 6
    # the hidden layer's table, 6 neurons x 1 line x 25 ISIs x 8 bits; the input's is off-chip
    assert core.payload_table_bits == 6 * 25 * 8
    assert any("stay with its encoder" in note for note in mapping.notes)


def test_traffic_counts_payload_bits_per_graded_message():
    fixed, spikes = _fixed_payload_graph()
    profile = load_profile("loihi2")
    mapping = map_graph(fixed, profile)
    run = emulate(fixed, spikes, record_spikes=True)
    report = traffic_report(fixed, mapping, {fixed.input: spikes, **run.spikes}, profile)
    # one core: every nonzero payload of every line is one message of 8 bits
    routers = ["hidden_synapse_isi_payload", "out_synapse_isi_payload"]
    sources = [spikes, run.spikes["hidden"]]
    messages = sum(
        int(np.count_nonzero(SEMANTICS[type(fixed.nodes[r])](fixed.nodes[r], s).values()))
        for r, s in zip(routers, sources, strict=True)
    )
    assert report["messages_total"] == messages > 0
    assert report["payload_bits_total"] == 8 * messages
    assert report["per_inference"]["payload_bits_total"] == 8 * messages / len(spikes)
