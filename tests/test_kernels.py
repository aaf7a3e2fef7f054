"""The compiled kernels compute what the numpy reference semantics compute, bit for bit.

Every kind with a kernel runs on random inputs through both engines of the emulator; the
neuron kernels also on synaptic inputs far outside the 24-bit ranges, where Lava's int32
wraps. A kind without a kernel runs its numpy semantics. (The Lava side: every bit-exact
test compares kernels, numpy and Lava; see ``bit_exact.py``.)
"""

from __future__ import annotations

import numpy as np
import pytest
from graph_factory import (
    random_graph,
    random_isi_graph,
    random_pooled_graph,
    random_recurrent_graph,
)
from kernel_spy import kernel_spy, nodes_without_kernel_run
from kind_examples import EXAMPLES, example_node

from pumice.convert import lava_arithmetic as la
from pumice.convert.emulator import emulate, emulate_batches, join_results
from pumice.convert.ir import FixedCubaLIF, FixedDense, Graph, Input
from pumice.convert.kernels import KERNELS
from pumice.convert.kernels.neuron_run import Outputs
from pumice.convert.kernels.trains import Current
from pumice.convert.kernels.weights import weight_table
from pumice.convert.passes import PASSES
from pumice.convert.semantics import SEMANTICS


def _fixed_example(kind) -> Graph:
    graph = EXAMPLES[kind]()
    if graph.domain() == "float":
        graph = PASSES["quantize"]().apply(graph).graph
    return graph


def _assert_same(graph: Graph, spikes: np.ndarray) -> None:
    with kernel_spy() as calls:
        compiled = emulate(graph, spikes, record_spikes=True, record_state=True)
    assert nodes_without_kernel_run(graph, calls) == []
    reference = emulate(graph, spikes, record_spikes=True, record_state=True, engine="numpy")
    for name, _ in graph.neurons():
        for field in ("counts", "spikes", "u", "v"):
            np.testing.assert_array_equal(
                getattr(compiled, field)[name], getattr(reference, field)[name], err_msg=name
            )
    for name, potential in (reference.potentials or {}).items():
        np.testing.assert_array_equal(compiled.potentials[name], potential, err_msg=name)


@pytest.mark.parametrize("kind", list(KERNELS), ids=[k.__name__ for k in KERNELS])
def test_every_kind_with_a_kernel_agrees_with_its_numpy_semantics(kind):
    graph = _fixed_example(kind)
    assert any(type(node) is kind for node in graph.nodes.values())
    shape = graph.nodes[graph.input].shape
    rng = np.random.default_rng(5)
    for density in (0.05, 0.5, 0.95):  # sparse, mixed, mostly-spiking steps
        _assert_same(graph, (rng.random((3, *shape, 12)) < density).astype(np.uint8))


NEURON_KINDS = [kind for kind in KERNELS if kind.traits.role == "neuron"]


@pytest.mark.parametrize("kind", NEURON_KINDS, ids=[k.__name__ for k in NEURON_KINDS])
@pytest.mark.parametrize("magnitude", [1 << 10, 1 << 20, 1 << 31])
def test_neuron_kernels_wrap_like_lava_int32(kind, magnitude):
    """Synaptic inputs up to Lava's int32 limits: ``u`` leaves 24 bits and int32 wraps."""
    graph = _fixed_example(kind)
    node = graph.nodes[example_node(graph, kind)]
    rng = np.random.default_rng(magnitude % 97)
    current = rng.integers(-magnitude, magnitude, size=(3, *node.shape, 16))
    current = np.clip(current, -(1 << 31), (1 << 31) - 1)
    current[..., 0] = 0  # Lava's buffer: nothing arrives at step 0
    outputs = Outputs(window=(1, 16), trains=True, state=True, potentials=True)
    run = KERNELS[kind](node, Current.from_ir(current), outputs)
    fired, u, v = SEMANTICS[kind](node, current, True)
    np.testing.assert_array_equal(run.trains.ir(), fired)
    np.testing.assert_array_equal(run.u, u)
    np.testing.assert_array_equal(run.v, v)
    np.testing.assert_array_equal(run.counts, fired[..., 1:16].sum(axis=-1))
    np.testing.assert_array_equal(run.potentials, v[..., 15])
    if magnitude == 1 << 31:
        assert np.abs(u).max() > 1 << 24  # the regime where int32 matters was reached


