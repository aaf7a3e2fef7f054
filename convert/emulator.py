"""Batched emulation of an IR graph with the arithmetic of Lava's ProcessModels.

The graph is feed-forward, so each node is evaluated over all time steps at once, by the
reference semantics of its kind (:mod:`pumice.convert.semantics`), chosen by its role:
synapses are followed by Lava's one-step buffer, neurons loop over time vectorised across
the batch. An ISI binner's output is held as its input's ISIs (never as the K-times
larger map), and a synapse after it adds one weight column per spike. For fixed-point
graphs the result equals Lava ``fixed_pt`` spike for spike and bit for bit in ``u`` and
``v``.
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from pumice.convert.intervals import Binned
from pumice.convert.ir import Graph, RunResult
from pumice.convert.ir.checks import check_input, check_non_spiking, check_runnable
from pumice.convert.ir.windows import run_input
from pumice.convert.semantics import ON_EVENTS, SEMANTICS
from pumice.convert.tensor_ops import delay_one_step
from pumice.errors import ModelError


def _run_batch(graph: Graph, spikes: np.ndarray, record_spikes: bool, record_state: bool, windows):
    values: dict[str, np.ndarray | Binned] = {}
    out = {"counts": {}, "spikes": {}, "u": {}, "v": {}, "potentials": {}}
    for name, node in graph.nodes.items():
        kind, role = type(node), node.traits.role
        if kind not in SEMANTICS:
            raise ModelError(f"node '{name}' of kind {kind.__name__} cannot be emulated")
        x = spikes if role == "input" else values[graph.predecessor(name)]
        if isinstance(x, Binned) and role == "synapse" and kind in ON_EVENTS:
            values[name] = delay_one_step(ON_EVENTS[kind](node, x))
            continue
        if isinstance(x, Binned) and role != "router":
            x = x.dense()
        if role == "synapse" and node.traits.isi:
            values[name] = delay_one_step(SEMANTICS[kind](node, x))
        elif role == "synapse":
            # Lava delivers a synapse's output a step late; a synapse without ISI state acts
            # alike at every step (and sends 0 for no input), so delaying its input instead
            # is the same and cheaper (spikes are smaller than the sums)
            values[name] = SEMANTICS[kind](node, delay_one_step(x))
        elif role != "neuron":
            values[name] = SEMANTICS[kind](node, x)
        else:
            spiking = node.traits.spiking
            fired, u, v = SEMANTICS[kind](node, x, record_state or not spiking)
            values[name] = fired
            start, stop = windows.get(name, (0, fired.shape[-1]))
            # a graded spike carries its payload: count spikes, not payloads
            out["counts"][name] = np.count_nonzero(fired[..., start:stop], axis=-1)
            if not spiking:
                check_non_spiking(name, fired)
                out["potentials"][name] = v[..., stop - 1]
            if record_spikes:
                out["spikes"][name] = fired
            if record_state:
                out["u"][name], out["v"][name] = u, v
    return out


#: Bytes of run-long arrays one batch may hold (every node's output is kept for the batch).
BATCH_BYTES = 2 << 30


def fitting_batch(graph: Graph, steps: int, batch_size: int) -> int:
    """``batch_size``, lowered so one batch's node outputs (8 bytes per value and step)
    stay within :data:`BATCH_BYTES`: large maps over long runs (a TTFS CNN) need it."""
    per_sample = 8 * steps * sum(int(np.prod(shape)) for shape in graph.shapes().values())
    return max(1, min(batch_size, BATCH_BYTES // max(per_sample, 1)))


def emulate(
    graph: Graph,
    spikes: np.ndarray,
    *,
    record_spikes: bool = False,
    record_state: bool = False,
    windows: dict[str, tuple[int, int]] | None = None,
    batch_size: int = 256,
    progress: bool = False,
) -> RunResult:
    """Run ``spikes`` (samples, *input shape, steps) through ``graph``.

    ``counts`` sum each neuron's spikes over ``windows[name]`` (run steps
    ``[start, stop)``), or over the whole run where no window is given; ``potentials``
    hold each non-spiking layer's ``v`` at step ``stop - 1``.
    """
    check_input(graph, spikes)
    check_runnable(graph)
    batch_size = fitting_batch(graph, spikes.shape[-1], batch_size)
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

    return RunResult(
        counts=join("counts") or {},
        spikes=join("spikes"),
        u=join("u"),
        v=join("v"),
        potentials=join("potentials"),
    )


def emulate_window(graph: Graph, spikes: np.ndarray, **options) -> RunResult:
    """Emulate T-step input ``spikes`` in the model's own time convention: padded by its
    lag and each layer counted over its T-step window (:mod:`pumice.convert.ir.windows`).
    ``options`` are :func:`emulate`'s."""
    padded, windows = run_input(graph, spikes)
    return emulate(graph, padded, windows=windows, **options)
