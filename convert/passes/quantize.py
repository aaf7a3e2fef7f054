"""Quantise a float graph to the fixed-point formats of Lava's ``fixed_pt`` models.

By default it follows lava-dl exactly, so a SLAYER-trained network keeps its accuracy:
weights are rounded to steps of ``2 / scale`` and clamped to [-256, 254] / scale
(SLAYER's ``quantize_8bit``); thresholds become ``int(threshold * scale)`` (SLAYER's
``v_th_mant``); decays become 12-bit ``round(decay * 4096)`` with Lava's current
offset (``du = iDecay - 1``); biases get a 13-bit mantissa with ``bias_exp = 6``.

With ``weight_bits`` below 8, each layer's weights go on a ``weight_bits``-bit grid whose
step (a power of two, in units of ``1 / scale``) is the smallest that holds the largest
weight, unless ``steps`` names one (see the ``calibrate`` pass, which searches it). Every
grid is stored as Lava mantissas with a per-layer exponent that reproduce it exactly.

A recurrent layer's own weights are a synapse set of their own (``<layer>.recurrent``,
with its own step). Per-neuron decays fit no Lava ``LIF``: they need ``leak="shift"``,
which makes every neuron a shift-leak neuron (see the ``shift_leak`` pass) as it goes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import (
    FLOAT_KINDS,
    Conv2d,
    CubaLI,
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedCubaLI,
    FixedCubaLIF,
    FixedDense,
    FixedRecurrentCubaLIF,
    Graph,
    ISIConv2d,
    ISIDense,
    RecurrentCubaLIF,
    SumPool2d,
)
from pumice.convert.passes import register_pass
from pumice.convert.passes.shift_leak import shift_neuron
from pumice.convert.recurrence import recurrent_fields, recurrent_name
from pumice.convert.weight_format import grid_format, grid_levels, on_grid
from pumice.errors import ModelError

#: SLAYER's ``w_scale``: integer units per threshold unit in weights and thresholds.
SLAYER_SCALE = 1 << 6
#: Lava applies ``bias_mant << 6`` (netx's ``bias_exp``), putting bias in u's units.
BIAS_EXP = 6
_DECAY_ONE = 1 << 12
_BIAS_MANT_MAX = (1 << 12) - 1
_VTH_MAX = (1 << 17) - 1


#: SLAYER's 8-bit weight step in integer units (``quantize_8bit``'s ``2 / w_scale``).
SLAYER_STEP = 2


def max_abs_step(weight: np.ndarray, scale: int, bits: int) -> int:
    """Smallest power-of-two step whose ``bits``-bit grid holds the largest weight."""
    largest = float(np.abs(np.asarray(weight, dtype=np.float64) * scale).max(initial=0.0))
    top = grid_levels(bits, mixed=True)[1] if bits > 1 else 1
    step = 1
    while step * top < largest and step < (1 << 16):
        step *= 2
    return step


def quantize_weights(weight: np.ndarray, scale: int) -> np.ndarray:
    """SLAYER's ``quantize_8bit`` in integer units: even values in [-256, 254]."""
    integer = np.clip(np.round(np.asarray(weight, dtype=np.float64) * scale / 2) * 2, -256, 254)
    if integer.max(initial=0) <= 0:
        integer = np.maximum(integer, -254)  # an all-inhibitory Lava synapse holds >= -255
    return integer.astype(np.int64)


def quantize_decay(decay: float) -> int:
    """A decay fraction as 12-bit ``round(decay * 4096)``."""
    return int(quantize_decays(decay))


def quantize_decays(decay: float | np.ndarray) -> np.ndarray:
    """:func:`quantize_decay` of every element (a per-neuron array or a scalar)."""
    fraction = np.asarray(decay, dtype=np.float64)
    return np.clip(np.round(fraction * _DECAY_ONE), 0, _DECAY_ONE).astype(np.int64)


def _dense(node: Dense, weight: np.ndarray, bits: int, step: int) -> FixedDense:
    fmt = grid_format(weight, bits, step)
    return FixedDense(
        fmt.mantissa,
        sparse=node.sparse,
        weight_exp=fmt.exponent,
        num_weight_bits=fmt.num_weight_bits,
    )


