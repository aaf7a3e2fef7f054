"""Checks every backend makes before it runs a graph on input spikes."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir.fixed_point import ALIGN_SHIFT, NON_SPIKING_VTH
from pumice.convert.ir.graph import Graph
from pumice.errors import ModelError


def check_input(graph: Graph, spikes: np.ndarray) -> None:
    """Raise :class:`ModelError` unless ``spikes`` is (samples, *graph input shape, steps)."""
    expected = tuple(graph.nodes[graph.input].shape)
    if tuple(spikes.shape[1:-1]) != expected:
        raise ModelError(
            f"input spikes have shape {tuple(spikes.shape[1:-1])} per step; "
            f"the model expects {expected}"
        )


def check_runnable(graph: Graph) -> None:
    """Raise :class:`ModelError` unless every node fits its input and every non-spiking
    layer is the graph's output (its answer is its potential, which feeds nothing)."""
    graph.shapes()
    for name, node in graph.neurons():
        if not node.traits.spiking and name != graph.output:
            raise ModelError(
                f"layer '{name}' ({type(node).__name__}) never spikes, so it can only be the "
                f"graph's output, which is '{graph.output}'"
            )


def check_non_spiking(name: str, fired: np.ndarray) -> None:
    """Raise :class:`ModelError` when a non-spiking layer fired: its ``v`` left the range a
    Lava LIF with threshold :data:`~pumice.convert.ir.fixed_point.NON_SPIKING_VTH` holds."""
    if np.any(fired):
        raise ModelError(
            f"layer '{name}': v climbed above {NON_SPIKING_VTH << ALIGN_SHIFT}, where the Lava "
            f"LIF that runs this non-spiking layer (threshold {NON_SPIKING_VTH}, Lava's "
            f"largest) fires: scale its weights or bias down"
        )
