"""What a graph pass is, and the registry passes are found through by name.

A pass is an object with ``name`` and ``apply(graph) -> PassResult``; it never mutates
its input graph. Its report (what it changed, for people and JSON) travels on the
result, not inside the graph.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from pumice.convert.ir import Graph


@dataclasses.dataclass
class PassResult:
    """A pass's output graph, whether it changed anything, and its JSON-ready report."""

    graph: Graph
    changed: bool
    report: dict = dataclasses.field(default_factory=dict)


class Pass(Protocol):
    """What every graph pass provides."""

    name: str

    def apply(self, graph: Graph) -> PassResult: ...


#: Pass name -> pass class.
PASSES: dict[str, type] = {}


def register_pass(cls: type) -> type:
    """Class decorator that adds a pass to :data:`PASSES` under its ``name``."""
    PASSES[cls.name] = cls
    return cls