def _conv(node: Conv2d, weight: np.ndarray, bits: int, step: int) -> FixedConv2d:
    # Lava's Conv ignores weight_exp: the grid is stored as plain integer weights.
    return FixedConv2d(
        weight, stride=node.stride, padding=node.padding, dilation=node.dilation, groups=node.groups
    )


def _pool(node: SumPool2d, weight: np.ndarray, bits: int, step: int) -> FixedConv2d:
    return FixedConv2d(weight, stride=node.stride, padding=node.padding, groups=weight.shape[0])


_SYNAPSES = {Dense: _dense, Conv2d: _conv, SumPool2d: _pool}


def float_synapse_weights(graph: Graph) -> dict[str, np.ndarray]:
    """Each float synapse's weight array; a sum pool's shared weight fills its depthwise kernel."""
    shapes = graph.shapes()
    weights = {}
    for name, node in graph.nodes.items():
        if isinstance(node, SumPool2d):
            channels = shapes[graph.predecessor(name)][0]
            weights[name] = np.full((channels, 1, *node.kernel), node.weight)
        elif type(node) in _SYNAPSES:
            weights[name] = np.asarray(node.weight, dtype=np.float64)
        if isinstance(node, RecurrentCubaLIF):
            weights[recurrent_name(name)] = np.asarray(node.recurrent_weight, dtype=np.float64)
    return weights


def _saturated(values: np.ndarray, step: int, kept: np.ndarray) -> int:
    """How many values the integer range clipped (rounded value differs from the one kept)."""
    return int(
        np.count_nonzero(np.round(np.asarray(values, dtype=np.float64) / step) * step != kept)
    )


def _layer_decay(name: str, field: str, values: np.ndarray) -> int:
    """The one 12-bit decay of a layer; per-neuron decays cannot be a Lava ``LIF``'s."""
    if np.any(values != values.flat[0]):
        raise ModelError(
            f"layer '{name}': per-neuron {field}s cannot run on Lava's LIF (one {field} "
            f"per layer): convert with --leak shift"
        )
    return int(values.flat[0])


def _lif(name: str, node: CubaLIF, scale: int, leak: str, recurrent: dict):
    """The fixed-point neuron of ``node`` and, for a shift leak, its report entry.

    ``recurrent`` holds the quantised recurrent fields of a recurrent layer (else empty).
    """
    vth = int(node.threshold * scale)
    if not 0 <= vth <= _VTH_MAX:
        raise ModelError(
            f"layer '{name}': threshold {node.threshold} becomes vth {vth}, outside Lava's "
            f"17-bit range [0, {_VTH_MAX}]"
        )
    bias = np.round(np.asarray(node.bias, dtype=np.float64) * scale).astype(np.int64)
    fields = {
        "shape": tuple(node.shape),
        "vth": vth,
        "bias_mant": np.clip(bias, -_BIAS_MANT_MAX - 1, _BIAS_MANT_MAX),
        "bias_exp": BIAS_EXP,
        **recurrent,
    }
    du = np.maximum(quantize_decays(node.current_decay) - 1, 0)
    dv = np.minimum(quantize_decays(node.voltage_decay), _DECAY_ONE - 1)
    if leak == "shift":
        return shift_neuron(name, (du + 1) / _DECAY_ONE, dv / _DECAY_ONE, **fields)
    kind = FixedRecurrentCubaLIF if recurrent else FixedCubaLIF
    du, dv = _layer_decay(name, "current decay", du), _layer_decay(name, "voltage decay", dv)
    return kind(du=du, dv=dv, **fields), None


def _li(name: str, node: CubaLI, scale: int) -> FixedCubaLI:
    """A non-spiking layer: the decays and bias of :func:`_lif`, always a multiplier leak."""
    lif = CubaLIF(
        shape=node.shape,
        threshold=0.0,
        current_decay=node.current_decay,
        voltage_decay=node.voltage_decay,
        bias=node.bias,
    )
    fixed, _ = _lif(name, lif, scale, "multiply", {})
    return FixedCubaLI(
        shape=fixed.shape,
        du=fixed.du,
        dv=fixed.dv,
        bias_mant=fixed.bias_mant,
        bias_exp=fixed.bias_exp,
    )


