"""Benchmark: accuracy against weight bits and against pruned fraction (emulator, test split).

For each setting, the float model is pruned (magnitude, per layer), quantised with steps
calibrated on the validation split, and run on the emulator over the whole test split.
Writes JSON (with the exact command), a Markdown table and a PNG plot. Not a test.

    python bench/quantization_sweep.py --model runs/fmnist_784_500_10/model.pumice
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import pumice  # noqa: E402,F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text  # noqa: E402
from pumice.convert.ir import load_graph  # noqa: E402
from pumice.convert.passes import PASSES  # noqa: E402
from pumice.inference import run_graph  # noqa: E402
from pumice.model_inputs import load_inputs  # noqa: E402


def evaluate(graph, calibration, test, bits: int, prune: float) -> dict:
    """Prune, calibrate-quantise and score one setting."""
    if prune > 0:
        graph = PASSES["prune"](sparsity=prune).apply(graph).graph
    result = PASSES["calibrate"](spikes=calibration[0], weight_bits=bits).apply(graph)
    fixed = result.graph
    report = run_graph(fixed, *test, "emulator", progress=False)
    synapses = sum(int((n.weight != 0).sum()) for n in fixed.nodes.values() if hasattr(n, "weight"))
    return {
        "bits": bits,
        "pruned": prune,
        "accuracy": report.accuracy,
        "spikes_per_neuron": report.spikes_per_neuron,
        "synapses": synapses,
        "steps": result.report["quantization"]["steps"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="float model (.pumice)")
    parser.add_argument("--bits", type=int, nargs="+", default=[8, 6, 4, 2])
    parser.add_argument("--prune", type=float, nargs="+", default=[0.0, 0.5, 0.8, 0.9])
    parser.add_argument("--calibration-samples", type=int, default=256)
    parser.add_argument("--samples", type=int, help="test samples (default: whole split)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/quantization_sweep"))
    args = parser.parse_args()

    graph = load_graph(args.model)
    calibration = load_inputs(graph, split="val", samples=args.calibration_samples)
    test = load_inputs(graph, split="test", samples=args.samples)
    start = time.perf_counter()
    float_run = run_graph(graph, *test, "emulator", progress=False)
    by_bits = [evaluate(graph, calibration, test, bits, 0.0) for bits in args.bits]
    by_prune = [evaluate(graph, calibration, test, 8, prune) for prune in args.prune]
    result = {
        "command": " ".join(shlex.quote(a) for a in ["python", *sys.argv]),
        "model": str(args.model),
        "test_samples": int(len(test[1])),
        "calibration_samples": int(len(calibration[1])),
        "float_accuracy_emulated": float_run.accuracy,
        "by_bits": by_bits,
        "by_pruned_fraction": by_prune,
        "wall_s": time.perf_counter() - start,
    }
    out = args.out
    atomic_write_text(out.with_suffix(".json"), json.dumps(result, indent=2) + "\n")
    rows = ["| setting | accuracy | synapses |", "|---|---|---|"]
    rows.append(f"| float (emulated) | {float_run.accuracy:.4f} | - |")
    rows += [f"| {r['bits']}-bit | {r['accuracy']:.4f} | {r['synapses']} |" for r in by_bits]
    rows += [
        f"| 8-bit, {r['pruned']:.0%} pruned | {r['accuracy']:.4f} | {r['synapses']} |"
        for r in by_prune
    ]
    atomic_write_text(out.with_suffix(".md"), "\n".join(rows) + "\n")

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    left.plot([r["bits"] for r in by_bits], [r["accuracy"] for r in by_bits], "o-")
    left.axhline(float_run.accuracy, color="gray", ls="--", label="float")
    left.set_xlabel("weight bits")
    left.set_ylabel("test accuracy")
    left.invert_xaxis()
    left.legend()
    right.plot([r["pruned"] for r in by_prune], [r["accuracy"] for r in by_prune], "o-")
    right.axhline(float_run.accuracy, color="gray", ls="--")
    right.set_xlabel("pruned fraction (8-bit)")
    fig.suptitle(f"{args.model.parent.name}: emulator, {len(test[1])} test samples")
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=110)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
