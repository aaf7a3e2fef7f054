"""Export an IR graph as an ONNX model that ONNX runtimes run and :func:`import_onnx` reads
back exactly.

The model runs a whole input: its graph input (named as the IR input) is the spikes
``[T, N, *S]`` (time first, then samples, then the per-sample shape), and one ``Scan``
over time runs the network step by step, as the emulator and Lava do. The graph's
outputs are every neuron layer's output ``[T, N, *S]`` (spikes; a readout's ``v``), named
as the layers; ``pumice.output`` in the model's metadata names the network's answer.

The Scan's body holds one ONNX node per IR node, named as the node, in graph order:

- ``Dense`` -> ``Gemm(s, weight, transB=1)``, the (out, in) weight kept as it is;
- ``Conv2d`` -> ``Conv`` with ``strides``, ``pads`` (symmetric), ``dilations``, ``group``;
- ``SumPool2d`` -> a depthwise ``Conv`` (``group`` = channels) whose kernel is ``weight``
  everywhere, in its input's float type, marked ``pumice.kind = SumPool2d`` in the node's
  metadata_props (with ``pumice.weight``, the exact weight, beside a float32 kernel);
- ``Flatten`` -> ``Flatten(axis=1)``;
- neurons and fixed-point synapses -> ``ai.pumice`` operators (:mod:`onnx_schema`), each
  defined in ``model.functions`` by standard operators (:mod:`onnx_functions`).

State is the Scan's carried state, zero at the first step: each neuron's ``u`` and ``v``
(``<layer>.u``, ``<layer>.v``), a recurrent layer's spikes of the step before
(``<layer>.s``), and each synapse's output of the step before (``<synapse>.held``): a
synapse's output reaches the node after it one step later (Lava's synaptic delay). Where
a synapse's input has another float type than its weights, a ``Cast`` marked
``pumice.role = cast`` converts it. Fixed-point graphs compute in int64 (and float32 in a
fixed-point convolution, exact below 2**24); onnxruntime has no float64 ``Conv``, so a
float graph with convolutions or pools runs there only with float32 weights. The IR
version and the graph's metadata (JSON) are in ``model.metadata_props``; integer tensors
carry qonnx-style quantisation annotations.
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
from pumice.convert.interchange.onnx_functions import function, state_inputs
from pumice.convert.ir import (
    IR_VERSION,
    Conv2d,
    Dense,
    Flatten,
    Graph,
    Node,
    SumPool2d,
)
from pumice.convert.tensor_ops import FLOAT32_EXACT
from pumice.errors import ModelError


@dataclasses.dataclass
class _Writer:
    """The ONNX pieces collected while walking the graph."""

    graph: Graph
    shapes: dict[str, tuple[int, ...]]
    types: dict[str, int]
    initializers: list[onnx.TensorProto] = dataclasses.field(default_factory=list)
    annotations: list[onnx.TensorAnnotation] = dataclasses.field(default_factory=list)
    nodes: list[onnx.NodeProto] = dataclasses.field(default_factory=list)
    #: Carried state: (body input name, body output name, element type, per-sample shape).
    states: list[tuple[str, str, int, tuple[int, ...]]] = dataclasses.field(default_factory=list)

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

    def state(self, name: str, kind: str, elem_type: int, shape: tuple[int, ...]) -> str:
        state = name + schema.STATES[kind]
        self.states.append((state, state + schema.NEXT, elem_type, shape))
        return state


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
    dtype = helper.tensor_dtype_to_np_dtype(writer.types[name])
    kernel = node.depthwise_weight(channels).astype(dtype)
    pool = Conv2d(kernel, stride=node.stride, padding=node.padding, groups=channels)
    onnx_node = _conv(writer, name, pool, data)
    onnx_node.metadata_props.add(key=schema.KIND_KEY, value=type(node).__name__)
    if kernel.flat[0] != node.weight:  # a float32 kernel: the exact weight beside it
        onnx_node.metadata_props.add(key=schema.POOL_WEIGHT_KEY, value=repr(float(node.weight)))
    return onnx_node


def _flatten(writer: _Writer, name: str, node: Flatten, data: str) -> onnx.NodeProto:
    return helper.make_node("Flatten", [data], [name], name=name, axis=1)


def _custom(writer: _Writer, name: str, node: Node, data: str) -> onnx.NodeProto:
    kind = type(node)
    inputs, outputs = [data], [name]
    if node.is_neuron:
        shape = tuple(node.shape)
        for state in state_inputs(kind):
            inputs.append(writer.state(name, state, writer.types[name], shape))
            outputs.append(name + schema.STATES[state] + schema.NEXT)
    for field in schema.CUSTOM_KINDS[kind]:
        value = getattr(node, field)
        tensor = writer.initializer(name, field, value)
        inputs.append(tensor)
        if value.dtype.kind in "iu":
            formats = schema.format_fields(kind, field)
            entries = {schema.DATATYPE_KEY: schema.finn_datatype(value)}
            entries.update({f"pumice.{f}": str(int(getattr(node, f))) for f in formats})
            writer.annotate(tensor, entries)
    if kind.traits.connectivity == "conv":
        _check_exact_conv(name, node)
    onnx_node = helper.make_node(kind.__name__, inputs, outputs, name=name, domain=schema.DOMAIN)
    onnx_node.attribute.extend(
        schema.encode_attribute(f.name, getattr(node, f.name))
        for f in dataclasses.fields(node)
        if f.name not in schema.CUSTOM_KINDS[kind]
    )
    return onnx_node


def _check_exact_conv(name: str, node: Node) -> None:
    """A fixed-point convolution runs as a float32 Conv: every sum must stay exact."""
    bound = np.abs(node.weight).reshape(len(node.weight), -1).sum(axis=1).max(initial=0)
    if bound >= FLOAT32_EXACT:
        raise ModelError(
            f"layer '{name}' sums up to {int(bound)} per output, beyond what a float32 Conv "
            f"adds exactly (2**24); keep the model as a pumice file"
        )


#: IR kind -> writer of its one ONNX node.
_WRITERS = {
    Dense: _gemm,
    Conv2d: _conv,
    SumPool2d: _sum_pool,
    Flatten: _flatten,
    **{kind: _custom for kind in schema.CUSTOM_KINDS},
}


def _weight_type(node: Node) -> int:
    """Element type a weighted synapse computes in (fixed: int64)."""
    if node.domain == "fixed":
        return onnx.TensorProto.INT64
    return helper.np_dtype_to_tensor_dtype(node.weight.dtype)


def _types(graph: Graph) -> dict[str, int]:
    """Element type of every node's output in the body: a synapse's weights' (a float pool
    computes in its input's type), a neuron's input's; the input takes the type of the
    first synapse with weights (float32 without one)."""
    weighted = [n for n in graph.nodes.values() if n.is_synapse and n.traits.connectivity != "pool"]
    fixed = any(n.domain == "fixed" for n in graph.nodes.values())
    first = _weight_type(weighted[0]) if weighted else None
    types = {graph.input: first or (onnx.TensorProto.INT64 if fixed else onnx.TensorProto.FLOAT)}
    for name, node in graph.nodes.items():
        if name == graph.input:
            continue
        before = types[graph.predecessor(name)]
        if node.is_synapse and not (node.traits.connectivity == "pool" and node.domain == "float"):
            types[name] = _weight_type(node)
        else:
            types[name] = before
    return types


def _body(writer: _Writer) -> onnx.GraphProto:
    graph = writer.graph
    for name, node in graph.nodes.items():
        if name == graph.input:
            continue
        source = graph.predecessor(name)
        data = source + schema.HELD if graph.nodes[source].is_synapse else source
        if node.is_synapse and writer.types[source] != writer.types[name]:
            cast = helper.make_node(
                "Cast", [data], [f"{name}.cast"], name=f"{name}.cast", to=writer.types[name]
            )
            cast.metadata_props.add(key=schema.ROLE_KEY, value="cast")
            writer.nodes.append(cast)
            data = cast.output[0]
        make = _WRITERS.get(type(node))
        if make is None:
            raise ModelError(f"node '{name}' of kind {type(node).__name__} has no ONNX form")
        writer.nodes.append(make(writer, name, node, data))
        if node.is_synapse:
            held = (name + schema.HELD, name, writer.types[name], writer.shapes[name])
            writer.states.append(held)

    def info(value: str, elem: int, shape) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(value, elem, ["N", *shape])

    layers = [name for name, _ in graph.neurons()]
    inputs = [info(i, t, s) for i, _, t, s in writer.states]
    inputs.append(info(graph.input, writer.types[graph.input], writer.shapes[graph.input]))
    outputs = [info(o, t, s) for _, o, t, s in writer.states]
    outputs += [info(n, writer.types[n], writer.shapes[n]) for n in layers]
    return helper.make_graph(writer.nodes, "step", inputs, outputs)


def _zeros(writer: _Writer, samples: str) -> list[onnx.NodeProto]:
    """Nodes computing each state's zero initial value, ``[N, *shape]``."""
    nodes = []
    for state, _, elem, shape in writer.states:
        dims = numpy_helper.from_array(np.array(shape, dtype=np.int64))
        nodes.append(helper.make_node("Constant", [], [f"{state}.dims"], value=dims))
        full = f"{state}.zeros_shape"
        nodes.append(helper.make_node("Concat", [samples, f"{state}.dims"], [full], axis=0))
        zero = helper.make_tensor("", elem, [1], [0])
        nodes.append(helper.make_node("ConstantOfShape", [full], [f"{state}.initial"], value=zero))
    return nodes


