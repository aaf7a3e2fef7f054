"""Quantise a float TTFS graph (:mod:`pumice.convert.ir.ttfs`) to Loihi's integer formats.

Layer by layer, from the input on, each fixed-point layer's potential stands for the
float one times a scale ``sigma``:

- a spike's payload is its float value times the source's payload scale ``S``, rounded:
  the input's raw 8-bit intensity (``S = 1``), a TTFS layer's kernel table scaled so its
  largest entry is ``2**payload_bits - 1`` (entries below 1 become 1, a spike always
  carries a value);
- a synapse's float weights times a gain ``G`` become 8-bit integers (even values in
  [-256, 254] with mixed signs, as Lava keeps them; [0, 255] or its negative otherwise;
  weights all equal, as in pooling and the input encoder, become exactly 1), so
  ``sigma = S * G``; ``G`` is as large as the 8 bits allow, unless the potential could
  then leave the 24-bit ``v`` (payloads times weights, :mod:`pumice.convert.ttfs_state`)
  or the largest threshold could not be held, in which case it shrinks to fit;
- the bias becomes ``round(sigma * b)`` as a 13-bit mantissa and a shift, the
  thresholds ``ceil(sigma * threshold)``: an integer potential reaches such a threshold
  exactly when its float value reaches the float threshold.

The input encoder (raw intensities through weights of ``1 / 255``) is therefore exact;
elsewhere rounding the weights and payloads moves potentials slightly.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import (
    Conv2d,
    Dense,
    FixedConv2d,
    FixedDense,
    FixedTTFSNeuron,
    FixedTTFSReadout,
    Graph,
    Node,
    SumPool2d,
    TTFSNeuron,
    TTFSReadout,
)
from pumice.convert.ir.fixed_point import BIAS_MANT_MAX, STATE_BITS
from pumice.convert.passes.registry import PassResult, register_pass
from pumice.convert.ttfs_state import (
    feeding_source,
    largest_payload,
    potential_span,
    synapse_weight,
)
from pumice.errors import ModelError

#: Largest ``v`` of the 24-bit state.
V_MAX = (1 << (STATE_BITS - 1)) - 1
#: Largest bias exponent Loihi holds (3 unsigned bits).
BIAS_EXP_MAX = 7
_NEURONS = (TTFSNeuron, TTFSReadout)


def integer_weights(weight: np.ndarray, gain: float) -> np.ndarray:
    """``weight * gain`` on Lava's 8-bit grid: even in [-256, 254] for mixed signs."""
    scaled = np.asarray(weight, dtype=np.float64) * gain
    if scaled.min(initial=0.0) < 0 < scaled.max(initial=0.0):
        return np.clip(np.round(scaled / 2) * 2, -256, 254).astype(np.int64)
    return np.clip(np.round(scaled), -255, 255).astype(np.int64)


def weight_gain(weight: np.ndarray) -> float:
    """The largest gain the 8-bit grid allows; 1 / |w| when all nonzero weights are equal."""
    magnitudes = np.abs(weight[weight != 0])
    if magnitudes.size == 0:
        return 1.0
    if np.all(magnitudes == magnitudes[0]) and (np.all(weight >= 0) or np.all(weight <= 0)):
        return float(1.0 / magnitudes[0])
    mixed = weight.min() < 0 < weight.max()
    return (254.0 if mixed else 255.0) / float(magnitudes.max())


def fixed_bias(bias: np.ndarray, sigma: float) -> tuple[np.ndarray, int, int]:
    """``round(sigma * bias)`` as 13-bit mantissas and a shift in [0, 7]; and how many
    mantissas the range clipped."""
    scaled = np.asarray(bias, dtype=np.float64) * sigma
    largest = float(np.abs(scaled).max(initial=0.0))
    exponent = 0
    while exponent < BIAS_EXP_MAX and round(largest / 2**exponent) > BIAS_MANT_MAX:
        exponent += 1
    levels = np.round(scaled / 2**exponent)
    mantissa = np.clip(levels, -BIAS_MANT_MAX - 1, BIAS_MANT_MAX).astype(np.int64)
    return mantissa, exponent, int(np.count_nonzero(mantissa != levels))


def payload_table(values: np.ndarray, bits: int) -> tuple[np.ndarray, float]:
    """A kernel's float values as ``bits``-bit payloads (largest = ``2**bits - 1``, none
    below 1) and their scale (payload units per float unit)."""
    scale = ((1 << bits) - 1) / float(np.max(values))
    table = np.clip(np.round(np.asarray(values, dtype=np.float64) * scale), 1, (1 << bits) - 1)
    return table.astype(np.int64), scale


@dataclasses.dataclass(frozen=True)
class _Layer:
    """A quantised synapse and the scale of its neuron's potential."""

    synapse: Node
    sigma: float
    gain: float
    #: The gain 8-bit weights alone would allow (larger: the state bound shrank it).
    weight_gain: float
    span: tuple[float, float]


def _synapse(node: Node, integer: np.ndarray) -> Node:
    if type(node) is Dense:
        return FixedDense(integer, sparse=node.sparse, weight_exp=0, num_weight_bits=8)
    if type(node) is Conv2d:
        fields = {"stride": node.stride, "padding": node.padding, "dilation": node.dilation}
        return FixedConv2d(integer, groups=node.groups, **fields)
    return FixedConv2d(integer, stride=node.stride, padding=node.padding, groups=integer.shape[0])


