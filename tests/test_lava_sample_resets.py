"""Samples reset inside one uninterrupted Lava run (netx's staggered ``LIFReset``) give the
emulator's results: spikes, u and v of every layer and step, and counts over windows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from graph_factory import random_graph, random_isi_graph, random_pooled_graph

from pumice.convert.emulator import emulate
from pumice.convert.ir.windows import layer_windows, pad_for_lag
from pumice.deploy import lava_run
from pumice.deploy.lava_run import run_on_lava
from pumice.deploy.sample_resets import sample_resets

pytestmark = pytest.mark.lava


def _without_deep_biases(graph):
    """``graph`` with the bias of every neuron layer but the first set to 0."""
    nodes, first = {}, True
    for name, node in graph.nodes.items():
        if node.is_neuron:
            if not first:
                node = dataclasses.replace(node, bias_mant=0 * np.asarray(node.bias_mant))
            first = False
        nodes[name] = node
    return dataclasses.replace(graph, nodes=nodes)


def _graph(seed: int):
    rng = np.random.default_rng(seed)
    makers = (
        lambda: random_graph(rng, conv=True),
        lambda: random_graph(rng, conv=False),
        lambda: random_isi_graph(rng, conv=seed % 2 == 0, potential_output=True, max_isi=5),
        lambda: random_pooled_graph(rng),
    )
    return _without_deep_biases(makers[seed % 4]()), rng


@pytest.mark.parametrize(
    "seed", [*range(8), *(pytest.param(s, marks=pytest.mark.slow) for s in range(8, 24))]
)
def test_resets_inside_lava_equal_the_emulator(seed, monkeypatch):
    graph, rng = _graph(seed)
    shape = graph.nodes[graph.input].shape
    steps = int(rng.integers(6, 12))
    spikes = (rng.random((3, *shape, steps)) < rng.uniform(0.2, 0.8)).astype(np.uint8)
    padded, windows = pad_for_lag(spikes), layer_windows(graph, steps)
    assert sample_resets(graph, padded) is not None

    def no_var_set(net):
        raise AssertionError("samples were reset with Var.set")

    monkeypatch.setattr(lava_run, "_reset", no_var_set)
    expected = emulate(graph, padded, record_spikes=True, record_state=True)
    actual = run_on_lava(graph, padded, record_spikes=True, record_state=True)
    for name, _ in graph.neurons():
        np.testing.assert_array_equal(actual.spikes[name], expected.spikes[name], err_msg=name)
        np.testing.assert_array_equal(actual.u[name], expected.u[name], err_msg=f"{name} u")
        np.testing.assert_array_equal(actual.v[name], expected.v[name], err_msg=f"{name} v")
    counted = run_on_lava(graph, padded, windows=windows)
    emulated = emulate(graph, padded, windows=windows)
    for name, counts in emulated.counts.items():
        np.testing.assert_array_equal(counted.counts[name], counts, err_msg=name)
    for name, potential in (emulated.potentials or {}).items():
        np.testing.assert_array_equal(counted.potentials[name], potential, err_msg=name)


def test_graphs_that_cannot_reset_inside_lava_are_refused():
    graph, rng = _graph(1)
    spikes = pad_for_lag(rng.random((2, *graph.nodes[graph.input].shape, 5)) < 0.5)
    assert sample_resets(graph, spikes) is not None
    assert sample_resets(graph, np.ones_like(spikes)) is None  # last step not silent
    names = [name for name, _ in graph.neurons()]
    biased = dataclasses.replace(
        graph,
        nodes={
            **graph.nodes,
            names[-1]: dataclasses.replace(
                graph.nodes[names[-1]], bias_mant=np.ones_like(graph.nodes[names[-1]].bias_mant)
            ),
        },
    )
    assert sample_resets(biased, spikes) is None  # a deeper layer would move before its input
