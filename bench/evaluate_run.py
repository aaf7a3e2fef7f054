"""Evaluate a training run three ways on the same test spikes: float, fixed point, Lava.

Float is SLAYER's own forward pass (from the run's checkpoint), fixed point is the
converted model on the emulator over the whole test split, Lava is the same fixed-point
model on ``Loihi2SimCfg(fixed_pt)`` for the first N samples. Writes JSON with the exact
command. Not a test: run it by hand after ``pumice train``.

    python bench/evaluate_run.py runs/fmnist_784_500_10 --lava-samples 50
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.conversion import ConversionConfig, convert
from pumice.convert.model_files import read_model
from pumice.convert.steps.runner import synapse_weight_arrays
from pumice.inference import run_graph
from pumice.pipeline import MODEL_FILE, load_inputs
from pumice.train.checkpoint import load_network
from pumice.train.inference import predict_spikes


def synapse_counts(graph) -> dict[str, int]:
    """Synapses of a dense network of the same layers, and those present (non-zero)."""
    weights = synapse_weight_arrays(graph)
    return {
        "possible": int(sum(w.size for w in weights)),
        "present": int(sum(np.count_nonzero(w) for w in weights)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="directory written by `pumice train`")
    parser.add_argument("--lava-samples", type=int, default=50)
    parser.add_argument("--out", type=Path, help="JSON path (default: RUN/evaluation.json)")
    parser.add_argument("--bits", type=int, default=8, help="weight bits of the conversion")
    parser.add_argument(
        "--leak", choices=("multiply", "shift"), default="multiply", help="leak of the conversion"
    )
    parser.add_argument("--scale", type=int, default=64, help="integer units per threshold")
    args = parser.parse_args()

    start = time.perf_counter()
    fixed, conversion = convert(
        ConversionConfig(
            args.run / MODEL_FILE,
            args.run / "model.fixed.pumice",
            bits=args.bits,
            leak=args.leak,
            scale=args.scale,
        )
    )
    spikes, labels = load_inputs(fixed)
    model = load_network(args.run / "checkpoint.pt")
    float_predictions, float_spikes = predict_spikes(model, spikes)
    emulated = run_graph(fixed, spikes, labels, "emulator")
    subset = slice(0, min(args.lava_samples, len(labels)))
    on_lava = run_graph(fixed, spikes[subset], labels[subset], "lava")
    result = {
        "command": " ".join(shlex.quote(a) for a in ["python", *sys.argv]),
        "run": str(args.run),
        "test_samples": int(len(labels)),
        "steps": int(spikes.shape[-1]),
        "conversion": {"bits": args.bits, "leak": args.leak, "scale": args.scale},
        "synapses": synapse_counts(read_model(args.run / MODEL_FILE)),
        "conversion_steps": [
            {key: step[key] for key in ("step", "synapses", "changes")}
            for step in conversion["steps"]
        ],
        "float": {
            "accuracy": float((float_predictions == labels).mean()),
            "spikes_per_neuron": float_spikes,
        },
        "fixed_point_emulator": {
            "accuracy": emulated.accuracy,
            "spikes_per_neuron": emulated.spikes_per_neuron,
            "wall_s": emulated.wall_s,
            "predictions_equal_float": float((emulated.predictions == float_predictions).mean()),
        },
        "lava": {
            "samples": on_lava.samples,
            "accuracy": on_lava.accuracy,
            "spikes_per_neuron": on_lava.spikes_per_neuron,
            "wall_s": on_lava.wall_s,
            "emulator_accuracy_same_samples": float(
                (emulated.predictions[subset] == labels[subset]).mean()
            ),
            "predictions_equal_emulator": bool(
                np.array_equal(on_lava.predictions, emulated.predictions[subset])
            ),
            "spike_counts_equal_emulator": all(
                np.array_equal(on_lava.counts[name], emulated.counts[name][subset])
                for name in on_lava.counts
            ),
        },
        "wall_s": time.perf_counter() - start,
    }
    out = args.out or args.run / "evaluation.json"
    atomic_write_text(out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
