"""The ``ai.pumice`` ONNX dialect shared by :mod:`onnx_export` and :mod:`onnx_import`.

Operators (domain ``ai.pumice``), one per IR kind of the same name. Version 2 (what
pumice writes) runs one time step per call inside a ``Scan`` over time, with the state
as inputs and outputs, and defines each operator as an ONNX function of standard
operators (:mod:`onnx_functions`), so that any ONNX runtime runs the model:

- neurons ``Kind(a, u, v[, s], *arrays) -> (out, u', v'[, s'])``: ``CubaLIF``,
  ``RecurrentCubaLIF``, ``CubaLI``, ``FixedCubaLIF``, ``FixedRecurrentCubaLIF``,
  ``FixedCubaLI``, ``FixedShiftLIF``, ``FixedRecurrentShiftLIF``;
- Lava's integer synapses ``FixedDense(s, weight) -> a``, ``FixedConv2d(s, weight) -> a``.

Version 1 (read, no longer written) had the neurons without state inputs,
``Kind(a, *arrays) -> spikes``, and a graph without time.

Their array fields are initializer inputs, in the order of :data:`CUSTOM_KINDS`, stored
with the IR array's own dtype (integer mantissas stay INT64/INT32). Their other fields are
attributes of the same name: integers as INT, tuples as INTS, floats as a 0-d TENSOR of the
value's own precision (an ONNX FLOAT attribute is 32-bit and would round float64 values),
booleans as a 0-d BOOL tensor.

Integer arrays also carry a qonnx-style ``graph.quantization_annotation``:
``finn_datatype`` (the smallest ``INTk``/``UINTk`` holding the stored mantissas) and, as
``pumice.<field>``, the node fields that give their number format (:data:`FORMAT_FIELDS`,
e.g. ``pumice.weight_exp``); version 1 wrote those fields only there.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import onnx
from onnx import helper, numpy_helper

from pumice.convert.ir import (
    CubaLI,
    CubaLIF,
    FixedConv2d,
    FixedCubaLI,
    FixedCubaLIF,
    FixedDense,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    Node,
    RecurrentCubaLIF,
)

#: Domain of the custom operators, the version written, and the versions read.
DOMAIN = "ai.pumice"
DOMAIN_VERSION = 2
STEP_VERSION = 1
#: The standard ``ai.onnx`` opset and ONNX IR version written (node metadata needs IR 10).
OPSET = 21
ONNX_IR_VERSION = 10

#: ``model.metadata_props`` keys: the IR version and the graph's metadata (JSON).
IR_VERSION_KEY = "pumice.ir_version"
METADATA_KEY = "pumice.metadata"
#: Node ``metadata_props`` key naming the IR kind where the ONNX op alone is ambiguous.
KIND_KEY = "pumice.kind"
#: Node ``metadata_props`` key holding a sum pool's exact weight beside a float32 kernel.
POOL_WEIGHT_KEY = "pumice.weight"
#: Node ``metadata_props`` key marking a pruned (sparse) dense synapse on a standard op.
SPARSE_KEY = "pumice.sparse"
#: Scan body names of a synapse's output of the step before (``<synapse>.held``), of a
#: neuron's state (``<layer>.u``, ``.v``, a recurrent layer's spikes ``.s``), and the
#: suffix of the state a step hands on (``<layer>.u.next``).
HELD = ".held"
STATES = {"u": ".u", "v": ".v", "s": ".s"}
NEXT = ".next"
#: ``model.metadata_props`` key naming the network's answer (its output layer).
OUTPUT_KEY = "pumice.output"
#: Node ``metadata_props`` key of a node that stands for no IR node (value "cast").
ROLE_KEY = "pumice.role"
#: qonnx's annotation key for a tensor's integer datatype.
DATATYPE_KEY = "finn_datatype"

#: Kinds written as ``ai.pumice`` operators -> their array fields, the inputs after the data.
CUSTOM_KINDS: dict[type[Node], tuple[str, ...]] = {
    CubaLIF: ("bias",),
    RecurrentCubaLIF: ("bias", "recurrent_weight"),
    CubaLI: ("bias",),
    FixedCubaLIF: ("bias_mant",),
    FixedRecurrentCubaLIF: ("bias_mant", "recurrent_weight"),
    FixedCubaLI: ("bias_mant",),
    FixedShiftLIF: ("shift_u", "shift_v", "bias_mant"),
    FixedRecurrentShiftLIF: ("shift_u", "shift_v", "bias_mant", "recurrent_weight"),
    FixedDense: ("weight",),
    FixedConv2d: ("weight",),
}
#: Integer array field -> the scalar fields giving its number format (where the node has them).
FORMAT_FIELDS: dict[str, tuple[str, ...]] = {
    "weight": ("weight_exp", "num_weight_bits"),
    "bias_mant": ("bias_exp",),
    "recurrent_weight": ("recurrent_weight_exp", "recurrent_num_weight_bits"),
}


def format_fields(kind: type[Node], array_field: str) -> tuple[str, ...]:
    """The fields of ``kind`` written as annotations on its array ``array_field``."""
    names = {f.name for f in dataclasses.fields(kind)}
    return tuple(f for f in FORMAT_FIELDS.get(array_field, ()) if f in names)


def finn_datatype(values: np.ndarray) -> str:
    """qonnx's name for the smallest integer type holding every value."""
    low, high = int(values.min(initial=0)), int(values.max(initial=0))
    if low >= 0:
        return f"UINT{max(high.bit_length(), 1)}"
    return f"INT{max((-low - 1).bit_length(), high.bit_length()) + 1}"


def encode_attribute(name: str, value) -> onnx.AttributeProto:
    """An IR scalar or tuple field as an exact ONNX attribute (a bool as a 0-d BOOL tensor)."""
    if isinstance(value, bool | np.bool_):
        return helper.make_attribute(name, numpy_helper.from_array(np.asarray(bool(value))))
    if isinstance(value, tuple | list):
        return helper.make_attribute(
            name, [int(v) for v in value], attr_type=onnx.AttributeProto.INTS
        )
    if isinstance(value, int | np.integer):
        return helper.make_attribute(name, int(value))
    return helper.make_attribute(name, numpy_helper.from_array(np.asarray(value)))


def decode_attribute(attribute: onnx.AttributeProto):
    """The IR value of an attribute written by :func:`encode_attribute` (FLOAT/INT as read)."""
    value = helper.get_attribute_value(attribute)
    if attribute.type == onnx.AttributeProto.INTS:
        return tuple(int(v) for v in value)
    if attribute.type == onnx.AttributeProto.TENSOR:
        array = numpy_helper.to_array(value)
        if array.ndim:  # a per-neuron decay
            return array
        return bool(array) if array.dtype == bool else array.item()
    return value


def checker_problem(model: onnx.ModelProto) -> str | None:
    """``onnx.checker``'s full check of ``model``: its message on one line, or None."""
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        return " ".join(str(exc).split())
    return None
