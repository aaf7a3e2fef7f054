"""Traffic of graded spikes: each counts once as a spike and a message, and every message
also carries its source's payload bits."""

from __future__ import annotations

import numpy as np
import pytest
from ttfs_factory import fixed_ttfs_graph, graded_frames

from pumice.convert.emulator import emulate
from pumice.convert.hardware import check_graph, load_profile
from pumice.convert.mapping import MappingError, layer_synapses, map_graph
from pumice.convert.traffic import traffic_report


def test_graded_spikes_count_once_and_carry_their_payload_bits():
    graph = fixed_ttfs_graph(np.random.default_rng(5), conv=True)
    profile = load_profile("loihi2")
    mapping = map_graph(graph, profile)
    assert len(mapping.cores) == 1  # every message goes to the one core
    frames = graded_frames(np.random.default_rng(6), graph, 4)
    trains = {graph.input: frames, **emulate(graph, frames, record_spikes=True).spikes}
    report = traffic_report(graph, mapping, trains, profile)
    layers = [name for name, _ in graph.neurons()]
    assert report["spikes_total"] == sum(int(np.count_nonzero(trains[n])) for n in layers)
    assert report["input_spikes_total"] == int(np.count_nonzero(frames))
    expected_bits = expected_messages = 0
    for synapses in layer_synapses(graph):
        source = trains[synapses.source].reshape(len(frames), -1, frames.shape[-1])
        spikes = np.count_nonzero(source, axis=(0, 2))  # per presynaptic neuron
        sent = int(spikes[np.unique(synapses.pre)].sum())
        expected_messages += sent
        expected_bits += sent * graph.nodes[synapses.source].payload_bits
    assert report["messages_total"] == expected_messages
    assert report["payload_bits_total"] == expected_bits > 0
    binary = {name: (train != 0).astype(np.uint8) for name, train in trains.items()}
    as_binary = traffic_report(graph, mapping, binary, profile)
    for key in (
        "spikes_total",
        "messages_total",
        "synaptic_ops_total",
        "neuron_updates_active_total",
    ):
        assert as_binary[key] == report[key]


def test_loihi1_refuses_ttfs_graded_spikes_in_map_and_design_rules():
    """Loihi 1's spikes are bare events: a TTFS layer's (and a graded input's) payloads
    cannot travel there, whatever kind sends them."""
    graph = fixed_ttfs_graph(np.random.default_rng(5), conv=False)
    with pytest.raises(MappingError, match="8-bit graded spikes from 'input'.*binary spikes only"):
        map_graph(graph, load_profile("loihi1"))
    drc = check_graph(graph, load_profile("loihi1"))
    refused = {v.layer for v in drc.violations if v.rule == "spike_payload"}
    senders = {name for name, node in graph.nodes.items() if node.traits.graded}
    assert refused == senders and "encode" in senders and "input" in senders
    assert not check_graph(graph, load_profile("loihi2")).violations
    assert map_graph(graph, load_profile("loihi2")).cores
