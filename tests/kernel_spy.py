"""Which nodes the emulator ran with their compiled kernel, for tests that must know the
kernels (not the numpy fallback) computed a result."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from pumice.convert.ir import Graph, Node
from pumice.convert.kernels import KERNELS


@contextlib.contextmanager
def kernel_spy() -> Iterator[list[tuple[Node, bool]]]:
    """While active, every kernel call is recorded as (node, kernel accepted the node)."""
    calls: list[tuple[Node, bool]] = []
    originals = dict(KERNELS)

    def spied(fn):
        def run(node, *args):
            result = fn(node, *args)
            calls.append((node, result is not None))
            return result

        return run

    KERNELS.update({kind: spied(fn) for kind, fn in originals.items()})
    try:
        yield calls
    finally:
        KERNELS.clear()
        KERNELS.update(originals)


def _graded(graph: Graph, name: str) -> bool:
    """A synapse fed graded spikes (a payload router's): the kernels leave it to numpy."""
    node = graph.nodes[name]
    return node.is_synapse and graph.nodes[graph.predecessor(name)].traits.payload_router


def nodes_without_kernel_run(graph: Graph, calls: list[tuple[Node, bool]]) -> list[str]:
    """Nodes of ``graph`` whose kind has a kernel that did not compute them (synapses fed
    graded spikes aside)."""
    ran = {id(node) for node, accepted in calls if accepted}
    return [
        name
        for name, node in graph.nodes.items()
        if type(node) in KERNELS and id(node) not in ran and not _graded(graph, name)
    ]
