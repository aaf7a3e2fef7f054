"""onnxruntime runs pumice's ONNX exports and gives the emulator's spikes, step for step.

Every kind an ONNX export can hold, float and fixed point, in its example graph and in
random fixed-point graphs (Lava's integer arithmetic as ONNX functions of standard
operators): the runtime knows nothing of ``ai.pumice`` and inlines the functions.
onnxruntime has no float64 convolution on the CPU, so float graphs with convolutions or
pools run with float32 weights.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import onnxruntime as ort
import pytest
from graph_factory import random_graph, random_recurrent_graph
from kind_examples import EXAMPLES

from pumice.convert.emulator import emulate
from pumice.convert.interchange import export_onnx, import_onnx
from pumice.convert.ir import NODE_KINDS, Graph

STEPS = 12
_NUMPY = {"tensor(int64)": np.int64, "tensor(float)": np.float32, "tensor(double)": np.float64}


def run_onnxruntime(path, spikes: np.ndarray) -> dict[str, np.ndarray]:
    """Each layer's output (samples, *shape, steps) from onnxruntime, for (samples, ...,
    steps) input spikes."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (data,) = session.get_inputs()
    x = np.moveaxis(spikes, -1, 0).astype(_NUMPY[data.type])
    outputs = session.run(None, {data.name: x})
    return {
        o.name: np.moveaxis(v, 0, -1) for o, v in zip(session.get_outputs(), outputs, strict=False)
    }


def _float32(graph: Graph) -> Graph:
    """The graph with float32 weights (onnxruntime's CPU convolutions are float32)."""
    nodes = {}
    for name, node in graph.nodes.items():
        weight = getattr(node, "weight", None)
        if node.domain == "float" and isinstance(weight, np.ndarray):
            node = dataclasses.replace(node, weight=weight.astype(np.float32))
        nodes[name] = node
    return dataclasses.replace(graph, nodes=nodes)


def _assert_runs_like_the_emulator(graph: Graph, path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = (rng.random((4, *graph.nodes[graph.input].shape, STEPS)) < 0.4).astype(np.uint8)
    export_onnx(graph, path)
    got = run_onnxruntime(path, x)
    want = emulate(graph, x, record_spikes=True, record_state=True)
    assert set(got) == {name for name, _ in graph.neurons()}
    for name, node in graph.neurons():
        expected = want.spikes[name] if node.traits.spiking else want.v[name]
        np.testing.assert_array_equal(got[name], expected, err_msg=name)


ONNX_KINDS = [kind for kind in NODE_KINDS.values() if "onnx" in kind.traits.formats]


@pytest.mark.parametrize("kind", ONNX_KINDS, ids=[k.__name__ for k in ONNX_KINDS])
def test_every_onnx_kind_runs_in_onnxruntime(tmp_path, kind):
    graph = EXAMPLES[kind]()
    if graph.domain() == "float" and any(
        n.traits.connectivity in ("conv", "pool") for n in graph.nodes.values()
    ):
        graph = _float32(graph)
    _assert_runs_like_the_emulator(graph, tmp_path / "model.onnx", seed=1)


@pytest.mark.parametrize("seed", range(8))
def test_random_fixed_point_graphs_run_bit_exactly(tmp_path, seed):
    rng = np.random.default_rng(seed)
    make = random_recurrent_graph if seed % 4 == 3 else random_graph
    graph = make(rng, conv=seed % 2 == 1)
    _assert_runs_like_the_emulator(graph, tmp_path / "model.onnx", seed)
    back = import_onnx(tmp_path / "model.onnx")
    assert list(back.nodes) == list(graph.nodes)


def test_spiking_layers_spike_so_the_comparison_means_something(tmp_path):
    rng = np.random.default_rng(7)  # a graph whose every layer spikes (test_traffic_counts)
    graph = random_graph(rng, conv=True)
    x = (rng.random((4, *graph.nodes[graph.input].shape, STEPS)) < 0.4).astype(np.uint8)
    got = run_onnxruntime(export_onnx(graph, tmp_path / "m.onnx"), x)
    assert sum(int(train.sum()) for train in got.values()) > 0
