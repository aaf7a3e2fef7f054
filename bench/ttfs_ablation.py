"""The TTFS paper's ablation on the Fashion-MNIST CNN, its deployment, and TTFS vs rate coding.

    python bench/ttfs_ablation.py --epochs 3 --next

Park et al. (TTFS training, Table 1) ablate their methods on CIFAR-10 VGG-16: SM (the
surrogate model alone), +SR, +TR, +TB (two lambda_TB). This trains the same rows on
``--config``'s CNN, each for ``--epochs`` epochs on the whole training split (the same
budget, seed and initial weights; SM starts its kernels at x_max = 2, as the paper's SM
row does, the others at the config's x_max = 1), tests each surrogate on the whole test
split, and then:

- ``deploy``: converts the row with the best validation accuracy to fixed point, runs it
  on the emulator over the whole test split and on Lava over the first ``--lava-samples``,
  and runs ``pumice report`` (Loihi 2 profile) on it;
- ``timing``: seconds per training sample of the TTFS surrogate (eager and compiled) and
  of SLAYER BPTT, measured in one process on the same samples, and their ratio;
- ``slayer``: trains the rate-coded SLAYER network of the same shape (``--slayer-config``)
  for one epoch on the first ``--slayer-samples`` training samples (a BPTT epoch on all of
  them takes hours on this CPU);
- ``compare``: the SLAYER network in fixed point through ``pumice report`` too.

After every part it writes what is done so far: ``--out`` (the ablation: rows and the
deployed network), ``--compare-out`` (TTFS vs rate coding: report figures and training
cost), a markdown table and a plot. Every part keeps its result under ``--runs`` and is
skipped once done; ``--next`` does only the next pending part (slayer with compare), so
each run under the heavy-job lock stays short: repeat the same command until it says
everything is written. Not a test.
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
from pumice.convert.ir import load_graph
from pumice.data import Splits
from pumice.hardware_report import report_model
from pumice.pipeline import MODEL_FILE, convert_model, run_model, train_model
from pumice.train.config import TrainConfig, load_config, save_config

#: Park et al., Table 1 (CIFAR-10, VGG-16): model -> (test accuracy %, spikes x 1e5).
PAPER = {
    "SM": (87.43, 7.23),
    "SM+SR": (91.05, 7.31),
    "SM+SR+TR": (91.83, 7.31),
    "SM+SR+TR+TB (1e-5)": (91.90, 6.74),
    "SM+SR+TR+TB (1e-4)": (91.49, 4.90),
}
#: Keys of the report figures compared per inference.
REPORT_KEYS = (
    "spikes_total",
    "input_spikes_total",
    "synaptic_ops_total",
    "messages_total",
    "payload_bits_total",
    "neuron_updates_active_total",
)


@dataclasses.dataclass(frozen=True)
class Row:
    """One ablation row: its name in the paper's table and its ``[ttfs]`` settings."""

    model: str
    lambda_tb: float
    config: TrainConfig

    @property
    def slug(self) -> str:
        name = self.model.lower().replace("+", "_")
        return f"{name}_{self.lambda_tb:g}" if self.lambda_tb else name


def ablation_rows(
    base: TrainConfig, epochs: int, lambdas: list[float], compile_: bool = True
) -> list[Row]:
    """SM, SM+SR, SM+SR+TR and one SM+SR+TR+TB per lambda_TB, all ``epochs`` long."""
    settings = dataclasses.replace(base.ttfs, compile=compile_)
    train = dataclasses.replace(base.train, epochs=epochs)
    off = {"stochastic_relaxation": False, "lambda_tr": 0.0, "lambda_tb": 0.0}
    x_max_2 = settings.tau_init * math.log(2.0)  # the paper's SM row: x_max = 2
    variants = [
        ("SM", 0.0, {**off, "t_d_init": x_max_2}),
        ("SM+SR", 0.0, {**off, "stochastic_relaxation": True}),
        ("SM+SR+TR", 0.0, {"stochastic_relaxation": True, "lambda_tb": 0.0}),
    ]
    variants += [
        ("SM+SR+TR+TB", tb, {"stochastic_relaxation": True, "lambda_tb": tb}) for tb in lambdas
    ]
    rows = []
    for model, tb, changes in variants:
        ttfs = dataclasses.replace(settings, **changes)
        rows.append(Row(model, tb, dataclasses.replace(base, ttfs=ttfs, train=train)))
    return rows


