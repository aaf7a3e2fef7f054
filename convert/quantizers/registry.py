"""How each float kind becomes a fixed-point kind: one quantiser per kind, by exact kind.

A quantiser is ``fn(name, node, context) -> fixed node``. The context holds the pass's
settings, each synapse set's integer weights on its grid (the pass chooses the grids
first, see :mod:`pumice.convert.passes.quantize`), and collects what the quantisers
report (values the integer ranges clipped, decays rounded to shifts).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir.kind_table import KindTable

#: Float kind -> its quantiser; ``@quantizer(Kind)`` adds one.
QUANTIZERS = KindTable()
quantizer = QUANTIZERS.register


@dataclasses.dataclass
class QuantizeContext:
    """Settings and chosen grids of one quantisation, and what the quantisers report."""

    #: Integer units per threshold unit.
    scale: int
    #: Weight bits per synapse, 1..8.
    weight_bits: int
    #: "multiply" (Lava's LIF) or "shift" (power-of-two leaks).
    leak: str
    #: Per synapse set: its integer weights on the grid, the grid's step, the float weights.
    grids: dict[str, tuple[np.ndarray, int, np.ndarray]]
    #: Per synapse or neuron: how many weights or biases the integer range clipped.
    saturated: dict[str, int] = dataclasses.field(default_factory=dict)
    #: The shift-leak report entry of every neuron whose decays became shifts.
    shifted: list[dict] = dataclasses.field(default_factory=list)

    def grid(self, name: str) -> tuple[np.ndarray, int]:
        """Synapse set ``name``'s integer weights and step; records what was clipped."""
        integer, step, weight = self.grids[name]
        self.saturated[name] = count_saturated(weight * self.scale, step, integer)
        return integer, step

    def bias(self, name: str, bias, kept: np.ndarray) -> None:
        """Record how many of neuron ``name``'s float biases the mantissa range clipped."""
        self.saturated[name] = count_saturated(np.asarray(bias, np.float64) * self.scale, 1, kept)


def count_saturated(values: np.ndarray, step: int, kept: np.ndarray) -> int:
    """How many values the integer range clipped (rounded value differs from the one kept)."""
    rounded = np.round(np.asarray(values, dtype=np.float64) / step) * step
    return int(np.count_nonzero(rounded != kept))
