"""The ``ai.pumice`` operators as ONNX functions of standard operators, one time step each.

ONNX has no stateful neurons, but one step of each IR kind is a function of standard
operators: a neuron takes its synaptic input and its state and returns its output and
its new state; a fixed-point synapse is Lava's integer product. An ONNX runtime inlines
these functions (``model.functions``), so it runs an exported model without knowing
``ai.pumice``; pumice reads the operators back by name. Each function's attributes are
the IR fields of the same name (a float as a 0-d tensor, see :mod:`onnx_schema`).

Neurons, all inputs ``(a, u, v[, s], *arrays)`` and outputs ``(out, u', v'[, s'])``, with
``s`` the layer's own spikes of the step before (recurrent kinds), ``out`` its spikes
(a readout's: ``v``):

- float kinds step as :mod:`pumice.convert.semantics.lif`: ``u' = u (1 - cd) + a``,
  ``v' = v (1 - vd) + u' + bias``, spikes where ``v' >= threshold``, then ``v' = 0``;
- fixed kinds step as Lava's ``fixed_pt`` LIF (:mod:`pumice.convert.lava_arithmetic`):
  decays round toward zero (``sign(p) * (|p| / 4096)``), ``u`` wraps at 24 bits, ``v``
  saturates, spikes where ``v > vth << 6``; shifts are floor divisions by powers of two
  (``(x - x mod d) / d``), since ONNX shifts only unsigned integers.

Fixed-point synapses: ``FixedDense(s, weight)`` clips and truncates its mantissas as
Lava's ``Dense`` does (sign mode from the weights' own minimum and maximum) before an
int64 ``MatMul``; ``FixedConv2d(s, weight)`` runs a float ``Conv`` (exact: every sum is
an integer below 2**24, checked on export) and wraps to 24 bits.
"""

from __future__ import annotations

import dataclasses

import onnx
from onnx import TensorProto, helper

from pumice.convert.interchange import onnx_schema as schema
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
from pumice.convert.ir.fixed_point import (
    ALIGN_SHIFT,
    DECAY_SHIFT,
    NO_LEAK,
    NON_SPIKING_VTH,
    STATE_BITS,
    WEIGHT_BITS,
)
from pumice.errors import ModelError

_STATE_MAX = 1 << (STATE_BITS - 1)


class _Body:
    """The nodes of one function body, each output a fresh name."""

    def __init__(self, kind: type[Node]) -> None:
        self.kind = kind
        self.nodes: list[onnx.NodeProto] = []
        self.count = 0

    def op(self, op_type: str, *inputs: str, **attributes) -> str:
        self.count += 1
        out = f"t{self.count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attributes))
        return out

    def named(self, name: str, op_type: str, *inputs: str, **attributes) -> str:
        self.nodes.append(helper.make_node(op_type, list(inputs), [name], **attributes))
        return name

    def attribute(self, field: str, kind: int) -> str:
        """The IR field ``field`` (a node attribute) as a tensor."""
        key = {
            onnx.AttributeProto.INT: "value_int",
            onnx.AttributeProto.INTS: "value_ints",
            onnx.AttributeProto.TENSOR: "value",
        }[kind]
        attribute = onnx.AttributeProto(name=key, ref_attr_name=field, type=kind)
        node = helper.make_node("Constant", [], [f"attr.{field}.{self.count}"])
        node.attribute.append(attribute)
        self.count += 1
        self.nodes.append(node)
        return node.output[0]

    def int64(self, value: int) -> str:
        return self.op("Constant", value=helper.make_tensor("", TensorProto.INT64, [], [value]))

    def like(self, value: float, ref: str) -> str:
        scalar = self.op("Constant", value=helper.make_tensor("", TensorProto.DOUBLE, [], [value]))
        return self.op("CastLike", scalar, ref)

    def power_of_two(self, exponent: str) -> str:
        """``2 ** exponent`` (int64, exponent >= 0) through an unsigned shift."""
        one = self.op("Constant", value=helper.make_tensor("", TensorProto.UINT64, [], [1]))
        shift = self.op("Cast", exponent, to=TensorProto.UINT64)
        return self.op(
            "Cast", self.op("BitShift", one, shift, direction="LEFT"), to=TensorProto.INT64
        )

    def floor_div(self, x: str, divisor: str) -> str:
        """``floor(x / divisor)`` for a positive divisor, whatever the runtime's rounding."""
        return self.op("Div", self.op("Sub", x, self.op("Mod", x, divisor)), divisor)

    def shift(self, x: str, exponent: str) -> str:
        """Lava's ``arithmetic_shift``: ``x << e`` for ``e > 0``, else ``x >> -e`` (floor)."""
        zero = self.int64(0)
        left = self.power_of_two(self.op("Max", exponent, zero))
        right = self.power_of_two(self.op("Max", self.op("Neg", exponent), zero))
        return self.floor_div(self.op("Mul", x, left), right)

    def decay(self, state: str, factor: str) -> str:
        """``sign(x * f) * (|x * f| >> 12)``: Lava's decay, rounding toward zero."""
        product = self.op("Mul", state, factor)
        magnitude = self.op("Div", self.op("Abs", product), self.int64(1 << DECAY_SHIFT))
        return self.op("Mul", self.op("Sign", product), magnitude)

    def wrap_current(self, current: str) -> str:
        top, span = self.int64(_STATE_MAX), self.int64(2 * _STATE_MAX)
        wrapped = self.op(
            "Where", self.op("Greater", current, top), self.op("Sub", current, span), current
        )
        low = self.op("LessOrEqual", wrapped, self.op("Neg", top))
        return self.op("Where", low, self.op("Add", current, span), wrapped)

    def saturate(self, voltage: str) -> str:
        top = self.int64(_STATE_MAX - 1)
        return self.op("Min", self.op("Max", voltage, self.op("Neg", top)), top)

    def wrap_signed(self, x: str, bits: int) -> str:
        half, base = self.int64(1 << (bits - 1)), self.int64(1 << bits)
        return self.op("Sub", self.op("Mod", self.op("Add", x, half), base), half)

    def effective_weights(self, weight: str, bits: str) -> str:
        """Lava Dense's ``clip_weights`` then ``truncate_weights`` of int64 mantissas."""
        zero = self.int64(0)
        low, high = (
            self.op("ReduceMin", weight, keepdims=0),
            self.op("ReduceMax", weight, keepdims=0),
        )
        excitatory = self.op("GreaterOrEqual", low, zero)
        inhibitory = self.op("And", self.op("Not", excitatory), self.op("LessOrEqual", high, zero))
        mixed = self.op(
            "Cast", self.op("Not", self.op("Or", excitatory, inhibitory)), to=TensorProto.INT64
        )
        signed = self.op("Where", inhibitory, self.op("Neg", weight), weight)
        floor = self.op("Mul", self.int64(-(1 << WEIGHT_BITS)), mixed)
        clipped = self.op("Min", self.op("Max", signed, floor), self.int64((1 << WEIGHT_BITS) - 1))
        drop = self.op("Add", self.op("Sub", self.int64(WEIGHT_BITS), bits), mixed)
        step = self.power_of_two(drop)
        truncated = self.op("Mul", self.floor_div(clipped, step), step)
        return self.op("Where", inhibitory, self.op("Neg", truncated), truncated)

    def dense(self, spikes: str, weight: str, bits: str, exponent: str) -> str:
        """Lava Dense: effective weights times spikes (any trailing shape), shifted."""
        flat = self.op("Flatten", spikes, axis=1)
        product = self.op(
            "MatMul", flat, self.op("Transpose", self.effective_weights(weight, bits))
        )
        return self.shift(product, exponent)