def _refuse_isi_synapses(graph: Graph) -> None:
    for name, node in graph.nodes.items():
        if isinstance(node, ISIDense | ISIConv2d):
            raise ModelError(
                f"layer '{name}' is an {type(node).__name__}: lower it first (pass "
                f"'lower_isi'; pumice convert does it), then quantise"
            )


@register_pass
@dataclasses.dataclass
class QuantizeToLoihi:
    """Float graph -> fixed-point graph with lava-dl's quantisation."""

    name = "quantize"

    #: Integer units per threshold unit (SLAYER's ``w_scale``).
    scale: int = SLAYER_SCALE
    #: Weight bits per synapse, 1..8 (Loihi's synapses hold 1-8).
    weight_bits: int = 8
    #: Grid step per synapse node name (integer units, a power of two); others default.
    #: A recurrent layer's own synapses are named ``<layer>.recurrent``.
    steps: dict[str, int] = dataclasses.field(default_factory=dict)
    #: "multiply" (Lava's LIF) or "shift": neurons become shift-leak neurons directly (see
    #: the ``shift_leak`` pass), which per-neuron decays need.
    leak: str = "multiply"

    def __post_init__(self) -> None:
        if not 1 <= self.weight_bits <= 8:
            raise ModelError(
                f"weight bits must be 1 to 8 (Loihi's synapse widths), got {self.weight_bits}"
            )
        if self.leak not in ("multiply", "shift"):
            raise ModelError(f"unknown leak '{self.leak}': choose multiply or shift")

    def synapse_weights(self, graph: Graph) -> dict[str, tuple[np.ndarray, int]]:
        """Per synapse node: its integer weights on the grid and the grid's step."""
        chosen = {}
        for name, weight in float_synapse_weights(graph).items():
            if name in self.steps:
                step = self.steps[name]
            elif self.weight_bits == 8:
                step = SLAYER_STEP
            else:
                step = max_abs_step(weight, self.scale, self.weight_bits)
            if self.weight_bits == 8 and step == SLAYER_STEP:
                integer = quantize_weights(weight, self.scale)
            else:
                integer = on_grid(weight * self.scale, self.weight_bits, step)
            chosen[name] = (integer, step)
        return chosen

    def apply(self, graph: Graph) -> tuple[Graph, bool]:
        _refuse_isi_synapses(graph)
        weights = self.synapse_weights(graph)
        float_weights = float_synapse_weights(graph)
        nodes, changed, saturated, shifted = {}, False, {}, []
        for name, node in graph.nodes.items():
            if name in weights:
                integer, step = weights[name]
                saturated[name] = _saturated(float_weights[name] * self.scale, step, integer)
                node = _SYNAPSES[type(node)](node, integer, self.weight_bits, step)
            elif isinstance(node, CubaLIF):
                recurrent = {}
                if isinstance(node, RecurrentCubaLIF):
                    key = recurrent_name(name)
                    integer, step = weights[key]
                    saturated[key] = _saturated(float_weights[key] * self.scale, step, integer)
                    synapse = _dense(
                        Dense(integer, sparse=node.sparse), integer, self.weight_bits, step
                    )
                    recurrent = recurrent_fields(synapse)
                bias = np.asarray(node.bias, dtype=np.float64) * self.scale
                node, change = _lif(name, node, self.scale, self.leak, recurrent)
                saturated[name] = _saturated(bias, 1, node.bias_mant)
                shifted += [change] if change else []
            elif isinstance(node, CubaLI):
                bias = np.asarray(node.bias, dtype=np.float64) * self.scale
                node = _li(name, node, self.scale)
                saturated[name] = _saturated(bias, 1, node.bias_mant)
            else:
                nodes[name] = node
                continue
            nodes[name], changed = node, True
        fixed = dataclasses.replace(graph, nodes=nodes)
        assert not any(isinstance(n, FLOAT_KINDS) for n in fixed.nodes.values())
        fixed.metadata = {
            **graph.metadata,
            "quantization": {
                "scale": self.scale,
                "weight_bits": self.weight_bits,
                "steps": {name: step for name, (_, step) in weights.items()},
                # weights (synapse nodes) and biases (neuron nodes) the range clipped
                "saturated": saturated,
            },
        }
        if self.leak == "shift":
            fixed.metadata["shift_leak"] = shifted
        return fixed, changed
