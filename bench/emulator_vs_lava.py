"""Benchmark: emulator vs Lava ``fixed_pt`` throughput on a 784-500-10 network, T = 100.

Both run the same Fashion-MNIST test samples (rate coded) in one process; the emulator
also runs a larger batch to show its throughput when it is given enough work. Lava is
timed whole (build, compile, run), in steady state (the difference between an N-sample
and a 1-sample run, per extra sample; pumice resets every state between samples) and as
one uninterrupted run of all samples without resets (Lava's raw simulation speed, build
and compile included). Writes JSON with the exact command line.
Not a test: run it by hand.

    python bench/emulator_vs_lava.py --model runs/fmnist_784_500_10/model.fixed.pumice
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.convert.emulator import emulate
from pumice.convert.ir import CubaLIF, Dense, Graph, Input, load_graph
from pumice.convert.ir.windows import layer_windows, pad_for_lag
from pumice.convert.passes import PASSES
from pumice.data import as_spikes, load_splits


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="fixed-point 784-500-10 model (default: random)")
    parser.add_argument("--lava-samples", type=int, default=20)
    parser.add_argument("--emulator-samples", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("bench/results/emulator_vs_lava.json"))
    args = parser.parse_args()
    from pumice.deploy.lava_run import run_on_lava

    graph = load_graph(args.model) if args.model else random_784_500_10(0)
    test = load_splits("fashion-mnist").test
    subset = test.subset(np.arange(max(args.lava_samples, args.emulator_samples)))
    in_shape = graph.nodes[graph.input].shape
    spikes = as_spikes(subset, args.steps, seed=0).reshape(len(subset), *in_shape, -1)
    spikes = pad_for_lag(spikes)
    windows = layer_windows(graph, args.steps)
    few = spikes[: args.lava_samples]

    start = time.perf_counter()
    run_on_lava(graph, few[:1], windows=windows)
    lava_one_s = time.perf_counter() - start  # build + compile + one sample
    start = time.perf_counter()
    on_lava = run_on_lava(graph, few, windows=windows)
    lava_s = time.perf_counter() - start
    lava_steady_s = (lava_s - lava_one_s) / max(args.lava_samples - 1, 1)
    start = time.perf_counter()
    run_on_lava(graph, few, windows=windows, reset=False)
    lava_raw_s = time.perf_counter() - start  # one uninterrupted run, no resets
    start = time.perf_counter()
    emulated_few = emulate(graph, few, windows=windows)
    emulator_few_s = time.perf_counter() - start
    start = time.perf_counter()
    emulate(graph, spikes[: args.emulator_samples], windows=windows)
    emulator_many_s = time.perf_counter() - start

    same = all(np.array_equal(on_lava.counts[n], emulated_few.counts[n]) for n in on_lava.counts)
    same = same and all(  # a non-spiking output's answers (v at the end of the window)
        np.array_equal(on_lava.potentials[n], v) for n, v in (emulated_few.potentials or {}).items()
    )
    lava_rate = args.lava_samples / lava_s
    steady_rate = 1.0 / lava_steady_s
    result = {
        "command": " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1], *sys.argv]),
        "network": "784-500-10 CUBA, " + (str(args.model) if args.model else "random weights"),
        "steps_per_sample": args.steps + 1,
        "lava": {
            "samples": args.lava_samples,
            "wall_s": lava_s,
            "samples_per_s": lava_rate,
            "one_sample_run_s": lava_one_s,
            "steady_state_s_per_sample": lava_steady_s,
            "steady_state_samples_per_s": steady_rate,
            "uninterrupted_run_s": lava_raw_s,
            "uninterrupted_steps_per_s": args.lava_samples * (args.steps + 1) / lava_raw_s,
            "uninterrupted_samples_per_s": args.lava_samples / lava_raw_s,
        },
        "emulator_same_samples": {
            "samples": args.lava_samples,
            "wall_s": emulator_few_s,
            "samples_per_s": args.lava_samples / emulator_few_s,
        },
        "emulator_large_batch": {
            "samples": args.emulator_samples,
            "wall_s": emulator_many_s,
            "samples_per_s": args.emulator_samples / emulator_many_s,
        },
        "speedup_same_samples": (args.lava_samples / emulator_few_s) / lava_rate,
        "speedup_large_batch": (args.emulator_samples / emulator_many_s) / lava_rate,
        "speedup_large_batch_vs_lava_steady_state": (args.emulator_samples / emulator_many_s)
        / steady_rate,
        "speedup_large_batch_vs_lava_uninterrupted": (args.emulator_samples / emulator_many_s)
        / (args.lava_samples / lava_raw_s),
        "identical_spike_counts_on_common_samples": bool(same),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