def _float_neuron(body: _Body, recurrent: bool, spiking: bool) -> None:
    a = "a"
    if recurrent:
        flat = body.op("Flatten", "s", axis=1)
        feedback = body.op("Gemm", flat, body.op("CastLike", "recurrent_weight", a), transB=1)
        a = body.op("Add", a, body.op("Reshape", feedback, body.op("Shape", a)))
    one = body.like(1.0, a)
    keep_u = body.op("Sub", one, body.op("CastLike", body.attribute("current_decay", _T), a))
    keep_v = body.op("Sub", one, body.op("CastLike", body.attribute("voltage_decay", _T), a))
    u = body.named("u_next", "Add", body.op("Mul", "u", keep_u), a)
    v = body.op(
        "Add", body.op("Add", body.op("Mul", "v", keep_v), u), body.op("CastLike", "bias", a)
    )
    if not spiking:
        body.named("v_next", "Identity", v)
        body.named("out", "Identity", v)
        return
    threshold = body.op("CastLike", body.attribute("threshold", _T), a)
    fired = body.op("GreaterOrEqual", v, threshold)
    body.named("v_next", "Where", fired, body.like(0.0, a), v)
    body.named("out", "CastLike", fired, a)
    if recurrent:
        body.named("s_next", "Identity", "out")


_T, _I, _INTS = onnx.AttributeProto.TENSOR, onnx.AttributeProto.INT, onnx.AttributeProto.INTS


