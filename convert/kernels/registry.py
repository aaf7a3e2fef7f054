"""The compiled kernels of node kinds, one table keyed by exact kind (the emulator's hot path).

A kind's kernel computes exactly what its reference semantics
(:mod:`pumice.convert.semantics`) compute, on the kernels' own forms of a batch (see
:mod:`.trains`); a kind without one runs its numpy semantics. The signature follows the
role:

- input, reshape, router: ``fn(node, trains) -> Trains``;
- synapse: ``fn(node, trains) -> Current``: what the neurons receive at each step, *after*
  Lava's one-step buffer;
- neuron: ``fn(node, current, outputs) -> NeuronRun`` (:mod:`.neuron_run`).

A kernel may return None for a node it cannot compute (say, an ISI binner with more bins
than its compact form holds); the emulator then runs the node's numpy semantics.
"""

from __future__ import annotations

from pumice.convert.ir.kind_table import KindTable

#: Kind -> its compiled kernel; ``@kernel(Kind)`` adds one.
KERNELS = KindTable()
kernel = KERNELS.register
