"""Lower ISI-modulated synapses to what Lava runs: an ISI binner and a standard synapse.

``ISIDense`` becomes ``ISIBinner(K)`` + ``Dense`` with
``weight[o, j * K + k] = height[o, j] * G(k + 1; mean[o, j], width[o, j])``; ``ISIConv2d``
becomes ``ISIBinner(K)`` + ``Conv2d`` over ``C * K`` input channels. ISIs are integers, so
the lowered graph computes the same synaptic input for every ISI up to ``K``.

``K`` is the largest ISI a run can hold (the model's T steps + LAG, or ``max_isi``).
With a ``tolerance``, trailing bins whose weights are all below it in magnitude are
dropped, per layer: spikes with those ISIs then contribute 0 instead of a negligible
amount, and so does every ISI above ``K``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.intervals import binned_weight, largest_isi
from pumice.convert.ir import Conv2d, Dense, Graph, ISIBinner
from pumice.convert.passes.registry import PassResult, register_pass
from pumice.errors import ModelError


def _bins_needed(weight: np.ndarray, num_bins: int, tolerance: float) -> int:
    """Bins up to the last one holding a weight of magnitude ``tolerance`` or more (>= 1)."""
    per_bin = np.moveaxis(weight.reshape(weight.shape[0], -1, num_bins, *weight.shape[2:]), 2, 0)
    significant = np.abs(per_bin.reshape(num_bins, -1)) >= tolerance
    kept = np.flatnonzero(significant.any(axis=1))
    return int(kept[-1]) + 1 if kept.size else 1


def keep_bins(weight: np.ndarray, num_bins: int, kept: int) -> np.ndarray:
    """The weight of the first ``kept`` bins of every input."""
    split = weight.reshape(weight.shape[0], -1, num_bins, *weight.shape[2:])
    return split[:, :, :kept].reshape(weight.shape[0], -1, *weight.shape[2:])


@register_pass
@dataclasses.dataclass
class LowerISI:
    """ISI synapses -> ISI binner + standard synapse (the float graph stays float).

    Its report (``isi_lowering``) gives per lowered synapse its kind, bins, largest ISI
    and synapse counts before and after.
    """

    name = "lower_isi"

    #: Largest ISI to bin; None: the model's metadata ``steps`` + LAG.
    max_isi: int | None = None
    #: Trailing bins whose weights all have a magnitude below this are dropped (0: keep all).
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        if not np.isfinite(self.tolerance) or self.tolerance < 0:
            raise ModelError(f"ISI bin tolerance must be a number >= 0, got {self.tolerance}")

    def apply(self, graph: Graph) -> PassResult:
        synapses = [name for name, node in graph.nodes.items() if node.traits.isi]
        if not synapses:
            return PassResult(graph, False)
        largest = largest_isi(graph, self.max_isi)
        graph.shapes()  # every ISI synapse fits its input
        nodes, edges, report = {}, list(graph.edges), {}
        for name, node in graph.nodes.items():
            if name not in synapses:
                nodes[name] = node
                continue
            binner = f"{name}_isi_bins"
            if binner in graph.nodes:
                raise ModelError(f"cannot lower '{name}': the graph already has a node '{binner}'")
            weight = binned_weight(node, largest)
            kept = _bins_needed(weight, largest, self.tolerance)
            weight = keep_bins(weight, largest, kept)
            if node.traits.connectivity == "dense":
                synapse = Dense(weight)
            else:
                synapse = Conv2d(weight, stride=node.stride, padding=node.padding)
            nodes[binner], nodes[name] = ISIBinner(kept), synapse
            pred = graph.predecessor(name)
            edges[edges.index((pred, name))] = (pred, binner)
            edges.append((binner, name))
            report[name] = {
                "kind": type(node).__name__,
                "bins": kept,
                "largest_isi": largest,
                "synapses_before": int(np.count_nonzero(node.height)),
                "synapses_after": int(np.count_nonzero(weight)),
            }
        lowered = dataclasses.replace(graph, nodes=nodes, edges=edges)
        return PassResult(lowered, True, {"isi_lowering": report})
