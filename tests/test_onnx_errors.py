"""import_onnx / export_onnx: a one-line ModelError for every file or graph they cannot take."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from pumice.convert.interchange import export_onnx, import_onnx
from pumice.convert.ir import CubaLIF, Dense, Graph, Input, SumPool2d
from pumice.errors import ModelError


def _graph(weight: np.ndarray | None = None) -> Graph:
    weight = np.arange(6.0).reshape(2, 3) / 7 if weight is None else weight
    return Graph.chain(
        [
            ("input", Input((3,))),
            ("fc", Dense(weight)),
            ("lif", CubaLIF((2,), 1.25, 0.25, 0.03, np.zeros(1))),
        ],
        metadata={"steps": 5},
    )


def _import_error(path) -> str:
    with pytest.raises(ModelError) as info:
        import_onnx(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def _model(nodes, inputs, outputs, initializers=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _softmax_model() -> onnx.ModelProto:
    return _model(
        [
            helper.make_node("Gemm", ["x", "w"], ["fc"], name="fc", transB=1),
            helper.make_node("Softmax", ["fc"], ["probs"], name="probs"),
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 2])],
        [numpy_helper.from_array(np.ones((2, 3), np.float32), "w")],
    )


def _lstm_model() -> onnx.ModelProto:
    hidden = 4
    return _model(
        [helper.make_node("LSTM", ["x", "w", "r"], ["y"], name="rnn", hidden_size=hidden)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5, 1, 1, hidden])],
        [
            numpy_helper.from_array(np.ones((1, 4 * hidden, 3), np.float32), "w"),
            numpy_helper.from_array(np.ones((1, 4 * hidden, hidden), np.float32), "r"),
        ],
    )


@pytest.mark.parametrize(
    ("make", "name", "op"), [(_softmax_model, "probs", "Softmax"), (_lstm_model, "rnn", "LSTM")]
)
def test_unsupported_operator_names_node_op_and_supported_ops(tmp_path, make, name, op):
    path = tmp_path / "model.onnx"
    onnx.save(make(), path)
    onnx.checker.check_model(str(path), full_check=True)
    message = _import_error(path)
    assert f"node '{name}' has op type '{op}'" in message
    assert "supported op types: Conv, Flatten, Gemm, MatMul, Reshape" in message
    assert "ai.pumice.CubaLIF" in message and "ai.pumice.FixedDense" in message


@pytest.mark.parametrize(
    "data", [b"", b"not an onnx model at all\n", bytes(range(256)), b"PK\x03\x04zip"]
)
def test_bytes_that_are_not_onnx_are_refused(tmp_path, data):
    path = tmp_path / "junk.onnx"
    path.write_bytes(data)
    assert _import_error(path).endswith("is not an ONNX model")


def test_truncated_export_is_refused(tmp_path):
    path = export_onnx(_graph(), tmp_path / "m.onnx")
    path.write_bytes(path.read_bytes()[:-40])
    assert _import_error(path).endswith("is not an ONNX model")


def test_missing_file_is_refused(tmp_path):
    assert "does not exist" in _import_error(tmp_path / "absent.onnx")


def _body(model: onnx.ModelProto) -> onnx.GraphProto:
    """The Scan body pumice writes, which holds one ONNX node per IR node."""
    (scan,) = [node for node in model.graph.node if node.op_type == "Scan"]
    return helper.get_attribute_value(scan.attribute[0])


def _node(model: onnx.ModelProto, name: str) -> onnx.NodeProto:
    return next(node for node in _body(model).node if node.name == name)


def _rewrite(path, change) -> None:
    model = onnx.load(path)
    change(model)
    onnx.save(model, path)


def _dangling_input(model: onnx.ModelProto) -> None:
    _node(model, "fc").input[0] = "nowhere"


def _weight_type(model: onnx.ModelProto) -> None:
    weight = next(t for t in model.graph.initializer if t.name == "fc.weight")
    weight.CopyFrom(numpy_helper.from_array(np.ones((2, 3), np.float32), weight.name))


def _unknown_opset(model: onnx.ModelProto) -> None:
    del model.opset_import[:]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_dangling_input, "input 'nowhere' of node: name: fc OpType: Gemm is not output of any"),
        (_weight_type, "(op_type:Gemm, node name: fc): B has inconsistent type tensor(float)"),
        (_unknown_opset, "must specify opset_import for ONNX"),
    ],
)
def test_checker_failure_is_one_line_with_the_checker_message(tmp_path, change, problem):
    path = export_onnx(_graph(), tmp_path / "m.onnx")
    _rewrite(path, change)
    with pytest.raises((onnx.checker.ValidationError, onnx.shape_inference.InferenceError)):
        onnx.checker.check_model(str(path), full_check=True)
    message = _import_error(path)
    assert ": fails onnx.checker: " in message and problem in message


def test_gemm_with_a_bias_is_refused(tmp_path):
    model = _softmax_model()
    model.graph.node[0].input.append("b")
    model.graph.initializer.append(numpy_helper.from_array(np.ones(2, np.float32), "b"))
    model.graph.output[0].name = "fc"
    del model.graph.node[1]
    onnx.save(model, tmp_path / "m.onnx")
    assert "node 'fc' (Gemm) has a bias input C" in _import_error(tmp_path / "m.onnx")


def test_nan_weight_is_refused(tmp_path):
    weight = np.ones((2, 3))
    weight[0, 1] = np.nan
    path = export_onnx(_graph(weight), tmp_path / "m.onnx")
    assert "node 'fc' (Gemm) input 'fc.weight' holds NaN" in _import_error(path)


def test_other_ir_version_is_refused(tmp_path):
    path = export_onnx(_graph(), tmp_path / "m.onnx")
    _rewrite(path, lambda m: helper.set_model_props(m, {"pumice.ir_version": "99"}))
    assert "has pumice IR version 99" in _import_error(path)


def test_neuron_that_does_not_fit_its_input_is_refused(tmp_path):
    path = export_onnx(_graph(), tmp_path / "m.onnx")

    def wrong_shape(model):
        next(a for a in _node(model, "lif").attribute if a.name == "shape").ints[:] = [3]

    _rewrite(path, wrong_shape)
    assert "node 'lif' (CubaLIF) does not fit its input of shape (2,)" in _import_error(path)


def test_synapses_of_two_float_types_meet_through_a_marked_cast(tmp_path):
    rng = np.random.default_rng(0)
    graph = Graph.chain(
        [
            ("input", Input((3,))),
            ("fc1", Dense(rng.normal(size=(4, 3)))),
            ("lif1", CubaLIF((4,), 1.0, 0.25, 0.03, np.zeros(1))),
            ("fc2", Dense(rng.normal(size=(2, 4)).astype(np.float32))),
            ("lif2", CubaLIF((2,), 1.0, 0.25, 0.03, np.zeros(1))),
        ]
    )
    model = onnx.load(export_onnx(graph, tmp_path / "m.onnx"))
    cast = _node(model, "fc2.cast")
    assert [(e.key, e.value) for e in cast.metadata_props] == [("pumice.role", "cast")]

    back = import_onnx(tmp_path / "m.onnx")

    assert list(back.nodes) == list(graph.nodes)
    assert back.nodes["fc2"].weight.dtype == np.float32


def test_graph_onnx_cannot_hold_is_refused_and_nothing_is_written(tmp_path):
    from pumice.convert.ir import FixedConv2d, FixedCubaLIF

    graph = Graph.chain(
        [
            ("input", Input((1, 3, 3))),
            ("conv", FixedConv2d(np.full((1, 1, 3, 3), 1 << 21, dtype=np.int64))),
            ("lif", FixedCubaLIF((1, 1, 1), du=0, dv=0, vth=10, bias_mant=np.zeros(1))),
        ]
    )
    with pytest.raises(ModelError, match="'conv' sums up to 18874368 per output") as info:
        export_onnx(graph, tmp_path / "m.onnx")
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def _pool_graph() -> Graph:
    return Graph.chain(
        [
            ("input", Input((2, 4, 4))),
            ("pool", SumPool2d((2, 2), (2, 2), padding=(1, 1), weight=0.5)),
            ("lif", CubaLIF((2, 3, 3), 1.0, 0.25, 0.03, np.zeros(1))),
        ]
    )


def _uneven_kernel(model: onnx.ModelProto) -> None:
    tensor = next(t for t in model.graph.initializer if t.name == "pool.weight")
    kernel = numpy_helper.to_array(tensor).copy()
    kernel[1, 0, 1, 1] = 0.75
    tensor.CopyFrom(numpy_helper.from_array(kernel, "pool.weight"))


def test_sum_pool_whose_kernel_varies_is_refused(tmp_path):
    path = export_onnx(_pool_graph(), tmp_path / "m.onnx")
    assert isinstance(import_onnx(path).nodes["pool"], SumPool2d)
    _rewrite(path, _uneven_kernel)
    message = _import_error(path)
    assert "node 'pool' (Conv) is marked SumPool2d but is no constant depthwise Conv" in message


def test_conv_padded_on_one_side_is_refused(tmp_path):
    model = _model(
        [helper.make_node("Conv", ["x", "w"], ["conv"], name="conv", pads=[1, 1, 0, 0])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 4, 4])],
        [helper.make_tensor_value_info("conv", TensorProto.FLOAT, ["N", 1, 3, 3])],
        [numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "w")],
    )
    onnx.save(model, tmp_path / "m.onnx")
    message = _import_error(tmp_path / "m.onnx")
    assert "node 'conv' (Conv) has pads [1, 1, 0, 0]; pumice pads both sides alike" in message
