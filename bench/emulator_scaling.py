"""Benchmark: how the emulator's and Lava's cost grow with network size and input rate.

Networks (random weights, quantised as ``pumice convert`` does): 784-500-10, 784-2000-
2000-10, a conv network (8c3-pool2-16c3-pool2-10 on 28x28) and a BPSR-style recurrent
network (r1000 with per-neuron shift leaks and 70 % of its synapses pruned, fc100, fc10).
Inputs: Fashion-MNIST test images rate coded so that 1 %, 5 % and 20 % of the inputs spike
per step, T = 100 (+ 1 step for Lava's lag). Per row, in one process: Lava ``fixed_pt``
the way pumice runs it (build and compile included), then the emulator on more samples;
spike counts of the common samples compared. A recurrent network cannot reset inside
Lava, so it runs a sample per run; it is also timed as one run without resets (Lava's
raw speed), and its ratio is taken against that, the faster. Writes JSON and a table.

    python bench/emulator_scaling.py --out bench/results/emulator_scaling
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.convert.emulator import emulate
from pumice.convert.ir import (
    Conv2d,
    CubaLIF,
    Dense,
    Flatten,
    Graph,
    Input,
    RecurrentCubaLIF,
    SumPool2d,
)
from pumice.convert.ir.windows import layer_windows, pad_for_lag
from pumice.convert.passes import PASSES
from pumice.data import load_splits
from pumice.data.stream import spike_batches

RATES = (0.01, 0.05, 0.20)
LIF = dict(threshold=1.25, current_decay=0.25, voltage_decay=0.03, bias=np.zeros(1))


def _dense(rng, n_in: int, n_out: int, gain: float = 2.8, pruned: float = 0.0) -> Dense:
    weight = rng.normal(0, gain / np.sqrt(n_in), (n_out, n_in))
    if pruned:
        weight = np.where(rng.random(weight.shape) < pruned, 0.0, weight)
    return Dense(weight, sparse=pruned > 0)


def mlp(sizes: list[int], seed: int = 0) -> Graph:
    """A random dense CUBA network of layer ``sizes`` (first: inputs), quantised."""
    rng = np.random.default_rng(seed)
    nodes = [("input", Input((sizes[0],)))]
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False), start=1):
        nodes += [
            (f"dense{i}_synapse", _dense(rng, n_in, n_out)),
            (f"dense{i}", CubaLIF((n_out,), **LIF)),
        ]
    return PASSES["quantize"]().apply(Graph.chain(nodes)).graph


def conv_net(seed: int = 0) -> Graph:
    """8c3 (pad 1) - pool2 - 16c3 (pad 1) - pool2 - 10 on (1, 28, 28), quantised."""
    rng = np.random.default_rng(seed)
    conv1 = Conv2d(rng.normal(0, 0.9, (8, 1, 3, 3)), padding=(1, 1))
    conv2 = Conv2d(rng.normal(0, 0.35, (16, 8, 3, 3)), padding=(1, 1))
    graph = Graph.chain(
        [
            ("input", Input((1, 28, 28))),
            ("conv1_synapse", conv1),
            ("conv1", CubaLIF((8, 28, 28), **LIF)),
            ("pool1_synapse", SumPool2d((2, 2), (2, 2), weight=0.5)),
            ("pool1", CubaLIF((8, 14, 14), **LIF)),
            ("conv2_synapse", conv2),
            ("conv2", CubaLIF((16, 14, 14), **LIF)),
            ("pool2_synapse", SumPool2d((2, 2), (2, 2), weight=0.5)),
            ("pool2", CubaLIF((16, 7, 7), **LIF)),
            ("flat", Flatten()),
            ("dense1_synapse", _dense(rng, 16 * 7 * 7, 10)),
            ("dense1", CubaLIF((10,), **LIF)),
        ]
    )
    return PASSES["quantize"]().apply(graph).graph


def recurrent_net(seed: int = 0) -> Graph:
    """BPSR's rMLP shape on 784 inputs: r1000 (per-neuron decays and biases, 70 % of the
    synapses pruned), fc100, fc10; quantised with shift leaks (per-neuron decays)."""
    rng = np.random.default_rng(seed)
    n = 1000
    recurrent = RecurrentCubaLIF(
        (n,),
        threshold=1.0,
        current_decay=1.0,
        voltage_decay=rng.uniform(0.02, 0.3, n),
        bias=rng.normal(0, 0.01, n),
        recurrent_weight=np.where(rng.random((n, n)) < 0.7, 0.0, rng.normal(0, 0.05, (n, n))),
        sparse=True,
    )
    graph = Graph.chain(
        [
            ("input", Input((784,))),
            ("rec1_synapse", _dense(rng, 784, n, pruned=0.7)),
            ("rec1", recurrent),
            ("dense2_synapse", _dense(rng, n, 100, pruned=0.7)),
            ("dense2", CubaLIF((100,), **LIF)),
            ("dense3_synapse", _dense(rng, 100, 10, pruned=0.7)),
            ("dense3", CubaLIF((10,), **LIF)),
        ]
    )
    return PASSES["quantize"](leak="shift").apply(graph).graph


#: Name -> (graph builder, Lava samples, emulator samples).
NETWORKS = {
    "784-500-10": (lambda: mlp([784, 500, 10]), 20, 4000),
    "784-2000-2000-10": (lambda: mlp([784, 2000, 2000, 10]), 8, 1000),
    "conv 8c3-p2-16c3-p2-10": (conv_net, 8, 2000),
    "recurrent r1000-100-10 (BPSR)": (recurrent_net, 8, 1000),
}


def _spikes(graph: Graph, samples: int, rate: float, steps: int) -> np.ndarray:
    test = load_splits("fashion-mnist").test
    subset = test.subset(np.arange(samples) % len(test))
    max_rate = min(1.0, rate / float(np.clip(test.x, 0, 1).mean()))
    chunks = spike_batches(subset, steps, 0, 500, max_rate)
    shape = graph.nodes[graph.input].shape
    return pad_for_lag(np.concatenate([c.reshape(len(c), *shape, -1) for c in chunks]))


def _row(name: str, graph: Graph, rate: float, lava_n: int, emulator_n: int, steps: int):
    from pumice.deploy.lava_run import run_on_lava
    from pumice.deploy.sample_resets import sample_resets

    windows = layer_windows(graph, steps)
    spikes = _spikes(graph, max(lava_n, emulator_n), rate, steps)
    few = spikes[:lava_n]
    emulate(graph, few[:2], windows=windows)  # compiled kernels loaded
    start = time.perf_counter()
    on_lava = run_on_lava(graph, few, windows=windows)
    lava_s = time.perf_counter() - start
    in_lava = sample_resets(graph, few) is not None
    raw_s = None
    if not in_lava:
        start = time.perf_counter()
        run_on_lava(graph, few, windows=windows, reset=False)
        raw_s = time.perf_counter() - start
    emulated_few = emulate(graph, few, windows=windows)
    start = time.perf_counter()
    run = emulate(graph, spikes[:emulator_n], windows=windows)
    emulator_s = time.perf_counter() - start
    same = all(np.array_equal(on_lava.counts[n], c) for n, c in emulated_few.counts.items())
    lava_rate = lava_n / min(lava_s, raw_s or lava_s)
    activity = {
        layer: float(counts.mean() / steps) for layer, counts in run.counts.items()
    }  # spikes per neuron per step
    return {
        "network": name,
        "input_rate": rate,
        "input_spike_density": float(spikes[:emulator_n, ..., :steps].mean()),
        "neurons": int(sum(np.prod(node.shape) for _, node in graph.neurons())),
        "layer_spikes_per_neuron_per_step": activity,
        "lava_samples": lava_n,
        "lava_resets_inside_lava": in_lava,
        "lava_samples_per_s": lava_n / lava_s,
        "lava_raw_no_reset_samples_per_s": None if raw_s is None else lava_n / raw_s,
        "emulator_samples": emulator_n,
        "emulator_samples_per_s": emulator_n / emulator_s,
        "ratio": (emulator_n / emulator_s) / lava_rate,
        "identical_spike_counts_on_common_samples": bool(same),
    }


def _table(rows: list[dict]) -> str:
    lines = [
        "| network | input rate | emulator samples/s | Lava samples/s | ratio |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lava = f"{r['lava_samples_per_s']:.2f}"
        if r["lava_raw_no_reset_samples_per_s"] is not None:
            lava += f" ({r['lava_raw_no_reset_samples_per_s']:.2f} without resets)"
        lines.append(
            f"| {r['network']} | {r['input_rate']:.0%} | {r['emulator_samples_per_s']:,.0f} | "
            f"{lava} | {r['ratio']:,.0f}x |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--networks", nargs="*", choices=list(NETWORKS), default=list(NETWORKS))
    parser.add_argument("--out", type=Path, default=Path("bench/results/emulator_scaling"))
    args = parser.parse_args()
    rows = []
    for name in args.networks:
        build, lava_n, emulator_n = NETWORKS[name]
        graph = build()
        for rate in RATES:
            rows.append(_row(name, graph, rate, lava_n, emulator_n, args.steps))
            print(json.dumps(rows[-1]), flush=True)
    result = {
        "command": " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1], *sys.argv]),
        "steps_per_sample": args.steps + 1,
        "cpus": os.cpu_count(),
        "rows": rows,
    }
    atomic_write_text(args.out.with_suffix(".json"), json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out.with_suffix(".md"), _table(rows))
    print(_table(rows))


if __name__ == "__main__":
    main()
