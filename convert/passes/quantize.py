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
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import (
    FLOAT_KINDS,
    Conv2d,
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedCubaLIF,
    FixedDense,
    Graph,
    SumPool2d,
)
from pumice.convert.passes import register_pass
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
    return int(np.clip(np.round(decay * _DECAY_ONE), 0, _DECAY_ONE))


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
    return weights


def _saturated(values: np.ndarray, step: int, kept: np.ndarray) -> int:
    """How many values the integer range clipped (rounded value differs from the one kept)."""
    return int(
        np.count_nonzero(np.round(np.asarray(values, dtype=np.float64) / step) * step != kept)
    )


def _lif(name: str, node: CubaLIF, scale: int) -> FixedCubaLIF:
    vth = int(node.threshold * scale)
    if not 0 <= vth <= _VTH_MAX:
        raise ModelError(
            f"layer '{name}': threshold {node.threshold} becomes vth {vth}, outside Lava's "
            f"17-bit range [0, {_VTH_MAX}]"
        )
    bias = np.round(np.asarray(node.bias, dtype=np.float64) * scale).astype(np.int64)
    return FixedCubaLIF(
        shape=tuple(node.shape),
        du=max(quantize_decay(node.current_decay) - 1, 0),
        dv=min(quantize_decay(node.voltage_decay), _DECAY_ONE - 1),
        vth=vth,
        bias_mant=np.clip(bias, -_BIAS_MANT_MAX - 1, _BIAS_MANT_MAX),
        bias_exp=BIAS_EXP,
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
    steps: dict[str, int] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.weight_bits <= 8:
            raise ModelError(
                f"weight bits must be 1 to 8 (Loihi's synapse widths), got {self.weight_bits}"
            )

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
        weights = self.synapse_weights(graph)
        float_weights = float_synapse_weights(graph)
        nodes, changed, saturated = {}, False, {}
        for name, node in graph.nodes.items():
            if name in weights:
                integer, step = weights[name]
                saturated[name] = _saturated(float_weights[name] * self.scale, step, integer)
                node = _SYNAPSES[type(node)](node, integer, self.weight_bits, step)
            elif isinstance(node, CubaLIF):
                bias = np.asarray(node.bias, dtype=np.float64) * self.scale
                node = _lif(name, node, self.scale)
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
        return fixed, changed