def _json(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")


def train_row(row: Row, runs: Path) -> None:
    """Train (or resume) one row and keep its summary as ``row.json``."""
    folder = runs / row.slug
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "row.toml"
    save_config(row.config, config_path)
    resume = (folder / "checkpoint.pt").exists()
    result = train_model(config_path, folder, resume=resume, progress=True)
    graph = load_graph(folder / MODEL_FILE)
    shapes = graph.shapes()
    neurons = {name: math.prod(shapes[name]) for name in result.test_spikes_per_neuron}
    per_sample = sum(result.test_spikes_per_neuron[n] * neurons[n] for n in neurons)
    metrics = result.metrics
    summary = {
        "model": row.model,
        "lambda_tb": row.lambda_tb,
        "test_accuracy": result.test_accuracy,
        "spikes_per_sample": per_sample,
        "spikes_per_neuron": per_sample / sum(neurons.values()),
        "val_accuracy": metrics[-1]["val_accuracy"],
        "epochs": len(metrics),
        "epoch_wall_s": [m["wall_s"] for m in metrics],
        "spikes_per_neuron_by_layer": result.test_spikes_per_neuron,
        "kernels": graph.metadata["ttfs"]["kernels"],
    }
    _write_json(folder / "row.json", summary)


def train_slayer(config_path: Path, samples: int, test_samples: int, runs: Path) -> None:
    """One SLAYER epoch on the first ``samples`` training samples; its float model."""
    from pumice.convert.ir import save_graph
    from pumice.train.trainer import config_splits, train

    folder = runs / "slayer"
    config = load_config(config_path)
    splits = config_splits(config.data)
    subset = Splits(
        splits.train.subset(np.arange(samples)),
        splits.val.subset(np.arange(min(200, len(splits.val)))),
        splits.test.subset(np.arange(test_samples)),
    )
    resume = (folder / "checkpoint.pt").exists()
    result = train(config, folder, resume=resume, progress=True, splits=subset)
    metadata = {"data": dataclasses.asdict(config.data), "steps": config.data.steps}
    save_graph(result.model.export_ir(metadata=metadata), folder / MODEL_FILE)
    summary = {
        "train_samples": samples,
        "epochs": len(result.metrics),
        "test_samples": test_samples,
        "test_accuracy": result.test_accuracy,
        "epoch_wall_s": result.metrics[-1]["wall_s"],
    }
    _write_json(folder / "slayer.json", summary)


def _seconds_per_sample(model, batches, warmup: int) -> float:
    import torch

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    timed = seen = 0.0
    for index, (spikes, labels) in enumerate(batches):
        started = time.perf_counter()
        output, _ = model(spikes)
        loss = model.loss(output, labels)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.after_step()
        if index >= warmup:
            timed += time.perf_counter() - started
            seen += len(labels)
    return timed / seen


def time_training(config: TrainConfig, slayer_path: Path, samples: int, runs: Path) -> None:
    """Seconds per training sample: TTFS surrogate (eager, compiled) and SLAYER BPTT."""
    import torch

    from pumice.train.families import build_network
    from pumice.train.spike_batches import spike_batches
    from pumice.train.trainer import config_splits

    slayer = load_config(slayer_path)
    splits = config_splits(config.data)
    data = splits.train.subset(np.arange(samples))
    result = {"samples": samples, "train_split_samples": len(splits.train)}
    for name, compiled in (("ttfs_eager", False), ("ttfs_compiled", True)):
        torch.manual_seed(0)
        settings = dataclasses.replace(config.ttfs, compile=compiled)
        model = build_network(dataclasses.replace(config, ttfs=settings), data.input_shape)
        started = time.perf_counter()
        batches = list(
            spike_batches(data, 1, config.train.batch_size, np.random.default_rng(0), 1.0,
                          True, "cpu", "intensity")
        )  # fmt: skip
        warmup = 2 if compiled else 0
        result[f"{name}_s_per_sample"] = _seconds_per_sample(model, batches, warmup)
        result[f"{name}_total_s"] = time.perf_counter() - started
    torch.manual_seed(0)
    model = build_network(slayer, data.input_shape)
    few = data.subset(np.arange(min(samples, 4 * slayer.train.batch_size)))
    batches = spike_batches(
        few, slayer.data.steps, slayer.train.batch_size, np.random.default_rng(0),
        slayer.data.max_rate, True, "cpu", slayer.data.encoding,
    )  # fmt: skip
    result["slayer_samples"] = len(few)
    result["slayer_steps"] = slayer.data.steps
    result["slayer_bptt_s_per_sample"] = _seconds_per_sample(model, batches, 0)
    epoch = len(splits.train)
    for key in ("ttfs_eager", "ttfs_compiled", "slayer_bptt"):
        result[f"{key}_epoch_s"] = result[f"{key}_s_per_sample"] * epoch
    for key in ("ttfs_eager", "ttfs_compiled"):
        result[f"slayer_over_{key}"] = (
            result["slayer_bptt_s_per_sample"] / result[f"{key}_s_per_sample"]
        )
    _write_json(runs / "timing.json", result)


def _report(model: Path, samples: int) -> dict:
    """``pumice report``'s figures per inference (Loihi 2 profile, the first ``samples``)."""
    _, report = report_model(model, "loihi2", samples=samples, progress=True)
    return {
        "model": str(model),
        "cores": report["cores_used"],
        "steps": report["steps"],
        "samples": samples,
        "per_inference": {k: report["per_inference"][k] for k in REPORT_KEYS},
    }


def deploy(rows: list[Row], runs: Path, lava_samples: int, report_samples: int) -> None:
    """Best row -> fixed point -> emulator (whole test split), Lava (a subset), report."""
    done = {row.slug: _json(runs / row.slug / "row.json") for row in rows}
    best = max(rows, key=lambda row: done[row.slug]["val_accuracy"])
    folder = runs / best.slug
    fixed = folder / "model.fixed.pumice"
    convert_model(folder / MODEL_FILE, fixed, profile="loihi2")
    emulator = run_model(fixed, "emulator", progress=True)
    lava = run_model(fixed, "lava", samples=lava_samples, progress=True)
    subset = slice(0, lava.samples)
    same_counts = all(
        np.array_equal(lava.counts[name], emulator.counts[name][subset]) for name in lava.counts
    )
    labels = load_labels(fixed, max(lava.samples, report_samples))
    deployed = {
        "model": best.model,
        "lambda_tb": best.lambda_tb,
        "surrogate_accuracy": done[best.slug]["test_accuracy"],
        "emulator_accuracy": emulator.accuracy,
        "emulator_samples": emulator.samples,
        "emulator_spikes_per_neuron": emulator.spikes_per_neuron,
        "emulator_wall_s": emulator.wall_s,
        "lava_accuracy": lava.accuracy,
        "lava_samples": lava.samples,
        "emulator_accuracy_on_lava_samples": float(
            (emulator.predictions[subset] == labels[subset]).mean()
        ),
        "lava_equals_emulator": bool(
            np.array_equal(lava.predictions, emulator.predictions[subset]) and same_counts
        ),
        "lava_wall_s": lava.wall_s,
    }
    report = _report(fixed, report_samples)
    report["emulator_accuracy"] = float(
        (emulator.predictions[:report_samples] == labels[:report_samples]).mean()
    )
    _write_json(runs / "deploy.json", {"deployed": deployed, "report": report})


def compare(runs: Path, report_samples: int) -> None:
    """The SLAYER network in fixed point: its accuracy and report on the same samples."""
    slayer_fixed = runs / "slayer" / "model.fixed.pumice"
    convert_model(runs / "slayer" / MODEL_FILE, slayer_fixed, profile="loihi2")
    run = run_model(slayer_fixed, "emulator", samples=report_samples, progress=True)
    report = _report(slayer_fixed, report_samples)
    report["emulator_accuracy"] = run.accuracy
    _write_json(runs / "compare.json", report)


def load_labels(model: Path, samples: int) -> np.ndarray:
    """The first ``samples`` test labels of ``model``'s data set."""
    from pumice.model_inputs import load_inputs

    return load_inputs(load_graph(model), samples=samples)[1]


def write_results(rows: list[Row], runs: Path, command: str, out: Path, compare: Path) -> None:
    """The two JSON files, the markdown table and the plot, of the parts done so far."""
    summaries = [s for s in (_json(runs / row.slug / "row.json") for row in rows) if s]
    if not summaries:
        return
    deployed = _json(runs / "deploy.json")
    keys = ("model", "lambda_tb", "test_accuracy", "spikes_per_sample", "spikes_per_neuron")
    ablation = {
        "command": command,
        "rows": [{key: s[key] for key in keys} for s in summaries],
        "deployed": deployed["deployed"] if deployed else None,
        "details": {
            "epochs": summaries[0]["epochs"],
            "val_accuracy": {_label(s): s["val_accuracy"] for s in summaries},
            "epoch_wall_s": {_label(s): s["epoch_wall_s"] for s in summaries},
            "spikes_per_neuron_by_layer": {
                _label(s): s["spikes_per_neuron_by_layer"] for s in summaries
            },
            "kernels": {_label(s): s["kernels"] for s in summaries},
            "paper_cifar10_vgg16": {
                k: {"accuracy": a, "spikes_1e5": n} for k, (a, n) in PAPER.items()
            },
        },
    }
    _write_json(out, ablation)
    slayer = _json(runs / "slayer" / "slayer.json")
    comparison = {
        "command": command,
        "ttfs": deployed["report"] if deployed else None,
        "slayer": {**_json(runs / "compare.json"), **slayer}
        if slayer and (runs / "compare.json").exists()
        else None,
        "training_cost": _json(runs / "timing.json"),
    }
    _write_json(compare, comparison)
    atomic_write_text(out.with_suffix(".md"), _table(ablation, comparison))
    _plot(ablation, out.with_suffix(".png"))


def _label(summary: dict) -> str:
    tb = summary["lambda_tb"]
    return f"{summary['model']} ({tb:g})" if tb else summary["model"]


def _table(ablation: dict, comparison: dict) -> str:
    lines = [
        f"`{ablation['command']}`",
        "",
        "| model | lambda_TB | test accuracy | spikes / sample | spikes / neuron |",
        "|---|---|---|---|---|",
    ]
    for row in ablation["rows"]:
        tb = f"{row['lambda_tb']:g}" if row["lambda_tb"] else "-"
        lines.append(
            f"| {row['model']} | {tb} | {100 * row['test_accuracy']:.2f} % | "
            f"{row['spikes_per_sample']:,.0f} | {row['spikes_per_neuron']:.4f} |"
        )
    d = ablation["deployed"]
    if d is None:
        return "\n".join([*lines, ""])
    lines += [
        "",
        f"deployed {d['model']}: surrogate {100 * d['surrogate_accuracy']:.2f} %, fixed point "
        f"(emulator, {d['emulator_samples']} samples) {100 * d['emulator_accuracy']:.2f} %, "
        f"Lava {100 * d['lava_accuracy']:.2f} % on {d['lava_samples']} "
        f"(emulator there {100 * d['emulator_accuracy_on_lava_samples']:.2f} %), "
        f"Lava equals emulator: {d['lava_equals_emulator']}",
        "",
    ]
    if comparison["slayer"] is not None:
        ttfs, slayer = comparison["ttfs"], comparison["slayer"]
        lines += [
            f"| per inference (first {ttfs['samples']} test samples) | TTFS | SLAYER rate-coded |",
            "|---|---|---|",
            f"| accuracy there | {100 * ttfs['emulator_accuracy']:.1f} % | "
            f"{100 * slayer['emulator_accuracy']:.1f} % |",
            f"| steps | {ttfs['steps']} | {slayer['steps']} |",
        ]
        for key in REPORT_KEYS:
            mine, theirs = ttfs["per_inference"][key], slayer["per_inference"][key]
            lines.append(f"| {key.removesuffix('_total')} | {mine:,.1f} | {theirs:,.1f} |")
        lines.append("")
    cost = comparison["training_cost"]
    if cost is None:
        return "\n".join(lines)
    lines += [
        "",
        f"training: TTFS surrogate {cost['ttfs_eager_epoch_s']:.0f} s/epoch eager, "
        f"{cost['ttfs_compiled_epoch_s']:.0f} s compiled; SLAYER BPTT "
        f"{cost['slayer_bptt_epoch_s']:.0f} s/epoch (extrapolated from "
        f"{cost['slayer_samples']} samples); ratio {cost['slayer_over_ttfs_eager']:.1f}x eager, "
        f"{cost['slayer_over_ttfs_compiled']:.1f}x compiled",
        "",
    ]
    return "\n".join(lines)


def _plot(ablation: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [_label(row) for row in ablation["rows"]]
    accuracy = [100 * row["test_accuracy"] for row in ablation["rows"]]
    spikes = [row["spikes_per_sample"] for row in ablation["rows"]]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    left.bar(labels, accuracy, color="tab:blue")
    left.set_ylim(min(accuracy) - 2, max(accuracy) + 1)
    left.set_ylabel("test accuracy (%)")
    right.bar(labels, spikes, color="tab:orange")
    right.set_ylabel("spikes per sample")
    for axis in (left, right):
        axis.tick_params(axis="x", rotation=30, labelsize=8)
    figure.suptitle("TTFS ablation, Fashion-MNIST CNN 32c3-p2-64c3-p2-256-10")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/ttfs_fmnist_cnn.toml")
    parser.add_argument("--slayer-config", default="configs/slayer_fmnist_cnn.toml")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lambda-tb", type=float, nargs="+", default=[1e-4, 1e-3])
    parser.add_argument("--slayer-samples", type=int, default=640)
    parser.add_argument("--slayer-test-samples", type=int, default=200)
    parser.add_argument("--timing-samples", type=int, default=1024)
    parser.add_argument("--lava-samples", type=int, default=20)
    parser.add_argument("--report-samples", type=int, default=100)
    parser.add_argument("--runs", default="runs/ttfs_ablation")
    parser.add_argument("--out", default="bench/results/ttfs_ablation.json")
    parser.add_argument("--compare-out", default="bench/results/ttfs_vs_rate.json")
    parser.add_argument("--next", action="store_true", help="do only the next pending part")
    parser.add_argument("--eager", action="store_true", help="train the rows without compiling")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "bench/ttfs_ablation.py", *[a for a in argv if a != "--next"]])
    runs = Path(args.runs)
    base = load_config(args.config)
    rows = ablation_rows(base, args.epochs, args.lambda_tb, not args.eager)
    parts = [
        *[
            (f"row {row.slug}", runs / row.slug / "row.json", lambda row=row: train_row(row, runs))
            for row in rows
        ],
        (
            "deploy",
            runs / "deploy.json",
            lambda: deploy(rows, runs, args.lava_samples, args.report_samples),
        ),
        (
            "timing",
            runs / "timing.json",
            lambda: time_training(base, Path(args.slayer_config), args.timing_samples, runs),
        ),
        (
            "slayer",
            runs / "slayer" / "slayer.json",
            lambda: train_slayer(
                Path(args.slayer_config), args.slayer_samples, args.slayer_test_samples, runs
            ),
        ),
        ("compare", runs / "compare.json", lambda: compare(runs, args.report_samples)),
    ]
    for name, done, run in parts:
        if done.exists():
            continue
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        run()
        write_results(rows, runs, command, Path(args.out), Path(args.compare_out))
        print(f"== {name} done in {time.perf_counter() - started:.0f} s", flush=True)
        if args.next and name != "slayer":  # its report (compare) follows at once
            return 0
    write_results(rows, runs, command, Path(args.out), Path(args.compare_out))
    print(f"everything written: {args.out}, {args.compare_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
