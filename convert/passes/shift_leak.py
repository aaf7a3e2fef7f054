"""The ``shift_leak`` pass: every multiplier-leak LIF of a fixed graph becomes a shift leak.

See :mod:`pumice.convert.leak_shifts` for how decays become shifts.
"""

from __future__ import annotations

import dataclasses

from pumice.convert.ir import Graph
from pumice.convert.ir.fixed_point import DECAY_ONE
from pumice.convert.leak_shifts import shift_neuron
from pumice.convert.passes.registry import PassResult, register_pass
from pumice.errors import ModelError


@register_pass
@dataclasses.dataclass
class ShiftLeak:
    """FixedCubaLIF -> FixedShiftLIF (recurrent kinds: FixedRecurrentShiftLIF), decays
    rounded to powers of two. Its report lists every layer whose decays changed."""

    name = "shift_leak"

    def apply(self, graph: Graph) -> PassResult:
        if graph.domain() != "fixed":
            raise ModelError("the shift-leak pass works on fixed-point graphs: quantise first")
        nodes, changed = {}, []
        for name, node in graph.nodes.items():
            traits = node.traits
            if traits.role == "neuron" and traits.spiking and traits.leak == "multiply":
                fields = {
                    f.name: getattr(node, f.name)
                    for f in dataclasses.fields(node)
                    if f.name not in ("du", "dv")
                }
                current, voltage = (node.du + 1) / DECAY_ONE, node.dv / DECAY_ONE
                node, change = shift_neuron(name, current, voltage, **fields)
                changed.append(change)
            nodes[name] = node
        result = dataclasses.replace(graph, nodes=nodes)
        return PassResult(result, bool(changed), {"shift_leak": changed})
