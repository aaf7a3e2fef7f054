"""Line up Lava's synaptic delays with the T-step window SLAYER trains on.

Lava delivers every synapse's output one step late. SLAYER models that with
``delay_shift`` after each block, except for the very first synapse (the input is not
delayed). So every layer runs exactly one step behind SLAYER: running ``T + 1`` steps
on input padded with one zero step and counting each layer over steps ``[1, T + 1)``
counts exactly the window training saw.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir.graph import Graph

#: Steps by which every Lava layer lags SLAYER: the input synapse's buffer.
LAG = 1


def pad_for_lag(spikes: np.ndarray) -> np.ndarray:
    """Append :data:`LAG` zero steps to spikes (samples, ..., steps)."""
    pad = np.zeros((*spikes.shape[:-1], LAG), spikes.dtype)
    return np.concatenate([spikes, pad], axis=-1)


def layer_windows(graph: Graph, steps: int) -> dict[str, tuple[int, int]]:
    """Per neuron node, the run steps ``[start, stop)`` that hold its T-step window."""
    return {name: (LAG, LAG + steps) for name, _ in graph.neurons()}
