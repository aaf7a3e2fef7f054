"""The reference semantics of each node kind, one table keyed by exact kind.

Every kind has an entry, whose signature follows its role (``node.traits.role``):

- input, reshape, router: ``fn(node, x) -> x`` (same step; a router may return
  :class:`~pumice.convert.intervals.LineEvents`);
- synapse: ``fn(node, spikes) -> synaptic input`` *before* Lava's one-step buffer (the
  emulator applies the delay);
- neuron: ``fn(node, synaptic input, record_state) -> (spikes, u, v)``.

Tensors are whole runs: (batch, ..., time). A synapse may also register
:data:`ON_EVENTS`, the same product computed from an ISI binner's events.
"""

from __future__ import annotations

from collections.abc import Callable

from pumice.convert.ir import Node

#: Kind -> its reference semantics.
SEMANTICS: dict[type[Node], Callable] = {}
#: Synapse kind -> its semantics on an ISI binner's output (``fn(node, binned)``).
ON_EVENTS: dict[type[Node], Callable] = {}


def semantics(*kinds: type[Node]) -> Callable[[Callable], Callable]:
    """Decorator: ``fn`` is the reference semantics of ``kinds``."""

    def add(fn: Callable) -> Callable:
        for kind in kinds:
            SEMANTICS[kind] = fn
        return fn

    return add


def on_events(*kinds: type[Node]) -> Callable[[Callable], Callable]:
    """Decorator: ``fn`` computes the synapse ``kinds`` from an ISI binner's events."""

    def add(fn: Callable) -> Callable:
        for kind in kinds:
            ON_EVENTS[kind] = fn
        return fn

    return add
