"""Every sample starts from rest inside one uninterrupted Lava run (no ``Var.set`` between
samples), the way lava-dl's netx resets its layers: each neuron layer is a ``LIFReset``
(or a shift-leak LIF, or an ISI binner, with the same reset) that zeroes its state once
per sample.

Lava delivers a layer's input one step late, so a layer's first input of a sample comes
from the step before, which belongs to the previous sample. Layer ``k`` (0-based, in
graph order) therefore resets at step ``k`` of each sample, as netx staggers its resets:
the input it integrates then is its predecessor's first step of the new sample. Until
that step the emulator's layer ``k`` is at rest (its inputs are still zero) while Lava's
is finishing the previous sample, so counts, trains and states are read from step ``k``
on. This is exact when

- no layer is recurrent (its own spikes of the previous sample would arrive at its reset),
- every layer but the first has no bias (the emulator's layer would move before its
  first input), and
- the input's last step of every sample is zero (the first layer's first input), as
  :func:`pumice.convert.ir.windows.pad_for_lag` leaves it.

Other graphs are reset between samples with ``Var.set`` (:mod:`pumice.deploy.lava_run`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import Graph


@dataclasses.dataclass(frozen=True)
class SampleResets:
    """Steps per sample, and the step of each sample at which each node resets."""

    period: int
    offsets: dict[str, int]

    def reset_offset(self, name: str) -> int:
        """Lava ``LIFReset``'s ``reset_offset`` for node ``name`` (its time starts at 1)."""
        return (self.offsets[name] + 1) % self.period


def sample_resets(graph: Graph, spikes: np.ndarray) -> SampleResets | None:
    """The staggered resets of ``graph`` fed ``spikes`` (samples, *shape, steps), or None
    where they would not be exact (see the module docstring)."""
    steps = spikes.shape[-1]
    if spikes.size and np.any(spikes[..., -1]):
        return None
    offsets, depth, source = {}, 0, 0
    for name, node in graph.nodes.items():
        if node.traits.role == "router":
            offsets[name] = source
        if not node.is_neuron:
            continue
        if node.traits.recurrent or depth >= steps:
            return None
        if depth > 0 and np.any(np.asarray(node.bias_mant) != 0):
            return None
        offsets[name], source = depth, depth
        depth += 1
    return SampleResets(steps, offsets)
