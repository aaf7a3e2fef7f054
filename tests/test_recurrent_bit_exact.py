"""Recurrent layers, emulator vs Lava fixed_pt: identical spikes, u and v, every layer and step."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from bit_exact import assert_lava_matches_emulator
from graph_factory import random_recurrent_graph

from pumice.convert import lava_arithmetic as la
from pumice.convert.emulator import emulate
from pumice.convert.ir import FixedDense, FixedRecurrentShiftLIF, FixedShiftLIF, Graph, Input

pytestmark = pytest.mark.lava

#: Graphs (even seeds: a Conv front end, whose layer may be recurrent) in which zeroing
#: the recurrent weights changes the spikes; together they hold every variant.
SEEDS = (0, 2, 6, 10, 12, 13, 29, 39)
#: More graphs, any, for the slow run.
MORE_SEEDS = range(40, 80)


def _inputs(rng: np.random.Generator, graph) -> np.ndarray:
    in_shape = graph.nodes[graph.input].shape
    samples, steps = 2, int(rng.integers(8, 16))
    return (rng.random((samples, *in_shape, steps)) < rng.uniform(0.2, 0.8)).astype(np.uint8)


@pytest.mark.parametrize(
    "seed", [*SEEDS, *(pytest.param(seed, marks=pytest.mark.slow) for seed in MORE_SEEDS)]
)
def test_random_recurrent_graph_bit_exact(seed):

    rng = np.random.default_rng(seed)
    graph = random_recurrent_graph(rng, conv=seed % 2 == 0)
    spikes = _inputs(rng, graph)

    expected, actual = assert_lava_matches_emulator(graph, spikes)


def _without_recurrence(graph):
    nodes = {
        name: dataclasses.replace(node, recurrent_weight=0 * node.recurrent_weight)
        if node.traits.recurrent
        else node
        for name, node in graph.nodes.items()
    }
    return dataclasses.replace(graph, nodes=nodes)


def test_fuzz_graphs_cover_every_variant_and_recurrence_matters():
    """Shift and multiplier leaks, dense and sparse recurrent weights, every sign mode, a
    recurrent conv map; in every graph zeroing the recurrent weights changes the spikes."""
    seen = set()
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        graph = random_recurrent_graph(rng, conv=seed % 2 == 0)
        for node in graph.nodes.values():
            if not node.traits.recurrent:
                continue
            seen.add("shift" if isinstance(node, FixedRecurrentShiftLIF) else "multiply")
            seen.add("sparse" if node.sparse else "dense")
            seen.add(la.sign_mode(node.recurrent_weight))
            seen.add("map" if len(node.shape) == 3 else "vector")
            if isinstance(node, FixedShiftLIF) and np.unique(node.shift_v).size > 1:
                seen.add("per-neuron shifts")
        spikes = _inputs(rng, graph)
        with_rec = emulate(graph, spikes, record_spikes=True).spikes
        without = emulate(_without_recurrence(graph), spikes, record_spikes=True).spikes
        assert any(not np.array_equal(with_rec[n], without[n]) for n in with_rec), seed
    assert seen >= {
        "shift", "multiply", "sparse", "dense", "mixed", "excitatory", "inhibitory",
        "map", "vector", "per-neuron shifts",
    }  # fmt: skip


def test_pruned_recurrent_synapses_are_absent_from_lavas_sparse_matrix():
    from pumice.deploy.lava_network import build_lava_network

    weight = np.arange(1, 26).reshape(5, 5)
    weight[::2, 1::2] = 0  # pruned synapses
    neuron = FixedRecurrentShiftLIF(
        shape=(5,),
        shift_u=np.zeros(5, int),
        shift_v=np.array([1, 2, 3, 4, 24]),
        vth=10,
        bias_mant=np.zeros(5, int),
        recurrent_weight=weight,
        sparse=True,
    )
    graph = Graph.chain(
        [("input", Input((3,))), ("syn", FixedDense(np.ones((5, 3), int))), ("rec", neuron)]
    )
    process = build_lava_network(graph, np.zeros((1, 3, 4), np.uint8)).synapses["rec.recurrent"]
    assert type(process).__name__ == "Sparse"
    matrix = process.weights.init
    assert matrix.nnz == np.count_nonzero(weight)
    present = np.zeros(weight.shape, bool)
    present[matrix.nonzero()] = True
    np.testing.assert_array_equal(present, weight != 0)
    np.testing.assert_array_equal(matrix.toarray(), weight)
