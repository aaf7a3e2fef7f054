"""Torch kernels of node kinds, one table keyed by exact kind (the emulator on a GPU).

Each computes exactly what the kind's reference semantics (:mod:`pumice.convert.semantics`)
compute, on torch tensors in the IR's layout (batch, *shape, steps), integers in int64;
a kind without one runs its numpy semantics on the CPU. Signatures follow the role:

- input, reshape, router: ``fn(node, x) -> x``;
- synapse: ``fn(node, spikes) -> input``, after Lava's one-step buffer;
- neuron: ``fn(node, input, outputs) -> DeviceRun`` (:mod:`.device_run`).
"""

from __future__ import annotations

from collections.abc import Callable

from pumice.convert.ir import Node

#: Kind -> its torch kernel.
TORCH_KERNELS: dict[type[Node], Callable] = {}


def torch_kernel(*kinds: type[Node]) -> Callable[[Callable], Callable]:
    """Decorator: ``fn`` is the torch kernel of ``kinds``."""

    def add(fn: Callable) -> Callable:
        for kind in kinds:
            TORCH_KERNELS[kind] = fn
        return fn

    return add
