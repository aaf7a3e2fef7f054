"""Benchmark: peak memory of emulating Fashion-MNIST's 60,000 training images at T = 100.

Each run is a fresh process (so its peak is its own): it loads the split, then streams
its first N samples through the emulator (:func:`pumice.streaming.run_dataset`: encoded and
emulated a batch at a time, a progress bar, one prediction kept per sample). Peak resident
memory is read after loading the data and at the end; runs of different N show what grows
with the data set. Writes JSON with the exact command line. Not a test: run it by hand.

    python bench/emulator_memory.py --model runs/fmnist_1epoch/model.fixed.pumice
"""

from __future__ import annotations

import argparse
import json
import resource
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

from pumice.atomic import atomic_write_text


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(model: Path | None, samples: int, steps: int, batch: int) -> dict:
    """One run in this process: the JSON-ready measurements."""
    sys.path.insert(0, str(Path(__file__).parent))
    from emulator_vs_lava import random_784_500_10

    from pumice.convert.ir import load_graph
    from pumice.data import load_fashion_mnist
    from pumice.streaming import run_dataset

    graph = load_graph(model) if model else random_784_500_10(0)
    train, _ = load_fashion_mnist()  # all 60,000 training images
    data = train.subset(np.arange(min(samples, len(train))))
    after_load = _peak_mb()
    max_rate = graph.metadata.get("data", {}).get("max_rate", 1.0)
    run = run_dataset(graph, data, steps, max_rate=max_rate, batch_size=batch)
    return {
        "samples": run.samples,
        "dataset_bytes": int(data.x.nbytes + data.y.nbytes),
        "peak_rss_after_loading_mb": after_load,
        "peak_rss_mb": _peak_mb(),
        "emulate_s": run.emulate_s,
        "wall_s": run.wall_s,
        "emulated_samples_per_s": run.samples / run.emulate_s,
        "accuracy": run.accuracy,
        "spikes_per_neuron": run.spikes_per_neuron,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="fixed-point 784-500-10 model (default: random)")
    parser.add_argument("--samples", type=int, nargs="+", default=[6000, 60000])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=1000, help="samples encoded at a time")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path("bench/results/emulator_memory.json"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.model, args.samples[0], args.steps, args.batch)))
        return
    runs = []
    for samples in args.samples:
        command = [sys.executable, __file__, "--child", "--samples", str(samples)]
        command += ["--steps", str(args.steps), "--batch", str(args.batch)]
        command += ["--model", str(args.model)] if args.model else []
        output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)
    result = {
        "command": " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1], *sys.argv]),
        "network": str(args.model) if args.model else "784-500-10 CUBA, random weights",
        "steps_per_sample": args.steps + 1,
        "batch": args.batch,
        "runs": runs,
    }
    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
