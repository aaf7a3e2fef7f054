"""Lower ISI-modulated synapses to what Lava runs: a router and a standard synapse.

Two lowerings (``mode``):

- **bins**: ``ISIDense`` becomes ``ISIBinner(K, w)`` + ``Dense`` with
  ``weight[o, j * K + k] = height[o, j] * modulation(k * w + 1)[o, j]``; ``ISIConv2d``
  becomes ``ISIBinner(K, w)`` + ``Conv2d`` over ``C * K`` input channels. ISIs are
  integers and a trained bin of ``w`` steps has one modulation, so the lowered graph
  computes the same synaptic input for every ISI the bins hold. Every input costs ``K``
  input axons.
- **payload** (graded spikes): an ``ISIDense`` whose tunings are shared per input (``G``
  groups, fewer than its outputs) becomes ``ISIPayload`` + ``Dense``: input ``j`` sends
  ``G`` lines carrying ``gain[g, j](isi)`` (the Gaussian), and
  ``weight[o, j * G + g(o)] = height[o, j]``, one weight per synapse. Every input costs
  ``G`` input axons.

``mode = "auto"`` takes payload where the tunings are shared, bins elsewhere. The ISI
range is the synapse's own cap (``max_isi``), else the largest ISI a run can hold (the
model's T steps + LAG, or ``max_isi`` given here, a truncation; a bin is kept whole).
With a ``tolerance``, trailing bins whose weights are all below it in magnitude are
dropped, per layer: spikes with those ISIs then contribute 0 instead of a negligible
amount, and so does every ISI above ``K``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from pumice.convert.intervals import binned_weight, largest_isi
from pumice.convert.ir import Conv2d, Dense, Graph, ISIBinner, ISIPayload, Node
from pumice.convert.ir.isi_payload import MAX_MESSAGE_BITS
from pumice.convert.passes.registry import PassResult, register_pass
from pumice.errors import ModelError

#: The lowerings :class:`LowerISI` knows.
MODES = ("auto", "bins", "payload")


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


def isi_span(node: Node, largest: int) -> int:
    """The ISIs a lowering of ``node`` must hold: its cap, at most ``largest``."""
    return largest if node.max_isi is None else min(int(node.max_isi), largest)


def payload_table(node: Node, span: int) -> np.ndarray:
    """(inputs * G, span): line ``j * G + g``'s gain at ISIs 1..span."""
    gains = np.stack([node.group_gain(isi) for isi in range(1, span + 1)], axis=-1)
    return np.ascontiguousarray(gains.transpose(1, 0, 2)).reshape(-1, span)


def payload_weight(node: Node) -> np.ndarray:
    """(out, inputs * G): ``height[o, j]`` on line ``j * G + g(o)``, zero elsewhere."""
    out, inputs = node.height.shape
    groups = node.groups
    weight = np.zeros((out, inputs, groups))
    group = np.arange(out) // (out // groups)
    weight[np.arange(out), :, group] = node.height
    return weight.reshape(out, inputs * groups)


def _factored(node: Node) -> bool:
    """Whether the tunings are shared per input (a dense synapse with fewer groups than
    outputs), so the modulation can travel with the spike."""
    return node.traits.connectivity == "dense" and node.groups < node.height.shape[0]


@register_pass
@dataclasses.dataclass
class LowerISI:
    """ISI synapses -> router + standard synapse (the float graph stays float).

    Its report (``isi_lowering``) gives per lowered synapse its kind, lowering, lines per
    input (bins or payload lines), largest ISI and synapse counts before and after.
    """

    name = "lower_isi"

    #: Largest ISI to hold; None: the model's metadata ``steps`` + LAG.
    max_isi: int | None = None
    #: Trailing bins whose weights all have a magnitude below this are dropped (0: keep all).
    tolerance: float = 0.0
    #: "auto", "bins" or "payload" (see the module docstring).
    mode: str = "auto"
    #: Payload width of the graded spikes the payload lowering sends.
    payload_bits: int = 8

    def __post_init__(self) -> None:
        if not np.isfinite(self.tolerance) or self.tolerance < 0:
            raise ModelError(f"ISI bin tolerance must be a number >= 0, got {self.tolerance}")
        if self.mode not in MODES:
            raise ModelError(f"unknown ISI lowering '{self.mode}': choose {', '.join(MODES)}")
        if not 1 <= self.payload_bits <= MAX_MESSAGE_BITS:
            raise ModelError(
                f"payload bits must be 1 to {MAX_MESSAGE_BITS} (Lava's num_message_bits), got "
                f"{self.payload_bits}"
            )

    def _payload(self, name: str, node: Node) -> bool:
        if self.mode == "bins" or (self.mode == "auto" and not _factored(node)):
            return False
        if node.traits.connectivity != "dense":
            raise ModelError(
                f"cannot send '{name}' ({type(node).__name__}) as graded spikes: the payload "
                f"lowering takes dense ISI synapses; use --isi-lowering bins"
            )
        return True

    def _lower(self, name: str, node: Node, largest: int) -> tuple[Node, Node, dict]:
        """(router, synapse, report entry) of one ISI synapse."""
        span = isi_span(node, largest)
        if self._payload(name, node):
            router = ISIPayload(payload_table(node, span), node.groups, self.payload_bits)
            weight = payload_weight(node)
            return router, Dense(weight), {"lowering": "payload", "lines": node.groups}
        bins = math.ceil(span / node.bin_width)
        weight = binned_weight(node, bins)
        kept = _bins_needed(weight, bins, self.tolerance)
        weight = keep_bins(weight, bins, kept)
        if node.traits.connectivity == "dense":
            synapse = Dense(weight)
        else:
            synapse = Conv2d(weight, stride=node.stride, padding=node.padding)
        report = {"lowering": "bins", "lines": kept, "bins": kept, "bin_width": node.bin_width}
        return ISIBinner(kept, node.bin_width), synapse, report

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
            router, synapse, entry = self._lower(name, node, largest)
            router_name = f"{name}_isi_{'payload' if entry['lowering'] == 'payload' else 'bins'}"
            if router_name in graph.nodes:
                raise ModelError(
                    f"cannot lower '{name}': the graph already has a node '{router_name}'"
                )
            nodes[router_name], nodes[name] = router, synapse
            pred = graph.predecessor(name)
            edges[edges.index((pred, name))] = (pred, router_name)
            edges.append((router_name, name))
            report[name] = {
                "kind": type(node).__name__,
                **entry,
                "largest_isi": isi_span(node, largest),
                "synapses_before": int(np.count_nonzero(node.height)),
                "synapses_after": int(np.count_nonzero(synapse.weight)),
            }
        lowered = dataclasses.replace(graph, nodes=nodes, edges=edges)
        return PassResult(lowered, True, {"isi_lowering": report})
