"""Recurrent layers on cores: mapping limits, traffic counts and design rules count their
own synapses (a layer's neurons are its own input axons, its spikes messages to itself)."""

from __future__ import annotations

import dataclasses

import numpy as np
from graph_factory import random_recurrent_graph
from hypothesis import given, settings
from hypothesis import strategies as st
from mapping_reference import expected_usage, profile

from pumice.convert.emulator import emulate
from pumice.convert.hardware import check_graph
from pumice.convert.ir import FixedCubaLIF, FixedDense, FixedRecurrentCubaLIF, Graph, Input
from pumice.convert.mapping import NeuronTooLargeError, map_graph
from pumice.convert.traffic import traffic_report


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    conv=st.booleans(),
    neurons=st.integers(1, 12),
    in_axons=st.none() | st.integers(1, 160),
    out_axons=st.none() | st.integers(2, 24),
    memory=st.none() | st.integers(64, 12000),
)
def test_mapping_counts_recurrent_synapses_exactly_and_within_limits(
    seed, conv, neurons, in_axons, out_axons, memory
):
    graph = random_recurrent_graph(np.random.default_rng(seed), conv)
    hw = profile(
        neurons_per_core=neurons,
        cores_per_chip=4,
        input_axons_per_core=in_axons,
        output_axons_per_core=out_axons,
        synaptic_memory_bits_per_core=memory,
    )
    try:
        mapping = map_graph(graph, hw)
    except NeuronTooLargeError as error:
        assert f"'{error.layer}'" in str(error) and error.value > error.limit
        return
    expected = expected_usage(graph, mapping, hw)
    limits = {"neurons": neurons, "input_axons": in_axons, "output_axons": out_axons}
    limits["memory"] = memory
    for core in mapping.cores:
        got = {
            "neurons": core.neurons,
            "input_axons": core.input_axons,
            "output_axons": core.output_axons,
            "memory": core.synaptic_memory_bits,
        }
        assert got == expected[core.core]
        for resource, limit in limits.items():
            assert limit is None or got[resource] <= limit, (resource, core)


def _recurrent_chain(n_in: int, n: int, recurrent: np.ndarray) -> Graph:
    lif = FixedRecurrentCubaLIF(
        shape=(n,), du=0, dv=0, vth=10, bias_mant=np.zeros(n, int), recurrent_weight=recurrent
    )
    return Graph.chain(
        [("input", Input((n_in,))), ("syn", FixedDense(np.ones((n, n_in), int))), ("rec", lif)]
    )


def test_recurrent_layer_is_its_own_input_and_output():
    # 4 neurons on 2-neuron cores; each neuron excites the next one (a ring).
    ring = np.roll(np.eye(4, dtype=int), 1, axis=0) * 64
    mapping = map_graph(_recurrent_chain(3, 4, ring), profile(neurons_per_core=2, cores_per_chip=4))
    assert [[str(s) for s in c.segments] for c in mapping.cores] == [["rec[0:2]"], ["rec[2:4]"]]
    # per core: 3 input axons + the 2 ring neurons that reach it (one from the other core);
    # output axons: one per neuron (its ring target's range)
    assert [(c.input_axons, c.output_axons) for c in mapping.cores] == [(5, 2), (5, 2)]


def test_traffic_counts_recurrent_messages_and_synaptic_ops():
    ring = np.roll(np.eye(4, dtype=int), 1, axis=0) * 64
    graph = _recurrent_chain(3, 4, ring)
    hw = profile(neurons_per_core=2, cores_per_chip=4)
    mapping = map_graph(graph, hw)
    x = np.zeros((1, 3, 6), np.uint8)
    x[0, :, 0] = 1  # every neuron gets 3 * 64 at step 1 and fires
    run = emulate(graph, x, record_spikes=True)
    spikes = run.spikes["rec"]
    report = traffic_report(graph, mapping, {"input": x, "rec": spikes}, hw)
    fired = int(spikes.sum())
    assert fired > 0
    # each spike: one recurrent synaptic op and one message to its ring target's core
    assert report["synaptic_ops_total"] == 3 * 4 * 1 + fired
    assert report["messages_total"] == 3 * 2 + fired  # each input spike reaches both cores
    assert report["spikes_total"] == fired
    s = spikes[0]
    event = np.zeros((4, 6), bool)
    event[:, 1:] |= x[0].any(axis=0)[None, :-1]
    for post in range(4):
        event[post, 1:] |= s[(post - 1) % 4, :-1] > 0  # its ring source spiked a step before
    assert report["neuron_updates_active_total"] == int((event | (s > 0)).sum())
    dropped = dataclasses.replace(
        graph,
        nodes={
            **graph.nodes,
            "rec": dataclasses.replace(graph.nodes["rec"], recurrent_weight=0 * ring),
        },
    )
    quiet = traffic_report(dropped, map_graph(dropped, hw), {"input": x, "rec": spikes}, hw)
    assert quiet["synaptic_ops_total"] == 3 * 4 and quiet["messages_total"] == 3 * 2


def test_design_rules_check_recurrent_weights_and_fan_in():
    recurrent = np.full((4, 4), 3)
    graph = _recurrent_chain(3, 4, recurrent)
    rec = dataclasses.replace(graph.nodes["rec"], recurrent_weight_exp=9)
    graph = dataclasses.replace(graph, nodes={**graph.nodes, "rec": rec})
    hw = profile(
        neurons_per_core=8,
        cores_per_chip=4,
        input_axons_per_core=6,
        weight_exp_min=-8,
        weight_exp_max=7,
    )
    found = {(v.layer, v.rule): v for v in check_graph(graph, hw).violations}
    assert set(found) == {("rec.recurrent", "weight_exp"), ("rec", "fan_in")}
    assert found[("rec.recurrent", "weight_exp")].actual == 9
    # 3 feed-forward inputs + 4 recurrent ones per neuron, more than 6 input axons
    assert found[("rec", "fan_in")].actual == 7
    plain = FixedCubaLIF(shape=(4,), du=0, dv=0, vth=10, bias_mant=np.zeros(4, int))
    feed_forward = dataclasses.replace(graph, nodes={**graph.nodes, "rec": plain})
    assert not check_graph(feed_forward, hw).violations
