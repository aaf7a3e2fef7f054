"""Torch kernels of node kinds, one table keyed by exact kind (the emulator on a GPU).

Each computes exactly what the kind's reference semantics (:mod:`pumice.convert.semantics`)
compute, on torch tensors in the IR's layout (batch, *shape, steps), integers in int64;
a kind without one runs its numpy semantics on the CPU. Signatures follow the role:

- input, reshape, router: ``fn(node, x) -> x``;
- synapse: ``fn(node, spikes) -> input``, after Lava's one-step buffer;
- neuron: ``fn(node, input, outputs) -> DeviceRun`` (:mod:`.device_run`).
"""

from __future__ import annotations

from pumice.convert.ir.kind_table import KindTable

#: Kind -> its torch kernel; ``@torch_kernel(Kind)`` adds one.
TORCH_KERNELS = KindTable()
torch_kernel = TORCH_KERNELS.register
