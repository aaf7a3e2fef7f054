"""Run a fixed-point IR graph on Lava's CPU simulator (``Loihi2SimCfg``, ``fixed_pt``).

Samples are played back to back and each starts from rest exactly as in the emulator.
Where that can be done inside Lava (:mod:`pumice.deploy.sample_resets`: netx's staggered
``LIFReset``), all samples play in one uninterrupted run, Lava's fastest; otherwise every
neuron's ``u``/``v``, every synapse's one-step buffer and every ISI binner's age is set
back to 0 between samples, one run per sample. A non-spiking layer's ``v`` is read once
per sample, after the last step of its window (Lava reads a Var only between runs, one
element at a time, so a sample runs to that step, hands ``v`` back, then runs on).
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from tqdm.auto import tqdm

from pumice.convert.ir import Graph, RunResult
from pumice.convert.ir.checks import check_non_spiking
from pumice.deploy.builders.layout import swap_map_layout
from pumice.deploy.lava_network import LavaNetwork, build_lava_network
from pumice.deploy.sample_resets import SampleResets, sample_resets
from pumice.errors import ModelError


def _from_lava(data: np.ndarray, samples: int, steps: int, ir_shape: tuple[int, ...]):
    """Lava (*lava shape, samples*steps) -> IR (samples, *shape, steps)."""
    data = data.reshape(*data.shape[:-1], samples, steps)
    data = np.moveaxis(data, -2, 0)
    return swap_map_layout(data, 1, len(ir_shape))


def _monitor_trace(monitor, samples, steps, ir_shape):
    (data,) = (vars_[var] for vars_ in monitor.get_data().values() for var in vars_)
    lava_shape = ir_shape[::-1]
    data = np.asarray(data).reshape(samples * steps, *lava_shape)
    return _from_lava(np.moveaxis(data, 0, -1), samples, steps, ir_shape)


def _reset(net: LavaNetwork) -> None:
    """Every state Var (neuron u and v, synapse buffers, binner ages) back to 0."""
    for var in net.state:
        var.set(np.zeros(var.shape))


def _before_reset_to_rest(data: np.ndarray, resets: SampleResets | None, name: str):
    """Trains or states (samples, ..., steps) with the steps before ``name``'s reset set to
    0: Lava's layer is still finishing the previous sample there, the emulator's rests."""
    if resets is not None:
        data[..., : resets.offsets[name]] = 0
    return data


def _readout_steps(graph: Graph, windows: dict, steps: int) -> dict[str, int]:
    """Per non-spiking layer, the run step after which its ``v`` is the answer (its stop)."""
    readout = {}
    for name, node in graph.nodes.items():
        if node.is_neuron and not node.traits.spiking:
            stop = windows.get(name, (0, steps))[1]
            if not 1 <= stop <= steps:
                raise ModelError(
                    f"layer '{name}': its window ends at step {stop}, outside the run's "
                    f"{steps} steps"
                )
            readout[name] = stop
    return readout


def run_on_lava(
    graph: Graph,
    spikes: np.ndarray,
    *,
    record_spikes: bool = False,
    record_state: bool = False,
    windows: dict[str, tuple[int, int]] | None = None,
    progress: bool = False,
    run_cfg=None,
    reset: bool = True,
    in_lava_resets: bool = True,
) -> RunResult:
    """Run ``spikes`` (samples, *input shape, steps) through ``graph`` on Lava.

    Same contract as :func:`pumice.convert.emulator.emulate`. Without ``record_spikes``,
    spikes are counted inside Lava (reading whole trains back is Lava's slowest part).
    ``run_cfg`` defaults to the CPU simulator, ``Loihi2SimCfg(select_tag="fixed_pt")``;
    pass ``Loihi2HwCfg()`` for a Loihi 2 board (needs Intel's lava-loihi extension).
    Samples reset inside Lava where the graph allows it and ``run_cfg`` is the simulator;
    ``in_lava_resets=False`` resets them with ``Var.set`` between runs instead.
    ``reset=False`` plays all samples in one uninterrupted run without resetting state
    between them (Lava's raw speed, for benchmarks; later samples then start from the
    previous one's state; a graph with a non-spiking layer still pauses every sample to
    read its ``v``).
    """
    samples, steps = spikes.shape[0], spikes.shape[-1]
    readout = _readout_steps(graph, windows or {}, steps)
    simulated = run_cfg is None or isinstance(run_cfg, Loihi2SimCfg)
    resets = sample_resets(graph, spikes) if reset and in_lava_resets and simulated else None
    net = build_lava_network(
        graph,
        spikes,
        record_spikes=record_spikes,
        record_state=record_state,
        windows=windows,
        resets=resets,
    )
    run_cfg = run_cfg or Loihi2SimCfg(select_tag="fixed_pt")
    anchor = net.source
    reset_between_runs = reset and resets is None
    per_sample = reset_between_runs or bool(readout)
    runs = samples if per_sample else 1
    cuts = sorted({*readout.values(), steps}) if per_sample else [samples * steps]
    read: dict[str, list[np.ndarray]] = {name: [] for name in readout}
    try:
        for sample in tqdm(range(runs), desc="lava", unit="run", disable=not progress):
            done = 0
            for cut in cuts:
                anchor.run(condition=RunSteps(num_steps=cut - done), run_cfg=run_cfg)
                done = cut
                for name in (n for n, stop in readout.items() if stop == cut):
                    read[name].append(np.asarray(net.neurons[name].v.get()))
            if reset_between_runs and sample + 1 < runs:
                _reset(net)
        if record_spikes:
            trains = {
                name: _before_reset_to_rest(
                    _from_lava(sink.data.get(), samples, steps, net.shapes[name]).astype(np.uint8),
                    resets,
                    name,
                )
                for name, sink in net.sinks.items()
            }
            windows = windows or {}
            counts = {
                name: np.count_nonzero(train[..., slice(*windows.get(name, (0, steps)))], axis=-1)
                for name, train in trains.items()
            }
        else:
            trains = None
            counts = {
                name: swap_map_layout(
                    np.moveaxis(counter.counts.get(), -1, 0), 1, len(net.shapes[name])
                ).astype(np.int64)
                for name, counter in net.sinks.items()
            }
        u = v = None
        if record_state:
            u, v = (
                {
                    name: _before_reset_to_rest(
                        _monitor_trace(mons[var], samples, steps, net.shapes[name]).astype(
                            np.int64
                        ),
                        resets,
                        name,
                    )
                    for name, mons in net.monitors.items()
                }
                for var in ("u", "v")
            )
    finally:
        anchor.stop()
    for name in readout:
        check_non_spiking(name, trains[name] if record_spikes else counts[name])
    potentials = {
        name: swap_map_layout(np.stack(values), 1, len(net.shapes[name])).astype(np.int64)
        for name, values in read.items()
    }
    return RunResult(
        counts=counts, spikes=trains, u=u, v=v, potentials=potentials if readout else None
    )
