"""Structural node kinds: the graph's input and reshapes. They hold no numbers."""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir.field_checks import positive_shape
from pumice.convert.ir.node import FORMATS, Node, register


@register(role="input", domain="structural", formats=frozenset(FORMATS))
@dataclasses.dataclass(frozen=True, eq=False)
class Input(Node):
    """Spikes entering the graph, one tensor of ``shape`` per time step."""

    shape: tuple[int, ...]

    def field_problem(self) -> str | None:
        return positive_shape("shape", self.shape)


@register(role="reshape", domain="structural", formats=frozenset(FORMATS))
@dataclasses.dataclass(frozen=True, eq=False)
class Flatten(Node):
    """Reshape a (C, H, W) map to a vector in C order."""

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(input_shape)),)
