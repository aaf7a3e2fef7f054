"""Import an ONNX model as an IR graph: what :func:`export_onnx` writes, and plain models.

pumice's own models (``ai.pumice`` version 2) hold the network in the body of one
``Scan`` over time (see :mod:`onnx_export`): the body's nodes are read one IR node each,
its carried state (``<node>.held``, ``<layer>.u`` ...) and the Casts it marks skipped.
A model without that ``Scan`` (pumice's version 1, another tool's) is one time step. A
model from another tool is read where its operators map onto IR nodes: ``Gemm``
(``transA = 0``, ``alpha = 1``, no ``C``) and ``MatMul`` with a constant weight become
``Dense``, ``Conv`` without bias becomes ``Conv2d`` (a ``SumPool2d`` when the node's
metadata says so), ``Flatten(axis=1)`` and a ``Reshape`` to ``[N, -1]`` become ``Flatten``,
and the ``ai.pumice`` operators their IR kinds. ``Constant`` nodes are read as
initializers. The model must pass ``onnx.checker``'s full check and have one data input
and one output.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import helper, numpy_helper

from pumice.convert.interchange import onnx_schema as schema
from pumice.convert.interchange.onnx_functions import state_inputs
from pumice.convert.ir import (
    IR_VERSION,
    NODE_KINDS,
    Conv2d,
    Dense,
    Flatten,
    Graph,
    Input,
    Node,
    SumPool2d,
)
from pumice.errors import ModelError


@dataclasses.dataclass
class _Reader:
    """The model being read and what is known about its tensors."""

    path: Path
    constants: dict[str, np.ndarray]
    annotations: dict[str, dict[str, str]]
    #: True inside a version-2 Scan body: neurons take their state after their input.
    stepped: bool = False

    def error(self, node: onnx.NodeProto, problem: str) -> ModelError:
        return ModelError(f"{self.path}: node '{_name(node)}' ({node.op_type}) {problem}")

    def constant(self, node: onnx.NodeProto, index: int) -> np.ndarray:
        """Input ``index`` of ``node``, which must be an initializer or a Constant."""
        if index >= len(node.input) or node.input[index] not in self.constants:
            raise self.error(node, f"needs a constant as input {index}")
        array = self.constants[node.input[index]]
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise self.error(node, f"input '{node.input[index]}' holds NaN or infinite values")
        return array

    def only_inputs(self, node: onnx.NodeProto, count: int, what: str) -> None:
        if len([name for name in node.input if name]) > count:
            raise self.error(node, f"has {what}; pumice synapses have none")


def _name(node: onnx.NodeProto) -> str:
    return node.name or next(iter(node.output), "")


def _op(node: onnx.NodeProto) -> tuple[str, str]:
    """(domain, op type), with the standard domain spelled ""."""
    return ("" if node.domain == "ai.onnx" else node.domain, node.op_type)


def _attributes(node: onnx.NodeProto) -> dict:
    return {attribute.name: schema.decode_attribute(attribute) for attribute in node.attribute}


def _gemm(reader: _Reader, node: onnx.NodeProto, shape) -> Node:
    attrs = _attributes(node)
    if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0:
        raise reader.error(node, "needs transA = 0 and alpha = 1")
    reader.only_inputs(node, 2, "a bias input C")
    weight = reader.constant(node, 1)
    sparse = any(p.key == schema.SPARSE_KEY and p.value == "1" for p in node.metadata_props)
    return Dense(
        weight if attrs.get("transB", 0) else np.ascontiguousarray(weight.T), sparse=sparse
    )


def _matmul(reader: _Reader, node: onnx.NodeProto, shape) -> Node:
    return Dense(np.ascontiguousarray(reader.constant(node, 1).T))


def _pair(reader: _Reader, node: onnx.NodeProto, attrs: dict, key: str, default: int):
    value = attrs.get(key, (default,) * 2)
    if len(value) != 2:
        raise reader.error(node, f"has {key} {list(value)}; pumice convolutions are 2-D")
    return value


def _conv(reader: _Reader, node: onnx.NodeProto, shape) -> Node:
    attrs = _attributes(node)
    if attrs.get("auto_pad", b"NOTSET") != b"NOTSET":
        raise reader.error(node, "uses auto_pad; pumice reads explicit pads only")
    reader.only_inputs(node, 2, "a bias input B")
    pads = attrs.get("pads", (0,) * 4)
    if len(pads) != 4 or pads[:2] != pads[2:]:
        raise reader.error(node, f"has pads {list(pads)}; pumice pads both sides alike")
    conv = Conv2d(
        reader.constant(node, 1),
        stride=_pair(reader, node, attrs, "strides", 1),
        padding=pads[:2],
        dilation=_pair(reader, node, attrs, "dilations", 1),
        groups=attrs.get("group", 1),
    )
    kinds = {entry.key: entry.value for entry in node.metadata_props}
    if kinds.get(schema.KIND_KEY) == SumPool2d.__name__:
        return _sum_pool(reader, node, conv, shape)
    return conv


def _sum_pool(reader: _Reader, node: onnx.NodeProto, conv: Conv2d, shape) -> SumPool2d:
    kernel = conv.weight
    channels = shape[0] if shape else 0
    depthwise = kernel.shape[:2] == (channels, 1) and conv.groups == channels
    if not depthwise or conv.dilation != (1, 1) or np.any(kernel != kernel.flat[0]):
        raise reader.error(node, "is marked SumPool2d but is no constant depthwise Conv")
    weight = kernel.flat[0].item()
    exact = {e.key: e.value for e in node.metadata_props}.get(schema.POOL_WEIGHT_KEY)
    if exact is not None:
        try:
            stated = float(exact)
        except ValueError:
            raise reader.error(node, f"has a {schema.POOL_WEIGHT_KEY} that is no number") from None
        if kernel.dtype.type(stated) != kernel.flat[0]:
            raise reader.error(
                node, f"has a kernel that disagrees with its {schema.POOL_WEIGHT_KEY}"
            )
        weight = stated
    return SumPool2d(kernel.shape[2:], conv.stride, conv.padding, weight)


def _flatten(reader: _Reader, node: onnx.NodeProto, shape) -> Node:
    if _attributes(node).get("axis", 1) != 1:
        raise reader.error(node, "flattens at an axis other than 1")
    return Flatten()


def _reshape(reader: _Reader, node: onnx.NodeProto, shape) -> Node:
    target = [int(v) for v in reader.constant(node, 1).reshape(-1)]
    size = int(np.prod(shape))
    keep_batch = _attributes(node).get("allowzero", 0) == 0 and target[:1] == [0]
    if len(target) != 2 or target[1] not in (-1, size) or not (keep_batch or target == [-1, size]):
        raise reader.error(node, f"reshapes to {target}; pumice reads a reshape to [N, -1] only")
    return Flatten()


def _custom(reader: _Reader, node: onnx.NodeProto, shape) -> Node:
    kind = NODE_KINDS[node.op_type]
    fields = _attributes(node)
    first = 1 + (len(state_inputs(kind)) if reader.stepped else 0)
    for index, field in enumerate(schema.CUSTOM_KINDS[kind], start=first):
        fields[field] = reader.constant(node, index)
        annotation = reader.annotations.get(node.input[index], {})
        for name in schema.format_fields(kind, field):
            if name not in fields and f"pumice.{name}" in annotation:
                try:
                    fields[name] = int(annotation[f"pumice.{name}"])
                except ValueError:
                    raise reader.error(
                        node, f"has a non-integer annotation pumice.{name}"
                    ) from None
    try:
        return kind(**fields)
    except TypeError as exc:
        raise reader.error(node, str(exc)) from None


#: (domain, op type) -> reader of the IR node it becomes.
_READERS: dict[tuple[str, str], Callable] = {
    ("", "Gemm"): _gemm,
    ("", "MatMul"): _matmul,
    ("", "Conv"): _conv,
    ("", "Flatten"): _flatten,
    ("", "Reshape"): _reshape,
    **{(schema.DOMAIN, kind.__name__): _custom for kind in schema.CUSTOM_KINDS},
}
#: The supported op types, as listed in error messages.
SUPPORTED = sorted(f"{d}.{op}" if d else op for d, op in _READERS) + ["Constant"]


def _output_shape(reader: _Reader, onnx_node: onnx.NodeProto, node: Node, shape) -> tuple:
    """``node``'s per-sample output shape; refuses one whose parameters do not fit ``shape``."""
    if node.input_problem(shape) is not None or min(node.output_shape(shape), default=1) < 1:
        raise reader.error(onnx_node, f"does not fit its input of shape {shape}")
    return node.output_shape(shape)


