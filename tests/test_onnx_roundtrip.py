"""export_onnx / import_onnx: exact round trips, standard ops a plain ONNX tool runs."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from graph_factory import random_graph
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from pumice.convert.emulator import emulate
from pumice.convert.interchange import export_onnx, import_onnx
from pumice.convert.ir import (
    IR_VERSION,
    Conv2d,
    CubaLIF,
    Dense,
    FixedCubaLIF,
    FixedDense,
    Flatten,
    Graph,
    Input,
    SumPool2d,
)
from pumice.convert.passes.quantize import QuantizeToLoihi
from pumice.convert.semantics import SEMANTICS

STEPS = 20


def _float_graph(seed: int, dtype=np.float64) -> Graph:
    """Conv (padded, strided, grouped), sum pool, flatten and dense, scaled to spike."""
    rng = np.random.default_rng(seed)
    return Graph.chain(
        [
            ("input", Input((2, 7, 7))),
            (
                "conv1_synapse",
                Conv2d(
                    rng.normal(0.4, 0.8, (4, 1, 3, 3)).astype(dtype),
                    stride=(1, 2),
                    padding=(1, 2),
                    dilation=(1, 1),
                    groups=2,
                ),
            ),
            (
                "conv1",
                CubaLIF((4, 7, 5), 1.25, 0.25, 0.03, np.array([0.1, -0.2, 0, 0.3])[:, None, None]),
            ),
            ("pool1_synapse", SumPool2d((2, 2), (2, 2), padding=(1, 0), weight=1.1)),
            ("pool1", CubaLIF((4, 4, 2), 1.0, 0.1, 1 / 3, np.zeros(1))),
            ("flatten1", Flatten()),
            ("dense1_synapse", Dense(rng.normal(0.2, 0.8, (5, 32)).astype(dtype))),
            ("dense1", CubaLIF((5,), 1.0, 0.5, 0.1, rng.normal(0, 0.2, 5))),
        ],
        metadata={"steps": STEPS, "dataset": "toy", "scale": [1, 2.5]},
    )


def _spikes(seed: int, shape: tuple[int, ...], samples: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((samples, *shape, STEPS)) < 0.5).astype(np.uint8)


def assert_same_graph(actual: Graph, expected: Graph) -> None:
    """Same nodes in order, same kinds, every field equal: arrays bit for bit, same dtype."""
    assert list(actual.nodes) == list(expected.nodes)
    assert actual.edges == expected.edges
    assert (actual.input, actual.output) == (expected.input, expected.output)
    assert actual.metadata == expected.metadata
    for name, node in expected.nodes.items():
        other = actual.nodes[name]
        assert type(other) is type(node), name
        for key, value in vars(node).items():
            got = getattr(other, key)
            if isinstance(value, np.ndarray):
                assert (got.dtype, got.shape) == (value.dtype, value.shape), f"{name}.{key}"
                assert got.tobytes() == value.tobytes(), f"{name}.{key}"
            else:
                assert type(got) is type(value) and got == value, f"{name}.{key}: {got!r}"


def _round_trip(graph: Graph, path) -> Graph:
    export_onnx(graph, path)
    onnx.checker.check_model(str(path), full_check=True)
    return import_onnx(path)


@pytest.mark.parametrize("seed", range(6))
def test_fixed_graph_round_trip_is_exact(tmp_path, seed):
    graph = random_graph(np.random.default_rng(seed), conv=seed % 2 == 0)
    graph.metadata = {"seed": seed}
    assert_same_graph(_round_trip(graph, tmp_path / "fixed.onnx"), graph)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float_graph_round_trip_is_exact(tmp_path, dtype):
    graph = _float_graph(0, dtype)
    assert_same_graph(_round_trip(graph, tmp_path / "float.onnx"), graph)


def test_float_graph_emulates_the_same_after_round_trip(tmp_path):
    graph = _float_graph(1)
    imported = _round_trip(graph, tmp_path / "float.onnx")
    spikes = _spikes(2, (2, 7, 7))
    expected, actual = emulate(graph, spikes).counts, emulate(imported, spikes).counts
    assert list(actual) == ["conv1", "pool1", "dense1"]
    for name, counts in expected.items():
        np.testing.assert_array_equal(actual[name], counts)
        assert counts.sum() > 0, name


def test_quantized_graph_emulates_the_same_after_round_trip(tmp_path):
    fixed = QuantizeToLoihi().apply(_float_graph(3)).graph
    imported = _round_trip(fixed, tmp_path / "fixed.onnx")
    assert_same_graph(imported, fixed)
    spikes = _spikes(4, (2, 7, 7))
    expected, actual = emulate(fixed, spikes).counts, emulate(imported, spikes).counts
    assert expected.keys() == actual.keys()
    for name, counts in expected.items():
        np.testing.assert_array_equal(actual[name], counts)
    assert expected["dense1"].sum() > 0


def _body(model: onnx.ModelProto) -> onnx.GraphProto:
    (scan,) = [node for node in model.graph.node if node.op_type == "Scan"]
    return helper.get_attribute_value(scan.attribute[0])


def test_float_synapses_are_standard_ops_a_reference_runtime_computes(tmp_path):
    graph = _float_graph(5)
    model = onnx.load(export_onnx(graph, tmp_path / "float.onnx"))
    body = _body(model)
    ops = {node.name: (node.domain, node.op_type) for node in body.node}
    assert ops == {
        "conv1_synapse": ("", "Conv"),
        "conv1": ("ai.pumice", "CubaLIF"),
        "pool1_synapse": ("", "Conv"),
        "pool1": ("ai.pumice", "CubaLIF"),
        "flatten1": ("", "Flatten"),
        "dense1_synapse": ("", "Gemm"),
        "dense1": ("ai.pumice", "CubaLIF"),
    }
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    shapes = graph.shapes()
    rng = np.random.default_rng(6)
    for onnx_node in body.node:
        node = graph.nodes[onnx_node.name]
        if onnx_node.domain or isinstance(node, Flatten):
            continue
        x = rng.random((2, *shapes[graph.predecessor(onnx_node.name)]))
        feeds = {onnx_node.input[0]: x, **{k: weights[k] for k in onnx_node.input[1:]}}
        (got,) = ReferenceEvaluator(onnx_node).run(None, feeds)
        want = SEMANTICS[type(node)](node, x[..., None])[..., 0]
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=onnx_node.name)


def test_model_records_ir_version_metadata_and_opsets(tmp_path):
    graph = _float_graph(0)
    model = onnx.load(export_onnx(graph, tmp_path / "float.onnx"))
    props = {entry.key: entry.value for entry in model.metadata_props}
    assert props["pumice.ir_version"] == str(IR_VERSION)
    assert json.loads(props["pumice.metadata"]) == graph.metadata
    assert {o.domain: o.version for o in model.opset_import} == {"": 21, "ai.pumice": 2}
    assert props["pumice.output"] == graph.output
    assert {f.name for f in model.functions} == {"CubaLIF"}
    pool = next(n for n in _body(model).node if n.name == "pool1_synapse")
    assert [(e.key, e.value) for e in pool.metadata_props] == [("pumice.kind", "SumPool2d")]


def test_fixed_tensors_are_integers_with_quantisation_annotations(tmp_path):
    weight = np.array([[-3, 5, 0], [7, -128, 2]])
    graph = Graph.chain(
        [
            ("input", Input((3,))),
            ("fc", FixedDense(weight, weight_exp=-2, num_weight_bits=6)),
            (
                "lif",
                FixedCubaLIF(
                    (2,), du=100, dv=4095, vth=80, bias_mant=np.array([-9, 15]), bias_exp=6
                ),
            ),
        ]
    )
    model = onnx.load(export_onnx(graph, tmp_path / "fixed.onnx"))
    types = {t.name: t.data_type for t in model.graph.initializer}
    assert types == {"fc.weight": TensorProto.INT64, "lif.bias_mant": TensorProto.INT64}
    annotations = {
        a.tensor_name: {e.key: e.value for e in a.quant_parameter_tensor_names}
        for a in model.graph.quantization_annotation
    }
    assert annotations == {
        "fc.weight": {
            "finn_datatype": "INT8",
            "pumice.weight_exp": "-2",
            "pumice.num_weight_bits": "6",
        },
        "lif.bias_mant": {"finn_datatype": "INT5", "pumice.bias_exp": "6"},
    }
    lif = next(n for n in _body(model).node if n.name == "lif")
    assert sorted(a.name for a in lif.attribute) == ["bias_exp", "du", "dv", "shape", "vth"]
    assert list(lif.input) == ["fc.held", "lif.u", "lif.v", "lif.bias_mant"]


def test_plain_onnx_model_from_another_tool_is_imported(tmp_path):
    """MatMul, Conv, Reshape (shape from a Constant) and ai.pumice neurons, no pumice metadata."""
    rng = np.random.default_rng(7)
    conv_w = rng.normal(size=(2, 1, 3, 3))
    dense_w = rng.normal(size=(8, 3))  # MatMul's (in, out) layout
    bias = np.zeros(1)

    def lif(name, data, shape):
        return helper.make_node(
            "CubaLIF",
            [data, "bias"],
            [name],
            name=name,
            domain="ai.pumice",
            shape=list(shape),
            threshold=1.0,
            current_decay=numpy_helper.from_array(np.array(0.25)),
            voltage_decay=numpy_helper.from_array(np.array(0.5)),
        )

    nodes = [
        helper.make_node("Conv", ["x", "conv_w"], ["c"], name="conv", strides=[2, 2]),
        lif("lif1", "c", (2, 2, 2)),
        helper.make_node(
            "Constant", [], ["target"], value=numpy_helper.from_array(np.array([0, -1]))
        ),
        helper.make_node("Reshape", ["lif1", "target"], ["flat"], name="flat"),
        helper.make_node("MatMul", ["flat", "dense_w"], ["fc"], name="fc"),
        lif("lif2", "fc", (3,)),
    ]
    model = helper.make_model(
        helper.make_graph(
            nodes,
            "other",
            [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [1, 1, 5, 5])],
            [helper.make_tensor_value_info("lif2", TensorProto.FLOAT, [1, 3])],
            [
                numpy_helper.from_array(conv_w, "conv_w"),
                numpy_helper.from_array(dense_w, "dense_w"),
                numpy_helper.from_array(bias, "bias"),
            ],
        ),
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.pumice", 1)],
        producer_name="other-tool",
    )
    onnx.save(model, tmp_path / "other.onnx")

    graph = import_onnx(tmp_path / "other.onnx")

    assert list(graph.nodes) == ["x", "conv", "lif1", "flat", "fc", "lif2"]
    assert [type(n).__name__ for n in graph.nodes.values()] == [
        "Input",
        "Conv2d",
        "CubaLIF",
        "Flatten",
        "Dense",
        "CubaLIF",
    ]
    assert graph.nodes["x"].shape == (1, 5, 5) and graph.output == "lif2"
    assert graph.nodes["conv"].stride == (2, 2)
    np.testing.assert_array_equal(graph.nodes["fc"].weight, dense_w.T)
    assert graph.nodes["lif1"].threshold == 1.0 and graph.nodes["lif2"].voltage_decay == 0.5
    assert graph.metadata["source"] == "onnx" and graph.metadata["producer"] == "other-tool"
    assert graph.shapes()["lif2"] == (3,)
