"""Run a fixed-point IR graph on Lava's CPU simulator (``Loihi2SimCfg``, ``fixed_pt``).

Samples are played back to back; between samples every neuron's ``u``/``v`` and
every synapse's one-step buffer is reset, so each sample starts from rest exactly
as in the emulator.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from tqdm.auto import tqdm

from pumice.convert.emulator import Emulation
from pumice.convert.ir import Graph
from pumice.deploy.lava_network import build_lava_network, swap_map_layout


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
) -> Emulation:
    """Run ``spikes`` (samples, *input shape, steps) through ``graph`` on Lava.

    Same contract as :func:`pumice.convert.emulator.emulate`. Without ``record_spikes``,
    spikes are counted inside Lava (reading whole trains back is Lava's slowest part).
    ``run_cfg`` defaults to the CPU simulator, ``Loihi2SimCfg(select_tag="fixed_pt")``;
    pass ``Loihi2HwCfg()`` for a Loihi 2 board (needs Intel's lava-loihi extension).
    ``reset=False`` plays all samples in one uninterrupted run without resetting state
    between them (Lava's raw speed, for benchmarks; later samples then start from the
    previous one's state).
    """
    samples, steps = spikes.shape[0], spikes.shape[-1]
    net = build_lava_network(
        graph, spikes, record_spikes=record_spikes, record_state=record_state, windows=windows
    )
    run_cfg = run_cfg or Loihi2SimCfg(select_tag="fixed_pt")
    anchor = net.source
    runs, run_steps = (samples, steps) if reset else (1, samples * steps)
    try:
        for sample in tqdm(range(runs), desc="lava", unit="run", disable=not progress):
            anchor.run(condition=RunSteps(num_steps=run_steps), run_cfg=run_cfg)
            if sample + 1 == runs:
                break
            for name, lif in net.neurons.items():
                zeros = np.zeros(net.shapes[name][::-1])
                lif.u.set(zeros)
                lif.v.set(zeros)
            for proc in net.synapses.values():
                buffer = proc.a_buff if hasattr(proc, "a_buff") else proc.a_buf
                buffer.set(np.zeros(buffer.shape))
        if record_spikes:
            trains = {
                name: _from_lava(sink.data.get(), samples, steps, net.shapes[name]).astype(np.uint8)
                for name, sink in net.sinks.items()
            }
            windows = windows or {}
            counts = {
                name: train[..., slice(*windows.get(name, (0, steps)))].sum(axis=-1, dtype=np.int64)
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
                    name: _monitor_trace(mons[var], samples, steps, net.shapes[name]).astype(
                        np.int64
                    )
                    for name, mons in net.monitors.items()
                }
                for var in ("u", "v")
            )
    finally:
        anchor.stop()
    return Emulation(counts=counts, spikes=trains, u=u, v=v)