def _load(path: Path) -> onnx.ModelProto:
    if not path.is_file():
        raise ModelError(f"model file '{path}' does not exist")
    try:
        model = onnx.load_model(path)
    except (DecodeError, RuntimeError, ValueError):
        model = None
    if model is None or not model.HasField("graph") or model.ir_version == 0:
        raise ModelError(f"model file '{path}' is not an ONNX model")
    problem = schema.checker_problem(model)
    if problem:
        raise ModelError(f"{path}: fails onnx.checker: {problem}")
    return model


def _metadata(path: Path, model: onnx.ModelProto) -> dict:
    props = {entry.key: entry.value for entry in model.metadata_props}
    if schema.IR_VERSION_KEY not in props:
        return {"source": "onnx", "file": str(path), "producer": model.producer_name}
    if props[schema.IR_VERSION_KEY] != str(IR_VERSION):
        raise ModelError(
            f"{path}: has pumice IR version {props[schema.IR_VERSION_KEY]}; "
            f"this pumice reads version {IR_VERSION}"
        )
    try:
        return json.loads(props.get(schema.METADATA_KEY, "{}"))
    except json.JSONDecodeError:
        raise ModelError(f"{path}: its {schema.METADATA_KEY} is not JSON") from None


def _input(path: Path, graph: onnx.GraphProto, constants) -> tuple[str, tuple[int, ...]]:
    inputs = [value for value in graph.input if value.name not in constants]
    if len(inputs) != 1:
        raise ModelError(f"{path}: has {len(inputs)} data inputs; pumice graphs have one")
    dims = inputs[0].type.tensor_type.shape.dim
    shape = tuple(dim.dim_value for dim in dims[1:])
    if len(dims) < 2 or not all(shape):
        raise ModelError(
            f"{path}: input '{inputs[0].name}' needs a shape [N, ...] with fixed sizes after N"
        )
    return inputs[0].name, shape


