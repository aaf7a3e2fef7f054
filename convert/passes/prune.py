"""Magnitude pruning: remove each layer's smallest weights, by threshold or target sparsity.

Works on float and fixed graphs alike (within a layer, mantissas order as the weights
do). Pruned dense layers are marked ``sparse``, so Lava gets a ``Sparse`` process that
holds only the remaining synapses; a pruned conv keeps its kernel with zeros in it. A
recurrent layer's own synapses are pruned as a layer of their own (``<layer>.recurrent``)
and marked sparse the same way.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import Graph, Node
from pumice.convert.ir.recurrence import recurrent_name, recurrent_synapse, with_recurrent_synapse
from pumice.convert.passes.registry import PassResult, register_pass
from pumice.errors import PumiceError


def _prunable(node: Node) -> bool:
    """Dense and conv synapses with a weight array (not pooling, not ISI synapses)."""
    traits = node.traits
    return traits.role == "synapse" and traits.connectivity in ("dense", "conv") and not traits.isi


def magnitude_mask(weight: np.ndarray, sparsity: float | None, threshold: float | None):
    """True where a weight survives: ``|w| >= threshold``, or all but the smallest fraction."""
    magnitude = np.abs(np.asarray(weight, dtype=np.float64))
    if threshold is not None:
        return magnitude >= threshold
    remove = int(round(sparsity * magnitude.size))
    keep = np.ones(magnitude.size, dtype=bool)
    keep[np.argsort(magnitude, axis=None, kind="stable")[:remove]] = False
    return keep.reshape(magnitude.shape)


@register_pass
@dataclasses.dataclass
class PruneMagnitude:
    """Zero the smallest weights of every Dense/Conv layer; give exactly one criterion."""

    name = "prune"

    #: Fraction of each layer's weights to remove, in [0, 1).
    sparsity: float | None = None
    #: Remove weights whose magnitude is below this (the graph's own weight units).
    threshold: float | None = None

    def __post_init__(self) -> None:
        if (self.sparsity is None) == (self.threshold is None):
            raise PumiceError("pruning needs exactly one of a target sparsity or a threshold")
        if self.sparsity is not None and not 0.0 <= self.sparsity < 1.0:
            raise PumiceError(f"pruning sparsity must be in [0, 1), got {self.sparsity}")
        if self.threshold is not None and self.threshold < 0:
            raise PumiceError(f"pruning threshold must be >= 0, got {self.threshold}")

    def _prune(self, node):
        """``node`` with its smallest weights zeroed, and the fraction of zero weights."""
        mask = magnitude_mask(node.weight, self.sparsity, self.threshold)
        weight = np.where(mask, node.weight, 0).astype(node.weight.dtype)
        changes = {"weight": weight}
        if node.traits.connectivity == "dense":
            changes["sparse"] = True
        return dataclasses.replace(node, **changes), float(
            1.0 - np.count_nonzero(weight) / weight.size
        )

    def apply(self, graph: Graph) -> PassResult:
        nodes, pruned = {}, {}
        for name, node in graph.nodes.items():
            if _prunable(node):
                node, pruned[name] = self._prune(node)
            if node.traits.recurrent:
                synapse, pruned[recurrent_name(name)] = self._prune(recurrent_synapse(node))
                node = with_recurrent_synapse(node, synapse)
            nodes[name] = node
        result = dataclasses.replace(graph, nodes=nodes)
        return PassResult(result, bool(pruned), {"pruning": {"sparsity": pruned}})
