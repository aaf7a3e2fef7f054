"""What one run of a graph produced, on any backend (emulator or Lava)."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class RunResult:
    """Per neuron node name: spike counts, and trains, states and potentials when asked."""

    #: Spike count of every neuron over its counting window: (samples, *shape).
    counts: dict[str, np.ndarray]
    #: Spike trains (samples, *shape, steps) when recorded.
    spikes: dict[str, np.ndarray] | None = None
    #: ``u`` and ``v`` traces (samples, *shape, steps) when recorded.
    u: dict[str, np.ndarray] | None = None
    v: dict[str, np.ndarray] | None = None
    #: ``v`` of every non-spiking layer at the last step of its window: (samples, *shape).
    potentials: dict[str, np.ndarray] | None = None

    def predictions(self, output: str) -> np.ndarray:
        """Class of each sample: the output neuron with most spikes, or with the largest
        ``v`` when the output never spikes (lowest index on ties)."""
        scores = (self.potentials or {}).get(output)
        if scores is None:
            scores = self.counts[output]
        return scores.reshape(len(scores), -1).argmax(axis=1)

    def spikes_per_neuron(self, layers: list[str]) -> dict[str, float]:
        """Per layer: its spikes over the window per neuron, averaged over samples."""
        return {
            name: float(self.counts[name].reshape(len(self.counts[name]), -1).mean(axis=1).mean())
            for name in layers
        }
