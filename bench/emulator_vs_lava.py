"""Benchmark: emulator vs Lava ``fixed_pt`` throughput on a 784-500-10 network, T = 100.

Both run the same Fashion-MNIST test samples (rate coded; a model that records its
training encoding is fed that encoding, unless ``--max-rate`` says otherwise) in one
process. Lava runs the samples as pumice runs them by default: one uninterrupted run,
each sample reset inside Lava (:mod:`pumice.deploy.sample_resets`, netx's staggered
``LIFReset``), timed whole (build, compile, run, reads) and in steady state (an N-sample
run minus a 1-sample run, per extra sample). For the record it also times pumice's
previous way (a run per sample, states reset with ``Var.set`` between them) and lava-dl
netx's own network of the same layers, one uninterrupted run with its resets. The emulator
runs the same samples, then a large batch (encoded a chunk at a time, only emulation
timed). Spike counts of the common samples are compared, Lava against the emulator.
Writes JSON with the exact command line. Not a test: run it by hand.

    python bench/emulator_vs_lava.py --model runs/fmnist_784_500_10/model.fixed.pumice
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.convert.emulator import emulate
from pumice.convert.ir import CubaLIF, Dense, Graph, Input, load_graph
from pumice.convert.ir.windows import layer_windows, pad_for_lag
from pumice.convert.passes import PASSES
from pumice.data import load_splits
from pumice.data.stream import spike_batches

#: Emulator samples encoded (and emulated) per chunk of the large batch.
CHUNK = 1000


def random_784_500_10(seed: int) -> Graph:
    """An untrained 784-500-10 CUBA network with SLAYER-like initial weights, quantised."""
    rng = np.random.default_rng(seed)
    lif = dict(threshold=1.25, current_decay=0.25, voltage_decay=0.03, bias=np.zeros(1))
    graph = Graph.chain(
        [
            ("input", Input((784,))),
            ("dense1_synapse", Dense(rng.normal(0, 0.1, (500, 784)))),
            ("dense1", CubaLIF((500,), **lif)),
            ("dense2_synapse", Dense(rng.normal(0, 0.3, (10, 500)))),
            ("dense2", CubaLIF((10,), **lif)),
        ]
    )
    return PASSES["quantize"]().apply(graph).graph


def timed(fn, *args, **kwargs):
    """(result, seconds) of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def netx_uninterrupted_s(graph: Graph, spikes: np.ndarray) -> float:
    """Seconds lava-dl netx takes for ``spikes`` (samples, *input shape, steps), its network
    built from the same layers, one run with ``reset_interval`` = steps (build included)."""
    from lava.lib.dl import netx
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    from pumice.convert.interchange import export_netx

    samples, steps = spikes.shape[0], spikes.shape[-1]
    spikes = spikes.reshape(samples, -1, steps)  # netx's network takes the flattened input
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.net"
        export_netx(graph, path)
        start = time.perf_counter()
        net = netx.hdf5.Network(net_config=str(path), reset_interval=steps)
        played = np.moveaxis(spikes, 0, -2).reshape(*net.inp.shape, samples * steps)
        source = Source(data=played.astype(np.int32))
        source.s_out.connect(net.inp)
        sink = Sink(shape=net.out.shape, buffer=samples * steps)
        net.out.connect(sink.a_in)
        net.run(
            condition=RunSteps(num_steps=samples * steps),
            run_cfg=Loihi2SimCfg(select_tag="fixed_pt"),
        )
        net.stop()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="fixed-point 784-500-10 model (default: random)")
    parser.add_argument("--lava-samples", type=int, default=20)
    parser.add_argument("--emulator-samples", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument(
        "--max-rate", type=float, help="rate coding maximum (default: the model's, else 1.0)"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/emulator_vs_lava.json"))
    args = parser.parse_args()
    from pumice.deploy.lava_run import run_on_lava
    from pumice.deploy.sample_resets import sample_resets

    graph = load_graph(args.model) if args.model else random_784_500_10(0)
    max_rate = args.max_rate or graph.metadata.get("data", {}).get("max_rate", 1.0)
    test = load_splits("fashion-mnist").test
    in_shape = graph.nodes[graph.input].shape
    windows = layer_windows(graph, args.steps)

    def batches(samples: int):
        subset = test.subset(np.arange(samples) % len(test))
        for chunk in spike_batches(subset, args.steps, 0, CHUNK, max_rate):
            yield pad_for_lag(chunk.reshape(len(chunk), *in_shape, -1))

    few = next(batches(args.lava_samples))
    first_s = timed(emulate, graph, few[:2], windows=windows)[1]  # load compiled kernels

    in_lava_resets = sample_resets(graph, few) is not None
    lava_one_s = timed(run_on_lava, graph, few[:1], windows=windows)[1]
    on_lava, lava_s = timed(run_on_lava, graph, few, windows=windows)
    lava_steady_s = (lava_s - lava_one_s) / max(args.lava_samples - 1, 1)
    between_runs, between_s = timed(run_on_lava, graph, few, windows=windows, in_lava_resets=False)
    netx_s = netx_uninterrupted_s(graph, few)
    emulated_few, emulator_few_s = timed(emulate, graph, few, windows=windows)
    emulator_many_s, density, emulated = 0.0, [], 0
    for chunk in batches(args.emulator_samples):
        emulator_many_s += timed(emulate, graph, chunk, windows=windows)[1]
        density.append(float(chunk.mean()))
        emulated += len(chunk)

    same = all(
        np.array_equal(run.counts[n], emulated_few.counts[n])
        for run in (on_lava, between_runs)
        for n in emulated_few.counts
    )
    same = same and all(  # a non-spiking output's answers (v at the end of the window)
        np.array_equal(run.potentials[n], v)
        for run in (on_lava, between_runs)
        for n, v in (emulated_few.potentials or {}).items()
    )
    lava_rate = args.lava_samples / lava_s
    steady_rate = 1.0 / lava_steady_s
    emulator_rate = emulated / emulator_many_s
    result = {
        "command": " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1], *sys.argv]),
        "network": "784-500-10 CUBA, " + (str(args.model) if args.model else "random weights"),
        "steps_per_sample": args.steps + 1,
        "input": {"max_rate": max_rate, "spike_density": float(np.mean(density))},
        "lava": {
            "samples": args.lava_samples,
            "resets_inside_lava": in_lava_resets,
            "uninterrupted_run_s": lava_s,
            "uninterrupted_samples_per_s": lava_rate,
            "uninterrupted_steps_per_s": args.lava_samples * (args.steps + 1) / lava_s,
            "one_sample_run_s": lava_one_s,
            "steady_state_s_per_sample": lava_steady_s,
            "steady_state_samples_per_s": steady_rate,
            "reset_between_runs_s": between_s,
            "reset_between_runs_samples_per_s": args.lava_samples / between_s,
            "netx_uninterrupted_s": netx_s,
            "netx_uninterrupted_samples_per_s": args.lava_samples / netx_s,
        },
        "emulator_first_call_s": first_s,
        "emulator_same_samples": {
            "samples": args.lava_samples,
            "wall_s": emulator_few_s,
            "samples_per_s": args.lava_samples / emulator_few_s,
        },
        "emulator_large_batch": {
            "samples": emulated,
            "wall_s": emulator_many_s,
            "samples_per_s": emulator_rate,
        },
        "speedup_same_samples": (args.lava_samples / emulator_few_s) / lava_rate,
        "speedup_large_batch_vs_lava_uninterrupted": emulator_rate / lava_rate,
        "speedup_large_batch_vs_lava_steady_state": emulator_rate / steady_rate,
        "speedup_large_batch_vs_netx": emulator_rate / (args.lava_samples / netx_s),
        "identical_spike_counts_on_common_samples": bool(same),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numba_threads": int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count())),
        },
    }
    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
