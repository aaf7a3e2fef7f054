"""Round every decay to a power of two so leaks become right shifts (BPSR's post-training step).

A decay fraction ``d`` becomes the shift ``m = round(-log2 d)`` (``d = 0``: no leak), and
the neuron becomes a :class:`~pumice.convert.ir.FixedShiftLIF` computing
``v - (v >> m)``. Works on fixed-point graphs (quantise first); the graph's metadata lists
every decay that changed.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import NO_LEAK, FixedCubaLIF, FixedShiftLIF, Graph
from pumice.convert.passes import register_pass
from pumice.errors import ModelError

_DECAY_ONE = 1 << 12


def decay_to_shift(decay: float) -> int:
    """The shift whose leak ``2**-shift`` is nearest to ``decay`` in log scale."""
    if decay <= 0:
        return NO_LEAK
    return int(np.clip(np.round(-np.log2(decay)), 0, NO_LEAK - 1))


def shift_to_decay(shift: int) -> float:
    """The leak fraction a shift stands for (0 for :data:`NO_LEAK`)."""
    return 0.0 if shift >= NO_LEAK else 2.0**-shift


@register_pass
@dataclasses.dataclass
class ShiftLeak:
    """FixedCubaLIF -> FixedShiftLIF with decays rounded to powers of two."""

    name = "shift_leak"

    def apply(self, graph: Graph) -> tuple[Graph, bool]:
        if graph.domain() != "fixed":
            raise ModelError("the shift-leak pass works on fixed-point graphs: quantise first")
        nodes, changed = {}, []
        for name, node in graph.nodes.items():
            if isinstance(node, FixedCubaLIF):
                current, voltage = (node.du + 1) / _DECAY_ONE, node.dv / _DECAY_ONE
                shift_u, shift_v = decay_to_shift(current), decay_to_shift(voltage)
                node = FixedShiftLIF(
                    shape=node.shape,
                    shift_u=np.array(shift_u),
                    shift_v=np.array(shift_v),
                    vth=node.vth,
                    bias_mant=node.bias_mant,
                    bias_exp=node.bias_exp,
                )
                changed.append(
                    {
                        "layer": name,
                        "current_decay": [current, shift_to_decay(shift_u)],
                        "voltage_decay": [voltage, shift_to_decay(shift_v)],
                        "shifts": [shift_u, shift_v],
                    }
                )
            nodes[name] = node
        result = dataclasses.replace(graph, nodes=nodes)
        result.metadata = {**graph.metadata, "shift_leak": changed}
        return result, bool(changed)