def _fixed_neuron(body: _Body, recurrent: bool, spiking: bool, shift_leak: bool) -> None:
    a = "a"
    if recurrent:
        feedback = body.dense(
            "s",
            "recurrent_weight",
            body.attribute("recurrent_num_weight_bits", _I),
            body.attribute("recurrent_weight_exp", _I),
        )
        a = body.op("Add", a, body.op("Reshape", feedback, body.op("Shape", a)))
    bias = body.shift("bias_mant", body.attribute("bias_exp", _I))
    aligned = body.op("Mul", a, body.int64(1 << ALIGN_SHIFT))
    if shift_leak:
        current = body.op("Add", _shift_leak(body, "u", "shift_u"), aligned)
    else:
        du = body.attribute("du", _I)
        factor = body.op("Sub", body.int64((1 << DECAY_SHIFT) - 1), du)
        current = body.op("Add", body.decay("u", factor), aligned)
    current = body.named("u_next", "Identity", body.wrap_current(current))
    if shift_leak:
        leaked = _shift_leak(body, "v", "shift_v")
    else:
        leaked = body.decay(
            "v", body.op("Sub", body.int64(1 << DECAY_SHIFT), body.attribute("dv", _I))
        )
    voltage = body.saturate(body.op("Add", body.op("Add", leaked, current), bias))
    vth = body.attribute("vth", _I) if spiking else body.int64(NON_SPIKING_VTH)
    fired = body.op("Greater", voltage, body.op("Mul", vth, body.int64(1 << ALIGN_SHIFT)))
    body.named("v_next", "Where", fired, body.int64(0), voltage)
    if spiking:
        body.named("out", "Cast", fired, to=TensorProto.INT64)
    else:
        body.named("out", "Identity", "v_next")
    if recurrent:
        body.named("s_next", "Identity", "out")


def _shift_leak(body: _Body, state: str, shift: str) -> str:
    """``state - (state >> shift)``; a shift of NO_LEAK or more keeps the state."""
    capped = body.op("Min", shift, body.int64(NO_LEAK - 1))
    leak = body.floor_div(state, body.power_of_two(capped))
    kept = body.op("GreaterOrEqual", shift, body.int64(NO_LEAK))
    return body.op("Sub", state, body.op("Where", kept, body.int64(0), leak))


def _fixed_dense(body: _Body) -> None:
    bits = body.attribute("num_weight_bits", _I)
    product = body.dense("s", "weight", bits, body.attribute("weight_exp", _I))
    body.named("out", "Identity", product)


def _fixed_conv(body: _Body) -> None:
    x = body.op("Cast", "s", to=TensorProto.FLOAT)
    weight = body.op("Cast", "weight", to=TensorProto.FLOAT)
    padding = body.attribute("padding", _INTS)
    zeros = body.op("Constant", value=helper.make_tensor("", TensorProto.INT64, [2], [0, 0]))
    pads = body.op("Concat", zeros, padding, zeros, padding, axis=0)
    padded = body.op("Pad", x, pads)
    conv = helper.make_node("Conv", [padded, weight], ["conv"])
    for name, field, kind in (
        ("strides", "stride", _INTS),
        ("dilations", "dilation", _INTS),
        ("group", "groups", _I),
    ):
        conv.attribute.append(onnx.AttributeProto(name=name, ref_attr_name=field, type=kind))
    body.nodes.append(conv)
    total = body.op("Cast", "conv", to=TensorProto.INT64)
    shifted = body.shift(total, body.attribute("weight_exp", _I))
    body.named("out", "Identity", body.wrap_signed(shifted, STATE_BITS))


#: Kind -> (function that fills the body, its data inputs before the array fields).
_BODIES = {
    CubaLIF: (lambda b: _float_neuron(b, False, True), ("a", "u", "v")),
    RecurrentCubaLIF: (lambda b: _float_neuron(b, True, True), ("a", "u", "v", "s")),
    CubaLI: (lambda b: _float_neuron(b, False, False), ("a", "u", "v")),
    FixedCubaLIF: (lambda b: _fixed_neuron(b, False, True, False), ("a", "u", "v")),
    FixedRecurrentCubaLIF: (lambda b: _fixed_neuron(b, True, True, False), ("a", "u", "v", "s")),
    FixedCubaLI: (lambda b: _fixed_neuron(b, False, False, False), ("a", "u", "v")),
    FixedShiftLIF: (lambda b: _fixed_neuron(b, False, True, True), ("a", "u", "v")),
    FixedRecurrentShiftLIF: (lambda b: _fixed_neuron(b, True, True, True), ("a", "u", "v", "s")),
    FixedDense: (_fixed_dense, ("s",)),
    FixedConv2d: (_fixed_conv, ("s",)),
}


def state_inputs(kind: type[Node]) -> tuple[str, ...]:
    """The function inputs of ``kind`` after its data input and before its array fields."""
    return _BODIES[kind][1][1:]


def function(kind: type[Node]) -> onnx.FunctionProto:
    """The ONNX function of one step of ``kind``."""
    if kind not in _BODIES:
        raise ModelError(
            f"kind {kind.__name__} has no ONNX function: add its step to _BODIES in "
            f"pumice/convert/interchange/onnx_functions.py"
        )
    fill, data = _BODIES[kind]
    body = _Body(kind)
    fill(body)
    outputs = ["out"]
    if kind.traits.role == "neuron":
        outputs += ["u_next", "v_next"] + (["s_next"] if kind.traits.recurrent else [])
    arrays = schema.CUSTOM_KINDS[kind]
    attributes = [f.name for f in dataclasses.fields(kind) if f.name not in arrays]
    return helper.make_function(
        schema.DOMAIN,
        kind.__name__,
        [*data, *arrays],
        outputs,
        body.nodes,
        opset_imports=[helper.make_opsetid("", schema.OPSET)],
        attributes=attributes,
    )
