"""Quantise a float graph to the fixed-point formats of Lava's ``fixed_pt`` models.

Follows lava-dl exactly, so a SLAYER-trained network keeps its accuracy: weights are
rounded to steps of ``2 / scale`` and clamped to [-256, 254] / scale (SLAYER's
``quantize_8bit``), then stored as 8-bit mantissas with a per-layer exponent (netx's
``optimize_weight_bits``); thresholds become ``int(threshold * scale)`` (SLAYER's
``v_th_mant``); decays become 12-bit ``round(decay * 4096)`` with Lava's current
offset (``du = iDecay - 1``); biases get a 13-bit mantissa with ``bias_exp = 6``.
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
from pumice.convert.weight_format import mantissa_and_exponent
from pumice.errors import ModelError

#: SLAYER's ``w_scale``: integer units per threshold unit in weights and thresholds.
SLAYER_SCALE = 1 << 6
#: Lava applies ``bias_mant << 6`` (netx's ``bias_exp``), putting bias in u's units.
BIAS_EXP = 6
_DECAY_ONE = 1 << 12
_BIAS_MANT_MAX = (1 << 12) - 1
_VTH_MAX = (1 << 17) - 1


def quantize_weights(weight: np.ndarray, scale: int) -> np.ndarray:
    """SLAYER's ``quantize_8bit`` in integer units: even values in [-256, 254]."""
    integer = np.clip(np.round(np.asarray(weight, dtype=np.float64) * scale / 2) * 2, -256, 254)
    if integer.max(initial=0) <= 0:
        integer = np.maximum(integer, -254)  # an all-inhibitory Lava synapse holds >= -255
    return integer.astype(np.int64)


def quantize_decay(decay: float) -> int:
    """A decay fraction as 12-bit ``round(decay * 4096)``."""
    return int(np.clip(np.round(decay * _DECAY_ONE), 0, _DECAY_ONE))


def _dense(name: str, node: Dense, scale: int) -> FixedDense:
    fmt = mantissa_and_exponent(quantize_weights(node.weight, scale))
    return FixedDense(fmt.mantissa, weight_exp=fmt.exponent, num_weight_bits=fmt.num_weight_bits)


def _conv(name: str, node: Conv2d, scale: int) -> FixedConv2d:
    return FixedConv2d(
        quantize_weights(node.weight, scale),
        stride=node.stride,
        padding=node.padding,
        dilation=node.dilation,
        groups=node.groups,
    )


def _pool(name: str, node: SumPool2d, scale: int, channels: int) -> FixedConv2d:
    weight = quantize_weights(np.full((channels, 1, *node.kernel), node.weight), scale)
    return FixedConv2d(weight, stride=node.stride, padding=node.padding, groups=channels)


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

    def apply(self, graph: Graph) -> tuple[Graph, bool]:
        shapes = graph.shapes()
        nodes, changed = {}, False
        for name, node in graph.nodes.items():
            if isinstance(node, Dense):
                node = _dense(name, node, self.scale)
            elif isinstance(node, Conv2d):
                node = _conv(name, node, self.scale)
            elif isinstance(node, SumPool2d):
                node = _pool(name, node, self.scale, shapes[graph.predecessor(name)][0])
            elif isinstance(node, CubaLIF):
                node = _lif(name, node, self.scale)
            else:
                nodes[name] = node
                continue
            nodes[name], changed = node, True
        fixed = dataclasses.replace(graph, nodes=nodes)
        assert not any(isinstance(n, FLOAT_KINDS) for n in fixed.nodes.values())
        fixed.metadata = {**graph.metadata, "quantization": {"scale": self.scale}}
        return fixed, changed
