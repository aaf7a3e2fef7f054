"""Quantisers of the float LIF kinds, following lava-dl's formats.

Thresholds become ``int(threshold * scale)`` (SLAYER's ``v_th_mant``), decays 12-bit
``round(decay * 4096)`` with Lava's current offset (``du = iDecay - 1``), biases a 13-bit
mantissa with netx's ``bias_exp = 6``. Per-neuron decays fit no Lava ``LIF``: they need
``leak="shift"``, which makes the neuron a shift-leak neuron as it goes.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import (
    CubaLIF,
    FixedCubaLIF,
    FixedRecurrentCubaLIF,
    Node,
    RecurrentCubaLIF,
)
from pumice.convert.ir.fixed_point import BIAS_MANT_MAX, DECAY_ONE, NETX_BIAS_EXP, VTH_MAX
from pumice.convert.ir.recurrence import recurrent_fields, recurrent_name
from pumice.convert.leak_shifts import shift_neuron
from pumice.convert.quantizers.registry import QuantizeContext, quantizer
from pumice.convert.quantizers.synapses import fixed_dense
from pumice.errors import ModelError


def quantize_decays(decay: float | np.ndarray) -> np.ndarray:
    """Decay fractions (a per-neuron array or a scalar) as 12-bit ``round(decay * 4096)``."""
    fraction = np.asarray(decay, dtype=np.float64)
    return np.clip(np.round(fraction * DECAY_ONE), 0, DECAY_ONE).astype(np.int64)


def layer_decay(name: str, field: str, values: np.ndarray) -> int:
    """The one 12-bit decay of a layer; per-neuron decays cannot be a Lava ``LIF``'s."""
    if np.any(values != values.flat[0]):
        raise ModelError(
            f"layer '{name}': per-neuron {field}s cannot run on Lava's LIF (one {field} "
            f"per layer): convert with --leak shift"
        )
    return int(values.flat[0])


def fixed_threshold(name: str, threshold: float, scale: int) -> int:
    """``vth = int(threshold * scale)``, which must fit Lava's 17 bits."""
    vth = int(threshold * scale)
    if not 0 <= vth <= VTH_MAX:
        raise ModelError(
            f"layer '{name}': threshold {threshold} becomes vth {vth}, outside Lava's "
            f"17-bit range [0, {VTH_MAX}]"
        )
    return vth


def fixed_bias(name: str, node: Node, context: QuantizeContext) -> dict:
    """A float node's ``bias`` as ``bias_mant`` and ``bias_exp``; records what was clipped."""
    bias = np.round(np.asarray(node.bias, dtype=np.float64) * context.scale).astype(np.int64)
    mantissa = np.clip(bias, -BIAS_MANT_MAX - 1, BIAS_MANT_MAX)
    context.bias(name, node.bias, mantissa)
    return {"bias_mant": mantissa, "bias_exp": NETX_BIAS_EXP}


def fixed_decays(node: Node) -> tuple[np.ndarray, np.ndarray]:
    """Lava's ``du`` and ``dv`` of a float node's decays (per neuron where they are)."""
    du = np.maximum(quantize_decays(node.current_decay) - 1, 0)
    dv = np.minimum(quantize_decays(node.voltage_decay), DECAY_ONE - 1)
    return du, dv


@quantizer(CubaLIF, RecurrentCubaLIF)
def _lif(name: str, node: CubaLIF, context: QuantizeContext) -> Node:
    recurrent = {}
    if node.traits.recurrent:
        integer, step = context.grid(recurrent_name(name))
        synapse = fixed_dense(integer, step, context.weight_bits, node.sparse)
        recurrent = recurrent_fields(synapse)
    fields = {
        "shape": tuple(node.shape),
        "vth": fixed_threshold(name, node.threshold, context.scale),
        **fixed_bias(name, node, context),
        **recurrent,
    }
    du, dv = fixed_decays(node)
    if context.leak == "shift":
        fixed, change = shift_neuron(name, (du + 1) / DECAY_ONE, dv / DECAY_ONE, **fields)
        context.shifted.append(change)
        return fixed
    kind = FixedRecurrentCubaLIF if node.traits.recurrent else FixedCubaLIF
    du, dv = layer_decay(name, "current decay", du), layer_decay(name, "voltage decay", dv)
    return kind(du=du, dv=dv, **fields)