@pytest.mark.parametrize(
    ("weights", "table_type", "accumulator_type"),
    [
        ("mixed", np.int8, np.int16),  # mixed signs drop one bit: even weights, halved
        ("excitatory", np.int16, np.int32),  # 300 inputs of up to 255: sums beyond int16
    ],
)
def test_dense_kernel_with_each_table_and_accumulator(weights, table_type, accumulator_type):
    rng = np.random.default_rng(3)
    weight = rng.integers(-256, 256, size=(7, 300))
    if weights == "excitatory":
        weight = np.abs(weight)
    synapse = FixedDense(weight, weight_exp=-2)
    effective = la.effective_dense_weights(weight, 8)
    table = weight_table(effective, (1,), int(np.abs(effective).sum(axis=1).max()))
    assert table.rows.dtype == table_type and table.accumulator.dtype == accumulator_type
    graph = Graph.chain(
        [
            ("input", Input((300,))),
            ("synapse", synapse),
            ("neuron", FixedCubaLIF((7,), du=300, dv=200, vth=2000, bias_mant=np.zeros(7))),
        ]
    )
    for density in (0.1, 0.8):
        _assert_same(graph, (rng.random((2, 300, 10)) < density).astype(np.uint8))


def test_dense_kernel_counts_each_input_from_its_usual_state():
    """Inputs of every habit in one sample, on both layouts (the input's neuron-major
    trains, a hidden layer's time-major ones): always silent, always spiking, rarely or
    often different from their usual state, in a layer wide enough for rows and in one
    narrow enough for dot products."""
    rng = np.random.default_rng(11)
    steps = 41
    rates = np.repeat([0.0, 1.0, 0.02, 0.98, 0.3, 0.7], 8)
    spikes = (rng.random((3, rates.size, steps)) < rates[:, None]).astype(np.uint8)
    lif = dict(du=300, dv=200, bias_mant=np.zeros(1))
    graph = Graph.chain(
        [
            ("input", Input((rates.size,))),
            ("wide_synapse", FixedDense(rng.integers(-128, 128, (40, rates.size)))),
            ("wide", FixedCubaLIF((40,), vth=300, **lif)),
            ("narrow_synapse", FixedDense(rng.integers(-128, 128, (5, 40)))),
            ("narrow", FixedCubaLIF((5,), vth=600, **lif)),
            ("last_synapse", FixedDense(rng.integers(-128, 128, (40, 5)))),
            ("last", FixedCubaLIF((40,), vth=100, **lif)),
        ]
    )
    run = emulate(graph, spikes, record_spikes=True, engine="numpy")
    for name in ("wide", "narrow"):  # the hidden layers feed both kinds of habits
        rate = run.spikes[name].mean(axis=(0, 2))
        assert rate.min() < 0.1 and rate.max() > 0.5, name
    _assert_same(graph, spikes)


def test_a_kind_without_a_kernel_runs_its_numpy_semantics(monkeypatch):
    rng = np.random.default_rng(8)
    graph = random_graph(rng, conv=True)
    spikes = (rng.random((3, *graph.nodes[graph.input].shape, 10)) < 0.5).astype(np.uint8)
    expected = emulate(graph, spikes, record_state=True, engine="numpy")
    without = {kind: fn for kind, fn in KERNELS.items() if kind is not FixedDense}
    monkeypatch.setattr("pumice.convert.emulator.KERNELS", without)
    with kernel_spy() as calls:
        run = emulate(graph, spikes, record_state=True)
    assert calls == []  # the spy wraps the registry's table, which this run no longer reads
    for name, _ in graph.neurons():
        np.testing.assert_array_equal(run.v[name], expected.v[name])
    monkeypatch.undo()
    with kernel_spy() as calls:
        emulate(graph, spikes)
    ran = {type(node) for node, accepted in calls if accepted}
    assert FixedDense in ran


