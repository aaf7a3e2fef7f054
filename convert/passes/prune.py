"""Magnitude pruning: remove each layer's smallest weights, by threshold or target sparsity.

Works on float and fixed graphs alike (within a layer, mantissas order as the weights
do). Pruned dense layers are marked ``sparse``, so Lava gets a ``Sparse`` process that
holds only the remaining synapses; a pruned conv keeps its kernel with zeros in it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import Conv2d, Dense, FixedConv2d, FixedDense, Graph
from pumice.convert.passes import register_pass
from pumice.errors import PumiceError

_PRUNABLE = (Dense, FixedDense, Conv2d, FixedConv2d)


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

    def apply(self, graph: Graph) -> tuple[Graph, bool]:
        nodes, pruned = {}, {}
        for name, node in graph.nodes.items():
            if isinstance(node, _PRUNABLE):
                mask = magnitude_mask(node.weight, self.sparsity, self.threshold)
                weight = np.where(mask, node.weight, 0).astype(node.weight.dtype)
                changes = {"weight": weight}
                if isinstance(node, Dense | FixedDense):
                    changes["sparse"] = True
                node = dataclasses.replace(node, **changes)
                pruned[name] = float(1.0 - np.count_nonzero(weight) / weight.size)
            nodes[name] = node
        result = dataclasses.replace(graph, nodes=nodes)
        result.metadata = {**graph.metadata, "pruning": {"sparsity": pruned}}
        return result, bool(pruned)
