"""Mapping respects every per-core limit of random profiles on random graphs (Hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from graph_factory import random_graph
from hypothesis import given, settings
from hypothesis import strategies as st
from mapping_reference import expected_usage, flat_index, profile, synapse_pairs

from pumice.convert.mapping import NeuronTooLargeError, map_graph


def check_refusal(graph, hw, error: NeuronTooLargeError) -> None:
    """The refused neuron really needs more than a core holds."""
    limit_field = {
        "input_axons": "input_axons_per_core",
        "output_axons": "output_axons_per_core",
        "synaptic_memory_bits": "synaptic_memory_bits_per_core",
    }[error.resource]
    assert error.limit == getattr(hw, limit_field) < error.value
    message = str(error)
    assert f"'{error.layer}'" in message and str(error.limit) in message
    assert str(error.value) in message and "\n" not in message
    pairs = synapse_pairs(graph)
    neuron = flat_index(graph.nodes[error.layer].shape, error.neuron)
    fan_in = sum(post == neuron for _, post in pairs[error.layer][1])
    if error.resource == "input_axons":
        assert error.value == fan_in
    elif error.resource == "synaptic_memory_bits":
        assert error.value == fan_in * 64  # one 64-bit word per single-synapse axon list
    else:  # one axon per destination range, each holding at least one of its targets
        fan_out = sum(
            pre == neuron
            for source, synapses in pairs.values()
            if source == error.layer
            for pre, _ in synapses
        )
        assert error.value <= fan_out


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    conv=st.booleans(),
    neurons=st.integers(1, 24),
    in_axons=st.none() | st.integers(1, 160),
    out_axons=st.none() | st.integers(1, 24),
    memory=st.none() | st.integers(64, 12000),
    cores_per_chip=st.integers(1, 6),
    mesh_cols=st.none() | st.integers(1, 6),
)
def test_mapping_respects_every_limit(
    seed, conv, neurons, in_axons, out_axons, memory, cores_per_chip, mesh_cols
):
    graph = random_graph(np.random.default_rng(seed), conv)
    mesh = {}
    if mesh_cols is not None:
        mesh = {"mesh_cols": mesh_cols, "mesh_rows": math.ceil(cores_per_chip / mesh_cols)}
    hw = profile(
        neurons_per_core=neurons,
        cores_per_chip=cores_per_chip,
        input_axons_per_core=in_axons,
        output_axons_per_core=out_axons,
        synaptic_memory_bits_per_core=memory,
        **mesh,
    )
    try:
        mapping = map_graph(graph, hw)
    except NeuronTooLargeError as error:
        check_refusal(graph, hw, error)
        return
    expected = expected_usage(graph, mapping, hw)
    limits = {
        "neurons": neurons,
        "input_axons": in_axons,
        "output_axons": out_axons,
        "memory": memory,
    }
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
        assert core.chip == core.core // cores_per_chip
        if mesh_cols is None:
            assert core.x is None and core.y is None
        else:
            assert core.y * mesh_cols + core.x == core.core % cores_per_chip
            assert 0 <= core.x < mesh_cols and 0 <= core.y < mesh["mesh_rows"]
    assert [c.core for c in mapping.cores] == list(range(len(mapping.cores)))
    assert map_graph(graph, hw).to_json() == mapping.to_json()  # deterministic
