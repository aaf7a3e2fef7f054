"""Batched emulation of an IR graph with the arithmetic of Lava's ProcessModels.

The graph is feed-forward, so each node is evaluated over all time steps at once, by its
kind's compiled kernel (:mod:`pumice.convert.kernels`, fixed-point graphs) or by its
reference semantics (:mod:`pumice.convert.semantics`, numpy), chosen by its role:
synapses are followed by Lava's one-step buffer, neurons loop over time. A kind without a
kernel runs its numpy semantics on the same batch (the values are converted between the
two forms). A router's output (an ISI binner's, a payload router's) is held as its
input's ISIs (never as the K-times larger map), and a synapse after it adds one weight
column per event, times the event's value (graded events run the numpy semantics). For
fixed-point graphs the result equals Lava ``fixed_pt`` spike for spike
and bit for bit in ``u`` and ``v``, with either engine.

Memory is bounded by the batch: samples run ``batch_size`` at a time and only counts (and
what is asked for) are kept; :func:`emulate_batches` takes the batches from an iterable
and yields each result, so a data set of any size runs in the memory of one batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numba
import numpy as np
from tqdm.auto import tqdm

from pumice.convert.intervals import Binned, LineEvents
from pumice.convert.ir import Graph, RunResult
from pumice.convert.ir.checks import check_input, check_non_spiking, check_runnable
from pumice.convert.ir.windows import run_input
from pumice.convert.kernels import KERNELS
from pumice.convert.kernels.neuron_run import NeuronRun, Outputs
from pumice.convert.kernels.trains import Current, Trains, is_binary
from pumice.convert.semantics import ON_EVENTS, SEMANTICS
from pumice.convert.tensor_ops import delay_one_step
from pumice.errors import ModelError

#: Engines :func:`emulate` accepts: compiled kernels where a kind has one, or numpy only.
ENGINES = ("kernels", "numpy")
#: Samples a kernel's thread takes at a time: small, so that a thread slowed by other work
#: on the machine leaves the rest of the batch to the others.
SAMPLES_PER_TASK = 4
#: The kernels take a batch in parts whose synaptic input (int32, every step of the widest
#: layer) stays about this size: near the CPU's last-level cache, large enough that the
#: kernels' calls cost little per sample.
CACHED_BYTES = 32 << 20


def _part_size(graph: Graph, steps: int) -> int:
    """Samples per part of a batch for the kernels (see :data:`CACHED_BYTES`): a whole
    number of tasks for every thread."""
    widest = max((int(np.prod(shape)) for shape in graph.shapes().values()), default=1)
    round_ = numba.get_num_threads() * SAMPLES_PER_TASK
    return max(1, CACHED_BYTES // (4 * steps * widest) // round_) * round_


def _as_ir(value):
    """A value in the numpy semantics' form (Binned stays Binned)."""
    return value.ir() if isinstance(value, Trains | Current) else value


def _as_trains(value) -> Trains:
    if isinstance(value, Trains):
        return value
    if isinstance(value, Binned):
        return Trains.from_intervals(value.intervals, value.num_bins, value.bin_width)
    return Trains.from_ir(value)


def _as_current(value) -> Current:
    """Synaptic input in the kernels' form; spikes fed straight to neurons (an input layer
    of neurons) are their input as they are."""
    if isinstance(value, Current):
        return value
    return Current.from_ir(_as_ir(value))


def _numpy_neuron(node, x, outputs: Outputs) -> NeuronRun:
    """A neuron layer's numpy semantics, as a :class:`NeuronRun`."""
    fired, u, v = SEMANTICS[type(node)](node, x, outputs.state or outputs.potentials)
    start, stop = outputs.window
    batch = len(fired)
    # a graded spike carries its payload: count spikes, not payloads
    return NeuronRun(
        counts=np.count_nonzero(fired[..., start:stop], axis=-1),
        fired=np.count_nonzero(fired.reshape(batch, -1), axis=1),
        trains=fired if outputs.trains else None,
        potentials=v[..., stop - 1] if outputs.potentials else None,
        u=u if outputs.state else None,
        v=v if outputs.state else None,
    )


def _kernel_takes(x, role: str) -> bool:
    """A kernel can take ``x``: anything the kernels made, numpy synaptic input, or 0/1
    spikes (graded spikes, a payload router's or of a kind without a kernel, go to numpy
    semantics)."""
    if role == "neuron" or isinstance(x, Trains | Current | Binned):
        return True
    return not isinstance(x, LineEvents) and is_binary(x)


def _run_node(node, x, compiled: bool, outputs: Outputs | None):
    """One node over the batch: its kernel where it has one (and it accepts the node),
    else its numpy semantics."""
    kind, role = type(node), node.traits.role
    if compiled and kind in KERNELS and _kernel_takes(x, role):
        if role == "neuron":
            result = KERNELS[kind](node, _as_current(x), outputs)
        else:
            result = KERNELS[kind](node, _as_trains(x))
        if result is not None:
            return result
    x = _as_ir(x)
    if isinstance(x, LineEvents) and role == "synapse" and kind in ON_EVENTS:
        return delay_one_step(ON_EVENTS[kind](node, x))
    if isinstance(x, LineEvents) and role != "router":
        x = x.dense()
    if role == "synapse" and node.traits.isi:
        return delay_one_step(SEMANTICS[kind](node, x))
    if role == "synapse":
        # Lava delivers a synapse's output a step late; a synapse without ISI state acts
        # alike at every step (and sends 0 for no input), so delaying its input instead is
        # the same and cheaper (spikes are smaller than the sums)
        return SEMANTICS[kind](node, delay_one_step(x))
    if role == "neuron":
        return _numpy_neuron(node, x, outputs)
    return SEMANTICS[kind](node, x)