def _quantise_layer(
    name: str, node: Node, synapse: Node, channels: int, source_scale: float, payload: float
) -> _Layer:
    """Integer weights for ``synapse`` and the scale of ``node``'s potential."""
    if type(synapse) not in (Dense, Conv2d, SumPool2d):
        raise ModelError(
            f"layer '{name}' is fed by a {type(synapse).__name__}; TTFS layers take Dense, "
            "Conv2d or SumPool2d synapses"
        )
    weight = synapse_weight(synapse, channels)
    bias = np.asarray(getattr(node, "bias", 0.0), dtype=np.float64)
    best = weight_gain(weight)
    gain = best
    largest_threshold = float(np.max(node.threshold)) if node.traits.spiking else 0.0
    if largest_threshold * source_scale * gain > V_MAX:
        gain = V_MAX / (largest_threshold * source_scale)
    for _ in range(8):  # shrink until the rounded weights keep v inside 24 bits
        integer = integer_weights(weight, gain)
        sigma = source_scale * gain
        low, high = potential_span(integer.astype(np.float64), bias * sigma, payload, node.shape)
        worst = max(-low, high) + 2.0**BIAS_EXP_MAX  # room for the bias's rounding
        if worst <= V_MAX:
            break
        gain *= 0.98 * V_MAX / worst
    else:
        raise ModelError(
            f"layer '{name}': its potential cannot be kept inside the {STATE_BITS}-bit state "
            "with 8-bit weights: use fewer payload bits"
        )
    if not np.any(integer):
        raise ModelError(
            f"layer '{name}': keeping its potential inside the {STATE_BITS}-bit state rounds "
            "every weight to 0: use fewer payload bits or a smaller fan-in"
        )
    return _Layer(_synapse(synapse, integer), sigma, gain, best, (low, high))


@register_pass
@dataclasses.dataclass
class QuantizeTTFS:
    """Float TTFS graph -> fixed point: payload tables, 8-bit weights, integer thresholds.

    Its report (``ttfs_quantization``) gives per layer the weight gain (and the gain 8 bits
    alone allowed), the potential's scale ``sigma``, its reachable span, the payload table
    and how many bias mantissas the 13 bits clipped.
    """

    name = "quantize_ttfs"

    #: Payload bits of every TTFS layer's graded spikes (1..8).
    payload_bits: int = 8

    def __post_init__(self) -> None:
        if not 1 <= self.payload_bits <= 8:
            raise ModelError(f"payload bits must be 1 to 8, got {self.payload_bits}")

    def apply(self, graph: Graph) -> PassResult:
        kinds = {type(node) for node in graph.nodes.values()}
        if not kinds & set(_NEURONS):
            return PassResult(graph, False)
        others = [n for n, node in graph.neurons() if type(node) not in _NEURONS]
        if others or graph.nodes[graph.input].traits.graded is False:
            raise ModelError(
                "a TTFS graph takes graded input and holds TTFS neurons and readouts only; "
                f"found {', '.join(others) or 'a binary Input'}"
            )
        shapes = graph.shapes()
        scales: dict[str, float] = {graph.input: 1.0}
        nodes: dict[str, Node] = {}
        report: dict[str, dict] = {}
        for name, node in graph.nodes.items():
            if node.traits.role in ("input", "reshape"):
                nodes[name] = node
            elif node.traits.role == "neuron":
                synapse_name = graph.predecessor(name)
                source = feeding_source(graph, synapse_name)
                layer = _quantise_layer(
                    name,
                    node,
                    graph.nodes[synapse_name],
                    shapes[graph.predecessor(synapse_name)][0],
                    scales[source],
                    largest_payload(nodes[source]),
                )
                nodes[synapse_name] = layer.synapse
                nodes[name], report[name] = self._neuron(node, layer)
                if node.traits.spiking:
                    scales[name] = report[name]["payload_scale"]
        ordered = {name: nodes[name] for name in graph.nodes}
        fixed = dataclasses.replace(graph, nodes=ordered, metadata=dict(graph.metadata))
        assert all(node.domain != "float" for node in fixed.nodes.values())
        return PassResult(fixed, True, {"ttfs_quantization": report})

    def _neuron(self, node: Node, layer: _Layer) -> tuple[Node, dict]:
        mantissa, exponent, clipped = fixed_bias(node.bias, layer.sigma)
        timing = {"start": node.start, "integration": node.integration}
        record = {
            "gain": layer.gain,
            "weight_gain": layer.weight_gain,
            "sigma": layer.sigma,
            "potential_span": list(layer.span),
            "bias_exp": exponent,
            "bias_saturated": clipped,
        }
        if not node.traits.spiking:
            fixed = FixedTTFSReadout(node.shape, **timing, bias_mant=mantissa, bias_exp=exponent)
            return fixed, record
        payload, scale = payload_table(node.payload, self.payload_bits)
        threshold = np.ceil(np.asarray(node.threshold, dtype=np.float64) * layer.sigma)
        fixed = FixedTTFSNeuron(
            node.shape,
            **timing,
            delay=node.delay,
            threshold=np.maximum(threshold, 1).astype(np.int64),
            payload=payload,
            bias_mant=mantissa,
            bias_exp=exponent,
            payload_bits=self.payload_bits,
        )
        record |= {
            "payload_scale": scale,
            "payload": payload.tolist(),
            "threshold": [int(fixed.threshold[0]), int(fixed.threshold[-1])],
        }
        return fixed, record