def _constant(node: onnx.NodeProto) -> np.ndarray:
    value = helper.get_attribute_value(node.attribute[0])
    return (
        numpy_helper.to_array(value) if isinstance(value, onnx.TensorProto) else np.asarray(value)
    )


def _reader_for(path: Path, node: onnx.NodeProto) -> Callable:
    make = _READERS.get(_op(node))
    if make is None:
        raise ModelError(
            f"{path}: node '{_name(node)}' has op type '{node.op_type}', which pumice cannot "
            f"import; supported op types: {', '.join(SUPPORTED)}"
        )
    return make


def _nodes(
    reader: _Reader,
    nodes,
    input_name: str,
    input_shape: tuple[int, ...],
    aliases: dict[str, str],
) -> tuple[dict[str, Node], list[tuple[str, str]], dict[str, str]]:
    """IR nodes of ONNX ``nodes`` in order, their edges, and which node makes each value.

    ``aliases`` maps a value to the value it stands for (a synapse's held output, a Cast).
    """
    shapes = {input_name: input_shape}
    named: dict[str, Node] = {input_name: Input(input_shape)}
    producer = {input_name: input_name}
    edges = []
    for onnx_node in nodes:
        if _op(onnx_node) == ("", "Constant"):
            continue
        roles = {entry.key: entry.value for entry in onnx_node.metadata_props}
        source = onnx_node.input[0] if onnx_node.input else ""
        source = aliases.get(source, source)
        if roles.get(schema.ROLE_KEY) == "cast":
            aliases[onnx_node.output[0]] = source
            continue
        make = _reader_for(reader.path, onnx_node)
        if source not in producer:
            raise reader.error(onnx_node, f"reads '{source}', which no supported node produces")
        if len(onnx_node.output) != 1 and not reader.stepped:
            raise reader.error(onnx_node, f"has {len(onnx_node.output)} outputs, not one")
        node = make(reader, onnx_node, shapes[source])
        out_shape = _output_shape(reader, onnx_node, node, shapes[source])
        name = _name(onnx_node)
        if name in named:
            raise reader.error(onnx_node, "has the name of another node")
        named[name] = node
        edges.append((producer[source], name))
        producer[onnx_node.output[0]] = name
        shapes[onnx_node.output[0]] = out_shape
    return named, edges, producer