def _run_batch(graph: Graph, spikes, record_spikes, record_state, windows, engine) -> RunResult:
    compiled = engine == "kernels" and graph.domain() == "fixed" and is_binary(spikes)
    fed = {graph.predecessor(name) for name in graph.nodes if name != graph.input}
    values: dict[str, object] = {}
    out = {"counts": {}, "spikes": {}, "u": {}, "v": {}, "potentials": {}}
    for name, node in graph.nodes.items():
        if type(node) not in SEMANTICS:
            raise ModelError(f"node '{name}' of kind {type(node).__name__} cannot be emulated")
        x = spikes if node.traits.role == "input" else values[graph.predecessor(name)]
        outputs = None
        if node.is_neuron:
            spiking = node.traits.spiking
            outputs = Outputs(
                window=windows.get(name, (0, spikes.shape[-1])),
                trains=record_spikes or name in fed,
                state=record_state,
                potentials=not spiking,
            )
        result = _run_node(node, x, compiled, outputs)
        if not node.is_neuron:
            values[name] = result
            continue
        values[name] = result.trains
        out["counts"][name] = result.counts
        if not node.traits.spiking:
            check_non_spiking(name, result.fired)
            out["potentials"][name] = result.potentials
        if record_spikes:
            out["spikes"][name] = _as_ir(result.trains)
        if record_state:
            out["u"][name], out["v"][name] = result.u, result.v
    return RunResult(
        counts=out["counts"],
        spikes=out["spikes"] if record_spikes else None,
        u=out["u"] if record_state else None,
        v=out["v"] if record_state else None,
        potentials=out["potentials"] or None,
    )


#: Bytes of run-long arrays one part of a batch may hold in the numpy semantics (every
#: node's output is kept for the part).
BATCH_BYTES = 2 << 30


def fitting_batch(graph: Graph, steps: int, batch_size: int) -> int:
    """``batch_size``, lowered so one batch's node outputs (8 bytes per value and step)
    stay within :data:`BATCH_BYTES`: large maps over long runs (a TTFS CNN) need it."""
    per_sample = 8 * steps * sum(int(np.prod(shape)) for shape in graph.shapes().values())
    return max(1, min(batch_size, BATCH_BYTES // max(per_sample, 1)))


def emulate_batches(
    graph: Graph,
    batches: Iterable[np.ndarray],
    *,
    record_spikes: bool = False,
    record_state: bool = False,
    windows: dict[str, tuple[int, int]] | None = None,
    engine: str = "kernels",
) -> Iterator[RunResult]:
    """Run each batch of spikes (samples, *input shape, steps) and yield its result, so
    that nothing but the batch in hand is held; options as :func:`emulate`."""
    if engine not in ENGINES:
        raise ModelError(f"unknown emulator engine '{engine}': choose {' or '.join(ENGINES)}")
    check_runnable(graph)
    for spikes in batches:
        check_input(graph, spikes)
        steps = spikes.shape[-1]
        part = _part_size(graph, steps) if engine == "kernels" else len(spikes)
        part = fitting_batch(graph, steps, max(part, 1))
        parts = []
        with numba.parallel_chunksize(SAMPLES_PER_TASK):
            for start in range(0, max(len(spikes), 1), part):
                chunk = spikes[start : start + part]
                parts.append(
                    _run_batch(graph, chunk, record_spikes, record_state, windows or {}, engine)
                )
        yield parts[0] if len(parts) == 1 else join_results(parts)


def join_results(parts: list[RunResult]) -> RunResult:
    """One result of the samples of ``parts``, in order."""

    def join(key: str) -> dict[str, np.ndarray] | None:
        if not parts or not getattr(parts[0], key):
            return None
        first = getattr(parts[0], key)
        return {name: np.concatenate([getattr(p, key)[name] for p in parts]) for name in first}

    return RunResult(
        counts=join("counts") or {},
        spikes=join("spikes"),
        u=join("u"),
        v=join("v"),
        potentials=join("potentials"),
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
    engine: str = "kernels",
) -> RunResult:
    """Run ``spikes`` (samples, *input shape, steps) through ``graph``.

    ``counts`` sum each neuron's spikes over ``windows[name]`` (run steps
    ``[start, stop)``), or over the whole run where no window is given; ``potentials``
    hold each non-spiking layer's ``v`` at step ``stop - 1``. ``engine="numpy"`` runs the
    reference semantics only (the kernels compute the same, faster).
    """
    check_input(graph, spikes)
    bar = tqdm(total=len(spikes), desc="emulate", unit="sample", disable=not progress)
    batches = (spikes[start : start + batch_size] for start in range(0, len(spikes), batch_size))
    parts = []
    for part in emulate_batches(
        graph,
        batches,
        record_spikes=record_spikes,
        record_state=record_state,
        windows=windows,
        engine=engine,
    ):
        parts.append(part)
        bar.update(len(next(iter(part.counts.values()))) if part.counts else 0)
    bar.close()
    return join_results(parts)


def emulate_window(graph: Graph, spikes: np.ndarray, **options) -> RunResult:
    """Emulate T-step input ``spikes`` in the model's own time convention: padded by its
    lag and each layer counted over its T-step window (:mod:`pumice.convert.ir.windows`).
    ``options`` are :func:`emulate`'s."""
    padded, windows = run_input(graph, spikes)
    return emulate(graph, padded, windows=windows, **options)