def _model(graph: Graph) -> onnx.ModelProto:
    """The ONNX model of ``graph`` (see the module docstring), checked by ``onnx.checker``."""
    writer = _Writer(graph, graph.shapes(), _types(graph))
    body = _body(writer)
    samples = "pumice.samples"
    prelude = [
        helper.make_node("Shape", [graph.input], [samples], start=1, end=2),
        *_zeros(writer, samples),
    ]
    layers = [name for name, _ in graph.neurons()]
    scan = helper.make_node(
        "Scan",
        [f"{s}.initial" for s, _, _, _ in writer.states] + [graph.input],
        [f"{s}.final" for s, _, _, _ in writer.states] + layers,
        name="time",
        body=body,
        num_scan_inputs=1,
    )

    def timed(value: str) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(
            value, writer.types[value], ["T", "N", *writer.shapes[value]]
        )

    kinds = dict.fromkeys(type(node) for node in graph.nodes.values())
    functions = [function(kind) for kind in kinds if kind in schema.CUSTOM_KINDS]
    onnx_graph = helper.make_graph(
        [*prelude, scan],
        "pumice",
        [timed(graph.input)],
        [timed(name) for name in layers],
        initializer=writer.initializers,
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
        functions=functions,
    )
    helper.set_model_props(
        model,
        {
            schema.IR_VERSION_KEY: str(IR_VERSION),
            schema.METADATA_KEY: json.dumps(graph.metadata),
            schema.OUTPUT_KEY: graph.output,
        },
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
