"""Batched emulation of an IR graph with the arithmetic of Lava's ProcessModels.

The graph is feed-forward, so each node is evaluated over all time steps at once:
synapses become one large product followed by Lava's one-step buffer, neurons loop
over time vectorised across the batch. For fixed-point graphs the result equals
Lava ``fixed_pt`` spike for spike and bit for bit in ``u`` and ``v``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from tqdm.auto import tqdm

from pumice.convert import semantics
from pumice.convert.ir import Flatten, Graph, Input
from pumice.convert.tensor_ops import delay_one_step
from pumice.errors import ModelError


@dataclasses.dataclass
class Emulation:
    """What one emulation run produced, per neuron node name."""

    #: Spike count of every neuron over its counting window: (samples, *shape).
    counts: dict[str, np.ndarray]
    #: Spike trains (samples, *shape, steps) when recorded.
    spikes: dict[str, np.ndarray] | None = None
    #: ``u`` and ``v`` traces (samples, *shape, steps) when recorded.
    u: dict[str, np.ndarray] | None = None
    v: dict[str, np.ndarray] | None = None

    def predictions(self, output: str) -> np.ndarray:
        """Class of each sample: the output neuron with most spikes (lowest index on ties)."""
        counts = self.counts[output]
        return counts.reshape(len(counts), -1).argmax(axis=1)


def _run_batch(graph: Graph, spikes: np.ndarray, record_spikes: bool, record_state: bool, windows):
    values: dict[str, np.ndarray] = {}
    out = {"counts": {}, "spikes": {}, "u": {}, "v": {}}
    for name, node in graph.nodes.items():
        if isinstance(node, Input):
            values[name] = spikes
            continue
        x = values[graph.predecessor(name)]
        if isinstance(node, Flatten):
            values[name] = x.reshape(x.shape[0], -1, x.shape[-1])
        elif type(node) in semantics.SYNAPSES:
            values[name] = delay_one_step(semantics.SYNAPSES[type(node)](node, x))
        elif type(node) in semantics.NEURONS:
            fired, u, v = semantics.NEURONS[type(node)](node, x, record_state)
            values[name] = fired
            start, stop = windows.get(name, (0, fired.shape[-1]))
            out["counts"][name] = fired[..., start:stop].sum(axis=-1, dtype=np.int64)
            if record_spikes:
                out["spikes"][name] = fired
            if record_state:
                out["u"][name], out["v"][name] = u, v
        else:
            raise ModelError(f"node '{name}' of kind {type(node).__name__} cannot be emulated")
    return out


def check_input(graph: Graph, spikes: np.ndarray) -> None:
    """Raise :class:`ModelError` unless ``spikes`` is (samples, *graph input shape, steps)."""
    expected = tuple(graph.nodes[graph.input].shape)
    if tuple(spikes.shape[1:-1]) != expected:
        raise ModelError(
            f"input spikes have shape {tuple(spikes.shape[1:-1])} per step; "
            f"the model expects {expected}"
        )


def emulate(
    graph: Graph,
    spikes: np.ndarray,
    *,
    record_spikes: bool = False,
    record_state: bool = False,
    windows: dict[str, tuple[int, int]] | None = None,
    batch_size: int = 256,
    progress: bool = False,
) -> Emulation:
    """Run ``spikes`` (samples, *input shape, steps) through ``graph``.

    ``counts`` sum each neuron's spikes over ``windows[name]`` (run steps
    ``[start, stop)``), or over the whole run where no window is given.
    """
    check_input(graph, spikes)
    parts = []
    starts = range(0, len(spikes), batch_size)
    for start in tqdm(starts, desc="emulate", unit="batch", disable=not progress):
        parts.append(
            _run_batch(
                graph,
                spikes[start : start + batch_size],
                record_spikes,
                record_state,
                windows or {},
            )
        )

    def join(key: str) -> dict[str, np.ndarray] | None:
        if not parts or not parts[0][key]:
            return None
        return {name: np.concatenate([p[key][name] for p in parts]) for name in parts[0][key]}

    return Emulation(counts=join("counts") or {}, spikes=join("spikes"), u=join("u"), v=join("v"))