def _scan(model: onnx.ModelProto) -> onnx.NodeProto | None:
    """The Scan over time of a version-2 pumice model, or None."""
    versions = {opset.domain: opset.version for opset in model.opset_import}
    if versions.get(schema.DOMAIN) != schema.DOMAIN_VERSION:
        return None
    scans = [node for node in model.graph.node if _op(node) == ("", "Scan")]
    return scans[0] if len(scans) == 1 else None


def _stepped(path: Path, model: onnx.ModelProto, scan: onnx.NodeProto, reader: _Reader) -> Graph:
    """The IR graph held by a version-2 model's Scan body."""
    body = helper.get_attribute_value(next(a for a in scan.attribute if a.name == "body"))
    data = body.input[-1]
    dims = model.graph.input[0].type.tensor_type.shape.dim
    shape = tuple(dim.dim_value for dim in dims[2:])
    if data.name != model.graph.input[0].name or len(dims) < 3 or not all(shape):
        raise ModelError(f"{path}: its Scan does not run over its input [T, N, ...]")
    metadata = _metadata(path, model)
    reader.stepped = True
    held = {
        value.name: value.name.removesuffix(schema.HELD)
        for value in body.input
        if value.name.endswith(schema.HELD)
    }
    named, edges, producer = _nodes(reader, body.node, data.name, shape, held)
    props = {entry.key: entry.value for entry in model.metadata_props}
    output = props.get(schema.OUTPUT_KEY)
    if output not in named:
        raise ModelError(f"{path}: its metadata names output '{output}', which is no node")
    return Graph(named, edges, data.name, output, metadata=metadata)


def import_onnx(path: str | os.PathLike) -> Graph:
    """The IR graph of the ONNX model at ``path`` (see the module docstring)."""
    path = Path(path)
    model = _load(path)
    graph = model.graph
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    constants.update({n.output[0]: _constant(n) for n in graph.node if _op(n) == ("", "Constant")})
    annotations = {
        a.tensor_name: {e.key: e.value for e in a.quant_parameter_tensor_names}
        for a in graph.quantization_annotation
    }
    reader = _Reader(path, constants, annotations)
    scan = _scan(model)
    if scan is not None:
        return _stepped(path, model, scan, reader)
    input_name, input_shape = _input(path, graph, constants)
    named, edges, producer = _nodes(reader, graph.node, input_name, input_shape, {})
    if len(graph.output) != 1 or graph.output[0].name not in producer:
        raise ModelError(f"{path}: needs one output, produced by a supported node")
    return Graph(
        nodes=named,
        edges=edges,
        input=input_name,
        output=producer[graph.output[0].name],
        metadata=_metadata(path, model),
    )
