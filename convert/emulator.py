"""Batched emulation of an IR graph with the arithmetic of Lava's ProcessModels.

The graph is feed-forward, so each node is evaluated over all time steps at once:
synapses become one large product followed by Lava's one-step buffer, neurons loop
over time vectorised across the batch. An ISI binner's output is held as its input's
ISIs (never as the K-times larger map), and the synapse after it adds one weight column
per spike. For fixed-point graphs the result equals Lava ``fixed_pt`` spike for spike
and bit for bit in ``u`` and ``v``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from tqdm.auto import tqdm

from pumice.convert import semantics
from pumice.convert.ir import Flatten, Graph, Input, ISIBinner
from pumice.convert.isi import ISI_SYNAPSES, Binned, check_input_shape
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
    #: ``v`` of every non-spiking layer at the last step of its window: (samples, *shape).
    potentials: dict[str, np.ndarray] | None = None

    def predictions(self, output: str) -> np.ndarray:
        """Class of each sample: the output neuron with most spikes, or with the largest
        ``v`` when the output never spikes (lowest index on ties)."""
        scores = (self.potentials or {}).get(output)
        if scores is None:
            scores = self.counts[output]
        return scores.reshape(len(scores), -1).argmax(axis=1)


def check_non_spiking(name: str, fired: np.ndarray) -> None:
    """Raise :class:`ModelError` when a non-spiking layer fired (its ``v`` left its range)."""
    if fired.any():
        raise ModelError(
            f"layer '{name}': v climbed above {semantics.NON_SPIKING_VTH << 6}, where the Lava "
            f"LIF that runs this non-spiking layer (threshold {semantics.NON_SPIKING_VTH}, "
            f"Lava's largest) fires: scale its weights or bias down"
        )


def _run_batch(graph: Graph, spikes: np.ndarray, record_spikes: bool, record_state: bool, windows):
    values: dict[str, np.ndarray | Binned] = {}
    out = {"counts": {}, "spikes": {}, "u": {}, "v": {}, "potentials": {}}
    for name, node in graph.nodes.items():
        if isinstance(node, Input):
            values[name] = spikes
            continue
        x = values[graph.predecessor(name)]
        if isinstance(node, ISIBinner):
            values[name] = semantics.isi_binner(node, x)
            continue
        if isinstance(x, Binned):
            if type(node) in semantics.BINNED_SYNAPSES:
                values[name] = delay_one_step(semantics.BINNED_SYNAPSES[type(node)](node, x))
                continue
            x = x.dense()
        if isinstance(node, Flatten):
            values[name] = x.reshape(x.shape[0], -1, x.shape[-1])
        elif type(node) in semantics.SYNAPSES:
            values[name] = delay_one_step(semantics.SYNAPSES[type(node)](node, x))
        elif type(node) in semantics.NEURONS:
            non_spiking = isinstance(node, semantics.NON_SPIKING)
            fired, u, v = semantics.NEURONS[type(node)](node, x, record_state or non_spiking)
            values[name] = fired
            start, stop = windows.get(name, (0, fired.shape[-1]))
            out["counts"][name] = fired[..., start:stop].sum(axis=-1, dtype=np.int64)
            if non_spiking:
                check_non_spiking(name, fired)
                out["potentials"][name] = v[..., stop - 1]
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


def check_isi_and_readout(graph: Graph) -> None:
    """Raise :class:`ModelError` unless every non-spiking layer is the graph's output and
    every ISI synapse fits its input."""
    shapes = graph.shapes()
    for name, node in graph.nodes.items():
        if isinstance(node, semantics.NON_SPIKING) and name != graph.output:
            raise ModelError(
                f"layer '{name}' ({type(node).__name__}) never spikes, so it can only be the "
                f"graph's output, which is '{graph.output}'"
            )
        if isinstance(node, ISI_SYNAPSES):
            check_input_shape(name, node, shapes[graph.predecessor(name)])


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
    ``[start, stop)``), or over the whole run where no window is given; ``potentials``
    hold each non-spiking layer's ``v`` at step ``stop - 1``.
    """
    check_input(graph, spikes)
    check_isi_and_readout(graph)
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

    return Emulation(
        counts=join("counts") or {},
        spikes=join("spikes"),
        u=join("u"),
        v=join("v"),
        potentials=join("potentials"),
    )
