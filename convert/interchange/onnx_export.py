"""Export an IR graph as an ONNX model that :func:`import_onnx` reads back exactly.

Every IR node except the Input becomes one ONNX node of the same name whose output tensor
has that name too; the Input node is the graph input. Tensors are batch-first: a node's
per-sample shape ``S`` is ``[N, *S]`` in ONNX. Float synapses use standard operators, so
any ONNX tool reads them:

- ``Dense`` -> ``Gemm(s, weight, transB=1)``, the (out, in) weight kept as it is;
- ``Conv2d`` -> ``Conv`` with ``strides``, ``pads`` (symmetric), ``dilations``, ``group``;
- ``SumPool2d`` -> a depthwise ``Conv`` (``group`` = channels) whose float64 kernel is
  ``weight`` everywhere, marked ``pumice.kind = SumPool2d`` in the node's metadata_props;
- ``Flatten`` -> ``Flatten(axis=1)``.

Neurons and fixed-point synapses are ``ai.pumice`` custom operators (see
:mod:`onnx_schema`), their integer tensors annotated the qonnx way. The IR version and the
graph's metadata (JSON) are in ``model.metadata_props``.

Time is implicit, as in the IR: running the model once is one time step. Synapses are
stateless; ``CubaLIF``/``FixedCubaLIF`` keep their ``u``/``v`` between steps, and a
synapse's output reaches the neuron it feeds one step later (Lava's synaptic delay), which
a step-by-step runtime keeps as part of the neuron's state.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from pumice.atomic import atomic_open
from pumice.convert.interchange import onnx_schema as schema
from pumice.convert.interchange.expressible import refuse_inexpressible
from pumice.convert.ir import (
    IR_VERSION,
    Conv2d,
    Dense,
    Flatten,
    Graph,
    Node,
    SumPool2d,
)
from pumice.errors import ModelError


@dataclasses.dataclass
class _Writer:
    """The ONNX pieces collected while walking the graph."""

    graph: Graph
    shapes: dict[str, tuple[int, ...]]
    initializers: list[onnx.TensorProto] = dataclasses.field(default_factory=list)
    annotations: list[onnx.TensorAnnotation] = dataclasses.field(default_factory=list)

    def initializer(self, name: str, field: str, value: np.ndarray) -> str:
        tensor = numpy_helper.from_array(np.asarray(value), f"{name}.{field}")
        self.initializers.append(tensor)
        return tensor.name

    def annotate(self, tensor: str, entries: dict[str, str]) -> None:
        annotation = onnx.TensorAnnotation(tensor_name=tensor)
        for key, value in entries.items():
            annotation.quant_parameter_tensor_names.add(key=key, value=value)
        self.annotations.append(annotation)

    def channels(self, name: str) -> int:
        """Channels of the map feeding ``name``."""
        return self.shapes[self.graph.predecessor(name)][0]


def _gemm(writer: _Writer, name: str, node: Dense, data: str) -> onnx.NodeProto:
    weight = writer.initializer(name, "weight", node.weight)
    gemm = helper.make_node("Gemm", [data, weight], [name], name=name, transB=1)
    if node.sparse:
        gemm.metadata_props.add(key=schema.SPARSE_KEY, value="1")
    return gemm


def _conv(writer: _Writer, name: str, node: Conv2d, data: str) -> onnx.NodeProto:
    weight = writer.initializer(name, "weight", node.weight)
    return helper.make_node(
        "Conv",
        [data, weight],
        [name],
        name=name,
        strides=list(node.stride),
        pads=[*node.padding, *node.padding],
        dilations=list(node.dilation),
        group=node.groups,
    )


def _sum_pool(writer: _Writer, name: str, node: SumPool2d, data: str) -> onnx.NodeProto:
    channels = writer.channels(name)
    kernel = node.depthwise_weight(channels)
    pool = Conv2d(kernel, stride=node.stride, padding=node.padding, groups=channels)
    onnx_node = _conv(writer, name, pool, data)
    onnx_node.metadata_props.add(key=schema.KIND_KEY, value=type(node).__name__)
    return onnx_node


def _flatten(writer: _Writer, name: str, node: Flatten, data: str) -> onnx.NodeProto:
    return helper.make_node("Flatten", [data], [name], name=name, axis=1)


def _custom(writer: _Writer, name: str, node: Node, data: str) -> onnx.NodeProto:
    kind = type(node)
    inputs, annotated = [data], set()
    for field in schema.CUSTOM_KINDS[kind]:
        value = getattr(node, field)
        tensor = writer.initializer(name, field, value)
        inputs.append(tensor)
        if value.dtype.kind in "iu":
            formats = schema.format_fields(kind, field)
            entries = {schema.DATATYPE_KEY: schema.finn_datatype(value)}
            entries.update({f"pumice.{f}": str(int(getattr(node, f))) for f in formats})
            writer.annotate(tensor, entries)
            annotated.update(formats)
    onnx_node = helper.make_node(kind.__name__, inputs, [name], name=name, domain=schema.DOMAIN)
    onnx_node.attribute.extend(
        schema.encode_attribute(f.name, getattr(node, f.name))
        for f in dataclasses.fields(node)
        if f.name not in schema.CUSTOM_KINDS[kind] and f.name not in annotated
    )
    return onnx_node


#: IR kind -> writer of its one ONNX node.
_WRITERS = {
    Dense: _gemm,
    Conv2d: _conv,
    SumPool2d: _sum_pool,
    Flatten: _flatten,
    **{kind: _custom for kind in schema.CUSTOM_KINDS},
}


def _spike_type(graph: Graph, name: str) -> int:
    """Element type of spikes leaving ``name``: what the float synapse they feed uses."""
    for user in (dst for src, dst in graph.edges if src == name):
        node = graph.nodes[user]
        if node.traits.role == "reshape":
            return _spike_type(graph, user)
        if node.is_synapse and node.domain == "float":
            return _elem_type(graph, user)
    return onnx.TensorProto.FLOAT


def _elem_type(graph: Graph, name: str) -> int:
    """Element type of the tensor ``name``: set by its synapse, else by what it feeds."""
    node = graph.nodes[name]
    traits = node.traits
    if traits.role == "synapse" and traits.domain == "fixed":
        return onnx.TensorProto.INT64
    if traits.role == "synapse" and traits.connectivity == "pool":
        return onnx.TensorProto.DOUBLE
    if traits.role == "synapse":
        return helper.np_dtype_to_tensor_dtype(node.weight.dtype)
    if traits.role == "reshape":
        return _elem_type(graph, graph.predecessor(name))
    return _spike_type(graph, name)


def _value_info(graph: Graph, name: str, shape: tuple[int, ...]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, _elem_type(graph, name), ["N", *shape])


def _model(graph: Graph) -> onnx.ModelProto:
    """The ONNX model of ``graph`` (see the module docstring), checked by ``onnx.checker``."""
    writer = _Writer(graph, graph.shapes())
    nodes, value_info = [], []
    for name, node in graph.nodes.items():
        if name == graph.input:
            continue
        make = _WRITERS.get(type(node))
        if make is None:
            raise ModelError(f"node '{name}' of kind {type(node).__name__} has no ONNX form")
        nodes.append(make(writer, name, node, graph.predecessor(name)))
        if nodes[-1].domain == schema.DOMAIN and name != graph.output:
            value_info.append(_value_info(graph, name, writer.shapes[name]))
    onnx_graph = helper.make_graph(
        nodes,
        "pumice",
        [_value_info(graph, graph.input, writer.shapes[graph.input])],
        [_value_info(graph, graph.output, writer.shapes[graph.output])],
        initializer=writer.initializers,
        value_info=value_info,
    )
    onnx_graph.quantization_annotation.extend(writer.annotations)
    model = helper.make_model(
        onnx_graph,
        opset_imports=[
            helper.make_opsetid("", schema.OPSET),
            helper.make_opsetid(schema.DOMAIN, schema.DOMAIN_VERSION),
        ],
        ir_version=schema.ONNX_IR_VERSION,
        producer_name="pumice",
    )
    helper.set_model_props(
        model,
        {schema.IR_VERSION_KEY: str(IR_VERSION), schema.METADATA_KEY: json.dumps(graph.metadata)},
    )
    problem = schema.checker_problem(model)
    if problem:
        raise ModelError(f"graph cannot be written as valid ONNX: {problem}")
    return model


def export_onnx(graph: Graph, path: str | os.PathLike) -> Path:
    """Write ``graph`` to ``path`` as ONNX, atomically, and return the path."""
    refuse_inexpressible(graph, "ONNX")
    model = _model(graph)
    with atomic_open(path, "wb") as handle:
        handle.write(model.SerializeToString())
    return Path(path)
