"""Which graphs an interchange format can express, from the kinds' traits.

A kind lists the formats whose exporter writes it (``traits.formats``); netx also holds
one decay per layer (NIR's time constants and ONNX's decay attributes are arrays, so they
hold per-neuron decays). Exporters call
:func:`refuse_inexpressible` first, so a graph with a kind or a value a format cannot
hold fails with one line naming the layer instead of losing its recurrent synapses or
its per-neuron decays.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import NODE_KINDS, Graph, Node
from pumice.errors import ModelError

#: Formats whose files hold a decay per neuron.
PER_NEURON_DECAYS = frozenset({"nir", "onnx"})


def _refusal(name: str, node: Node, format_name: str) -> str:
    kind, key = type(node).__name__, format_name.lower()
    if node.traits.recurrent:
        return (
            f"layer '{name}' is recurrent ({kind}); {format_name} export writes feed-forward "
            f"layers only: keep the model as a pumice file"
        )
    holds_fixed = any(
        key in k.traits.formats for k in NODE_KINDS.values() if k.traits.domain == "fixed"
    )
    if node.domain == "fixed" and not holds_fixed:
        return (
            f"node '{name}' is a fixed-point {kind}; export the float model: {format_name} "
            f"has no fixed-point types"
        )
    return (
        f"node '{name}' is of kind {kind}, which {format_name} cannot express: keep the "
        f"model as a pumice file"
    )


def refuse_inexpressible(graph: Graph, format_name: str) -> None:
    """Raise :class:`ModelError` for the first node ``format_name`` cannot express."""
    key = format_name.lower()
    for name, node in graph.nodes.items():
        if key not in node.traits.formats:
            raise ModelError(_refusal(name, node, format_name))
        for field in ("current_decay", "voltage_decay"):
            if key not in PER_NEURON_DECAYS and np.size(getattr(node, field, 0)) > 1:
                raise ModelError(
                    f"layer '{name}' has a {field} per neuron; {format_name} export "
                    f"writes one decay per layer: keep the model as a pumice file"
                )
