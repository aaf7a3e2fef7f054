"""Graph passes, found by name through :data:`PASSES`.

A pass is an object with ``name`` and ``apply(graph) -> (graph, changed)``; it never
mutates its input graph.
"""

from __future__ import annotations

from typing import Protocol

from pumice.convert.ir import Graph


class Pass(Protocol):
    """What every graph pass provides."""

    name: str

    def apply(self, graph: Graph) -> tuple[Graph, bool]: ...


#: Pass name -> pass class.
PASSES: dict[str, type] = {}


def register_pass(cls: type) -> type:
    """Class decorator that adds a pass to :data:`PASSES` under its ``name``."""
    PASSES[cls.name] = cls
    return cls


from pumice.convert.passes import (  # noqa: E402,F401  (they register themselves)
    calibrate,
    lower_isi,
    prune,
    quantize,
    shift_leak,
    trim_isi_bins,
)