def test_graded_input_runs_the_numpy_semantics():
    """The kernels take 0/1 spikes; any other input runs the reference semantics."""
    graph = _fixed_example(FixedDense)
    spikes = np.random.default_rng(0).integers(0, 3, size=(2, *graph.nodes["input"].shape, 8))
    with kernel_spy() as calls:
        run = emulate(graph, spikes, record_state=True)
    assert calls == []
    reference = emulate(graph, spikes, record_state=True, engine="numpy")
    np.testing.assert_array_equal(run.v["neuron"], reference.v["neuron"])


def test_batches_streamed_equal_one_run():
    rng = np.random.default_rng(4)
    graph = random_recurrent_graph(rng, conv=False)
    spikes = (rng.random((7, *graph.nodes[graph.input].shape, 9)) < 0.4).astype(np.uint8)
    whole = emulate(graph, spikes, record_spikes=True)
    batches = (spikes[i : i + 3] for i in range(0, 7, 3))
    parts = list(emulate_batches(graph, batches, record_spikes=True))
    assert len(parts) == 3
    joined = join_results(parts)
    for name in whole.counts:
        np.testing.assert_array_equal(joined.counts[name], whole.counts[name])
        np.testing.assert_array_equal(joined.spikes[name], whole.spikes[name])


def test_the_lava_fuzz_graphs_hold_every_kind_with_a_kernel():
    """The bit-exact fuzz (kernels, numpy and Lava) meets every kind that has a kernel."""
    graphs = [random_graph(np.random.default_rng(s), conv=s % 2 == 0) for s in range(4)]
    graphs += [random_recurrent_graph(np.random.default_rng(s), conv=True) for s in range(4)]
    graphs += [
        random_isi_graph(np.random.default_rng(s), conv=True, potential_output=True, max_isi=4)
        for s in range(2)
    ]
    graphs += [random_pooled_graph(np.random.default_rng(s)) for s in range(4)]
    kinds = {type(node) for graph in graphs for node in graph.nodes.values()}
    assert set(KERNELS) <= kinds
    pooled = [
        node
        for graph in graphs
        for node in graph.nodes.values()
        if node.traits.connectivity == "conv" and node.groups > 1
    ]
    assert pooled  # sum pooling, a grouped conv


def test_graded_spikes_of_a_kind_without_a_kernel_reach_numpy_semantics(monkeypatch):
    """A neuron kind without a kernel whose spikes are graded (values above 1): the synapse
    after it runs its numpy semantics, which weigh each spike by its value."""

    def spikes_for(graph):
        shape = graph.nodes[graph.input].shape
        return (np.random.default_rng(4).random((3, *shape, 10)) < 0.6).astype(np.uint8)

    def first_layer_spikes(graph):
        first = next(name for name, _ in graph.neurons())
        return emulate(graph, spikes_for(graph), engine="numpy").counts[first].sum() > 0

    graphs = (random_graph(np.random.default_rng(seed), conv=False) for seed in range(50))
    graph = next(g for g in graphs if len(list(g.neurons())) >= 2 and first_layer_spikes(g))
    kind = type(graph.nodes[next(name for name, _ in graph.neurons())])
    plain = SEMANTICS[kind]

    def graded(node, a, record_state):
        fired, u, v = plain(node, a, record_state)
        return fired * np.uint8(3), u, v

    monkeypatch.setitem(SEMANTICS, kind, graded)
    without = {k: fn for k, fn in KERNELS.items() if k is not kind}
    monkeypatch.setattr("pumice.convert.emulator.KERNELS", without)
    run = emulate(graph, spikes_for(graph), record_state=True)
    reference = emulate(graph, spikes_for(graph), record_state=True, engine="numpy")
    for name, _ in graph.neurons():
        np.testing.assert_array_equal(run.v[name], reference.v[name], err_msg=name)
