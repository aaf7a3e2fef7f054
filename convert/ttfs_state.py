"""How large a TTFS layer's potential can grow: payloads times weights, summed over fan-in.

A graded spike carries at most its source's largest payload, so a neuron's potential
always lies within ``bias + sum(min(w, 0)) * P`` and ``bias + sum(max(w, 0)) * P`` (``P``
the largest payload reaching it). The quantiser keeps that span inside the 24-bit ``v``,
and the design rules check it on fixed-point graphs.
"""

from __future__ import annotations

import numpy as np

from pumice.convert import lava_arithmetic as la
from pumice.convert.ir import Graph, Node


def feeding_source(graph: Graph, synapse: str) -> str:
    """The input or neuron node whose spikes reach ``synapse``, looking through reshapes."""
    name = graph.predecessor(synapse)
    while graph.nodes[name].traits.role == "reshape":
        name = graph.predecessor(name)
    return name


def largest_payload(node: Node) -> float:
    """The largest value one spike of ``node`` carries (1 for binary spikes)."""
    if not node.traits.graded:
        return 1.0
    if node.traits.role == "input":
        return float((1 << node.payload_bits) - 1)
    return float(np.max(node.payload))


def synapse_weight(node: Node, channels: int) -> np.ndarray:
    """The weight array a synapse applies: the effective integers of a fixed Dense
    (clipped, truncated, shifted by ``weight_exp``), a pool's depthwise kernel."""
    if node.traits.connectivity == "pool":
        return node.depthwise_weight(channels)
    if node.domain == "fixed" and node.traits.connectivity == "dense":
        effective = la.effective_dense_weights(node.weight, node.num_weight_bits)
        return effective.astype(np.float64) * 2.0 ** int(node.weight_exp)
    if node.domain == "fixed":
        return np.asarray(node.weight, dtype=np.float64) * 2.0 ** int(node.weight_exp)
    return np.asarray(node.weight, dtype=np.float64)


def weight_sums(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per output neuron (dense) or output channel (conv): the sums of the positive and of
    the negative weights it receives."""
    flat = weight.reshape(weight.shape[0], -1)
    return np.maximum(flat, 0).sum(axis=1), np.minimum(flat, 0).sum(axis=1)


def potential_span(
    weight: np.ndarray, bias: np.ndarray, payload: float, out_shape: tuple[int, ...]
) -> tuple[float, float]:
    """Lowest and highest potential any neuron of ``out_shape`` can reach."""
    positive, negative = weight_sums(weight)
    per_neuron = (out_shape[0], *([1] * (len(out_shape) - 1)))
    bias = np.broadcast_to(np.asarray(bias, dtype=np.float64), out_shape)
    high = bias + (positive * payload).reshape(per_neuron)
    low = bias + (negative * payload).reshape(per_neuron)
    return float(low.min(initial=0.0)), float(high.max(initial=0.0))
