"""The reference semantics of each node kind, one table keyed by exact kind.

Every kind has an entry, whose signature follows its role (``node.traits.role``):

- input, reshape, router: ``fn(node, x) -> x`` (same step; a router may return
  :class:`~pumice.convert.intervals.Binned`);
- synapse: ``fn(node, spikes) -> synaptic input`` *before* Lava's one-step buffer (the
  emulator applies the delay);
- neuron: ``fn(node, synaptic input, record_state) -> (spikes, u, v)``.

Tensors are whole runs: (batch, ..., time). A synapse may also register
:data:`ON_EVENTS`, the same product computed from an ISI binner's events.
"""

from __future__ import annotations

from pumice.convert.ir.kind_table import KindTable

#: Kind -> its reference semantics.
SEMANTICS = KindTable()
#: Synapse kind -> its semantics on an ISI binner's output (``fn(node, binned)``).
ON_EVENTS = KindTable()
#: Decorators: ``@semantics(Kind)``, ``@on_events(Kind)``.
semantics = SEMANTICS.register
on_events = ON_EVENTS.register
