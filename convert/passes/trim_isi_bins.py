"""Drop ISI bins that quantisation left without a single synapse weight.

After quantisation many bins of a lowered ISI synapse hold only zero mantissas (the
Gaussian has fallen below half a weight step). A binner's trailing bins whose
mantissas are all zero change nothing when dropped: those spikes would have added 0.
Dropping them shrinks the binner's lines (input axons) and the synapse that follows.
The result is exact: the emulator and Lava compute the same spikes before and after.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import Graph, ISIBinner
from pumice.convert.passes.lower_isi import keep_bins
from pumice.convert.passes.registry import PassResult, register_pass


def _bins_used(weight: np.ndarray, num_bins: int) -> int:
    """Bins up to the last one holding a non-zero mantissa (at least 1)."""
    per_bin = weight.reshape(weight.shape[0], -1, num_bins, *weight.shape[2:])
    used = np.flatnonzero(np.moveaxis(per_bin, 2, 0).reshape(num_bins, -1).any(axis=1))
    return int(used[-1]) + 1 if used.size else 1


@register_pass
@dataclasses.dataclass
class TrimISIBins:
    """Fixed-point binner + synapse pairs keep only the bins some weight uses.

    Its report (``isi_trimming``) gives each trimmed synapse's bins before and after.
    """

    name = "trim_isi_bins"

    def apply(self, graph: Graph) -> PassResult:
        nodes = dict(graph.nodes)
        trimmed = {}
        for src, dst in graph.edges:
            binner, synapse = nodes[src], nodes[dst]
            if type(binner) is not ISIBinner or not (
                synapse.is_synapse and synapse.domain == "fixed"
            ):
                continue
            used = _bins_used(synapse.weight, binner.num_bins)
            if used == binner.num_bins:
                continue
            weight = keep_bins(synapse.weight, binner.num_bins, used)
            nodes[src] = dataclasses.replace(binner, num_bins=used)
            nodes[dst] = dataclasses.replace(synapse, weight=weight)
            trimmed[dst] = {"bins_before": binner.num_bins, "bins_after": used}
        if not trimmed:
            return PassResult(graph, False)
        trimmed_graph = dataclasses.replace(graph, nodes=nodes)
        return PassResult(trimmed_graph, True, {"isi_trimming": trimmed})
