"""Train SNN, IMSNN and IMSNNc from one config and set them beside the IMSNN paper's table.

    python bench/imsnn_table.py configs/imsnn_fmnist_784_500_10.toml
    python bench/imsnn_table.py configs/imsnn_fmnist_784_500_10.toml --epochs 2 \\
        --train-samples 6000 --test-samples 2000 --out bench/results/imsnn_fmnist_small.json

The three models share the config, seed, initial heights and budget; only ``[imsnn]
rule`` differs. Writes JSON (the exact command, and per model: test accuracy, spikes
per neuron per hidden layer, epochs, samples, wall time) and a markdown table beside it
(same name, ``.md``). Each model trains into ``--runs``/<out name>/<rule> (checkpoint,
metrics); a model whose run directory holds a checkpoint resumes from it. Not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.convert.ir import save_graph
from pumice.data import Splits
from pumice.errors import ConfigError
from pumice.pipeline import MODEL_FILE
from pumice.train.config import ConvLayer, DenseLayer, TrainConfig, load_config
from pumice.train.trainer import config_splits, train

RULES = ("snn", "imsnn", "imsnnc")
#: The numbers of Adams et al. (IMSNN, Tables 1-2): (data, architecture) -> rule ->
#: (test accuracy %, spikes per neuron per hidden layer). IMSNNc: Table 2, spikes only.
PAPER: dict[tuple[str, str], dict[str, tuple[float | None, list[float]]]] = {
    ("mnist", "784-500-10"): {
        "snn": (97.43, [1.19]),
        "imsnn": (97.45, [0.17]),
        "imsnnc": (None, [36.88]),
    },
    ("mnist", "784-500-500-10"): {"snn": (97.66, [0.90, 1.03]), "imsnn": (97.40, [0.07, 0.34])},
    ("fashion-mnist", "784-500-10"): {"snn": (86.11, [0.49]), "imsnn": (88.27, [0.22])},
    ("fashion-mnist", "784-500-500-10"): {
        "snn": (86.65, [1.53, 0.51]),
        "imsnn": (86.01, [0.07, 0.30]),
    },
    ("fashion-mnist", "784-48c5-8c5-500-10"): {
        "snn": (88.05, [0.4, 1.81, 0.54]),
        "imsnn": (85.47, [0.04, 0.15, 0.37]),
    },
}


def architecture(config: TrainConfig, input_shape: tuple[int, ...]) -> str:
    """The paper's notation, e.g. "784-500-10" or "784-48c5-8c5-500-10"."""
    parts = [str(math.prod(input_shape))]
    for layer in config.network.layers:
        if isinstance(layer, ConvLayer):
            parts.append(f"{layer.features}c{layer.kernel}")
        elif isinstance(layer, DenseLayer):
            parts.append(str(layer.features))
    return "-".join(parts)


def with_hidden(config: TrainConfig, hidden: list[int]) -> TrainConfig:
    """``config`` with its hidden dense layers resized to ``hidden``, in order."""
    layers = list(config.network.layers)
    dense = [i for i, layer in enumerate(layers[:-1]) if isinstance(layer, DenseLayer)]
    if len(dense) != len(hidden):
        raise ConfigError(
            f"--hidden gives {len(hidden)} sizes but the config has {len(dense)} hidden "
            "dense layers"
        )
    for index, features in zip(dense, hidden, strict=True):
        layers[index] = DenseLayer(features)
    network = dataclasses.replace(config.network, layers=tuple(layers))
    return dataclasses.replace(config, network=network)


def subset(splits: Splits, train_samples: int | None, test_samples: int | None) -> Splits:
    """The first ``train_samples`` of the (shuffled) training split, validation cut in
    proportion, and the first ``test_samples`` of the test split."""
    train_part, val, test = splits.train, splits.val, splits.test
    if train_samples is not None and train_samples < len(train_part):
        val_samples = max(1, round(len(val) * train_samples / len(train_part)))
        train_part = train_part.subset(np.arange(train_samples))
        val = val.subset(np.arange(min(val_samples, len(val))))
    if test_samples is not None and test_samples < len(test):
        test = test.subset(np.arange(test_samples))
    return Splits(train_part, val, test)


