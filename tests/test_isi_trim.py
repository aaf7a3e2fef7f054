"""Trimming ISI bins that hold only zero mantissas changes no spike, v or prediction."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from graph_factory import random_isi_graph

from pumice.convert.emulator import emulate
from pumice.convert.ir import FixedConv2d, FixedDense, ISIBinner
from pumice.convert.passes import PASSES


def zero_trailing_bins(graph, rng):
    """The graph with the last bins of every binned synapse zeroed (at least one kept)."""
    nodes = dict(graph.nodes)
    for src, dst in graph.edges:
        binner, synapse = nodes[src], nodes[dst]
        if not isinstance(binner, ISIBinner) or binner.num_bins < 2:
            continue
        keep = int(rng.integers(1, binner.num_bins))
        weight = synapse.weight.copy()
        split = weight.reshape(weight.shape[0], -1, binner.num_bins, *weight.shape[2:])
        split[:, :, keep:] = 0
        nodes[dst] = dataclasses.replace(synapse, weight=split.reshape(weight.shape))
    return dataclasses.replace(graph, nodes=nodes)


@pytest.mark.parametrize("seed", range(6))
def test_trimmed_graph_computes_the_same(seed):
    rng = np.random.default_rng(seed)
    graph = zero_trailing_bins(random_isi_graph(rng, bool(seed % 2), bool(seed % 3), 6), rng)
    result = PASSES["trim_isi_bins"]().apply(graph)
    trimmed, changed = result.graph, result.changed
    bins_before = [n.num_bins for n in graph.nodes.values() if isinstance(n, ISIBinner)]
    bins_after = [n.num_bins for n in trimmed.nodes.values() if isinstance(n, ISIBinner)]
    assert changed == (bins_after != bins_before)
    assert all(a <= b for a, b in zip(bins_after, bins_before, strict=True))
    shape = graph.nodes[graph.input].shape
    spikes = (rng.random((5, *shape, 20)) < 0.4).astype(np.uint8)
    before = emulate(graph, spikes, record_spikes=True, record_state=True)
    after = emulate(trimmed, spikes, record_spikes=True, record_state=True)
    for name in before.spikes:
        np.testing.assert_array_equal(after.spikes[name], before.spikes[name])
        np.testing.assert_array_equal(after.v[name], before.v[name])


def test_only_trailing_zero_bins_go():
    rng = np.random.default_rng(7)
    graph = random_isi_graph(rng, False, False, 4)
    binner_name, synapse_name = next(
        (s, d) for s, d in graph.edges if isinstance(graph.nodes[s], ISIBinner)
    )
    bins = graph.nodes[binner_name].num_bins
    synapse = graph.nodes[synapse_name]
    assert isinstance(synapse, FixedDense | FixedConv2d)
    weight = np.zeros_like(synapse.weight).reshape(synapse.weight.shape[0], -1, bins)
    weight[0, 0, 0] = 3  # only bin 1 is used
    nodes = dict(graph.nodes)
    nodes[synapse_name] = dataclasses.replace(synapse, weight=weight.reshape(synapse.weight.shape))
    result = PASSES["trim_isi_bins"]().apply(dataclasses.replace(graph, nodes=nodes))
    trimmed, changed = result.graph, result.changed
    assert changed == (bins > 1)
    assert trimmed.nodes[binner_name].num_bins == 1
    assert trimmed.nodes[synapse_name].weight.shape[1] == synapse.weight.shape[1] // bins