def markdown(report: dict) -> str:
    """The comparison as a markdown table with the paper's numbers beside ours."""
    paper = PAPER.get((report["data"], report["architecture"]), {})
    lines = [
        f"IMSNN table: {report['data']} {report['architecture']}, "
        f"{report['train_samples']} training samples, {report['test_samples']} test samples, "
        f"T = {report['steps']} (`{report['command']}`)",
        "",
        "| model | epochs | test acc % | spikes/neuron per hidden layer | total | "
        "paper acc % | paper spikes/neuron |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule, model in report["models"].items():
        spikes = list(model["spikes_per_neuron"].values())
        paper_acc, paper_spikes = paper.get(rule, (None, None))
        lines.append(
            f"| {rule.upper()} | {model['epochs']} | {100 * model['test_accuracy']:.2f} | "
            f"{', '.join(f'{s:.3f}' for s in spikes)} | {sum(spikes):.3f} | "
            f"{'-' if paper_acc is None else f'{paper_acc:.2f}'} | "
            f"{'-' if paper_spikes is None else ', '.join(f'{s:g}' for s in paper_spikes)} |"
        )
    lines += ["", *summary(report["models"])]
    return "\n".join(lines) + "\n"


def summary(models: dict) -> list[str]:
    """IMSNN against SNN (spike saving, accuracy change) and the sign-test ordering."""
    lines = []
    totals = {rule: sum(m["spikes_per_neuron"].values()) for rule, m in models.items()}
    if "snn" in models and "imsnn" in models and totals["snn"] > 0:
        saving = 1 - totals["imsnn"] / totals["snn"]
        change = 100 * (models["imsnn"]["test_accuracy"] - models["snn"]["test_accuracy"])
        goal = saving >= 0.5 and change >= -1.0
        lines.append(
            f"IMSNN vs SNN: {100 * saving:.1f} % fewer spikes, accuracy {change:+.2f} pp "
            f"(goal: >= 50 % fewer at >= -1 pp: {'met' if goal else 'not met'})."
        )
    if set(RULES) <= set(models):
        ordered = totals["imsnn"] < totals["snn"] < totals["imsnnc"]
        lines.append(f"Sign test IMSNN < SNN < IMSNNc spikes per neuron: {ordered}.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path, help="an IMSNN config (configs/imsnn_*.toml)")
    parser.add_argument("--rules", default=",".join(RULES), help="comma-separated rules")
    parser.add_argument("--epochs", type=int, help="override [train] epochs")
    parser.add_argument("--lr", type=float, help="override [train] lr")
    parser.add_argument("--train-samples", type=int, help="train on the first N samples")
    parser.add_argument("--test-samples", type=int, help="test on the first N test samples")
    parser.add_argument("--hidden", help="hidden dense layer sizes, e.g. 500 or 500,500")
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], help="override device")
    parser.add_argument("--out", type=Path, help="JSON path (default bench/results/imsnn_*.json)")
    parser.add_argument("--runs", type=Path, default=Path("runs/imsnn_table"))
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args()

    config = load_config(args.config)
    if config.imsnn is None:
        raise SystemExit(f"{args.config}: not an IMSNN config (it has no [imsnn] section)")
    overrides = (("epochs", args.epochs), ("device", args.device), ("lr", args.lr))
    changes = {k: v for k, v in overrides if v}
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, **changes))
    if args.hidden:
        config = with_hidden(config, [int(n) for n in args.hidden.split(",")])
    stem = args.config.stem.removeprefix("imsnn_")
    out = args.out or Path("bench/results") / f"imsnn_{stem}.json"
    data = config.data
    splits = subset(config_splits(data), args.train_samples, args.test_samples)
    report = {
        "command": " ".join(shlex.quote(a) for a in ["python", *sys.argv]),
        "config": str(args.config),
        "data": data.name,
        "architecture": architecture(config, splits.train.input_shape),
        "steps": data.steps,
        "max_rate": data.max_rate,
        "epochs": config.train.epochs,
        "lr": config.train.lr,
        "train_samples": len(splits.train),
        "val_samples": len(splits.val),
        "test_samples": len(splits.test),
        "models": {},
    }
    for rule in args.rules.split(","):
        ruled = dataclasses.replace(config, imsnn=dataclasses.replace(config.imsnn, rule=rule))
        run_dir = args.runs / out.stem / rule
        started = time.perf_counter()
        resume = (run_dir / "checkpoint.pt").exists()
        result = train(ruled, run_dir, resume=resume, progress=not args.quiet, splits=splits)
        metadata = {"data": dataclasses.asdict(data), "steps": data.steps}
        save_graph(result.model.export_ir(metadata), run_dir / MODEL_FILE)
        report["models"][rule] = {
            "test_accuracy": result.test_accuracy,
            "spikes_per_neuron": result.test_spikes_per_neuron,
            "epochs": len(result.metrics),
            "wall_s": time.perf_counter() - started,
            "train_wall_s": sum(record["wall_s"] for record in result.metrics),
            "val_accuracy": [record["val_accuracy"] for record in result.metrics],
            "run_dir": str(run_dir),
        }
        atomic_write_text(out, json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    atomic_write_text(out.with_suffix(".md"), table)
    print(table)


if __name__ == "__main__":
    main()
