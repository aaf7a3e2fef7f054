"""ASF against SLAYER's BPTT on the ASF paper's conv net, and ASF's Fashion-MNIST result
deployed to Lava.

The same network (20C5-P2-50C5-P2-200FC-10, IF neurons), data, epochs and optimiser,
trained once with ASF (``configs/asf_fmnist_conv.toml``) and once with SLAYER's BPTT
(``configs/slayer_fmnist_conv.toml``), both on the first ``--train-samples`` samples of
the Fashion-MNIST training split, tested on the first ``--test-samples`` of the test
split (all by default; BPTT's forward pass alone costs minutes per thousand samples on 2
CPU cores). The ASF run is then deployed: converted to fixed point, its float model and
the emulator run over the whole test split, Lava over the first ``--lava-samples``.

Each stage is its own process (a machine shared with other jobs can queue them one by
one); training resumes from its checkpoint when a stage is interrupted:

    python bench/asf_vs_bptt.py train asf          # the comparison runs
    python bench/asf_vs_bptt.py train bptt
    python bench/asf_vs_bptt.py memory asf         # peak memory of a training step
    python bench/asf_vs_bptt.py memory bptt
    python bench/asf_vs_bptt.py epoch              # one epoch of both, batch by batch in turn
    python bench/asf_vs_bptt.py deploy             # asf: fixed point, emulator, Lava
    python bench/asf_vs_bptt.py report             # bench/results/asf_vs_bptt.{json,md,png}

The training runs' own epoch times depend on what else the shared machine runs at the
time; the JSON's ``epoch_s`` comes from the ``epoch`` stage, which times the two methods
batch by batch in turn so that such work slows both alike.

Not a test. ``report`` writes ``asf_vs_bptt.json`` (the comparison and the deployed
result) and ``asf_vs_bptt_details.json`` (set-up, per-epoch curves, timings), with the
commands that made them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shlex
import sys
import threading
import time
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.data import Splits

ROOT = Path(__file__).resolve().parents[1]
#: Run name (the method, as the JSON names it) -> its config.
RUNS = {"asf": "configs/asf_fmnist_conv.toml", "bptt": "configs/slayer_fmnist_conv.toml"}
#: The run that is deployed.
DEPLOYED = "asf"


def _rss_mb() -> float:
    """Resident memory of this process now, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class PeakSampler:
    """Largest resident memory seen every 20 ms while it runs, MB."""

    def __init__(self) -> None:
        self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def _config(args: argparse.Namespace, run: str):
    from pumice.train.config import load_config

    config = load_config(ROOT / RUNS[run])
    return dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=args.epochs))


def _splits(args: argparse.Namespace, config) -> Splits:
    """The config's splits, keeping the first samples of train and val, and of test when
    ``--test-samples`` is given."""
    from pumice.train.trainer import config_splits

    splits = config_splits(config.data)
    test = splits.test
    if args.test_samples is not None:
        test = test.subset(np.arange(min(args.test_samples, len(test))))
    return Splits(
        splits.train.subset(np.arange(min(args.train_samples, len(splits.train)))),
        splits.val.subset(np.arange(min(args.val_samples, len(splits.val)))),
        test,
    )


def train_run(args: argparse.Namespace) -> None:
    """Train (or resume) one run; record its peak memory and export its float model."""
    from pumice.convert.ir import save_graph
    from pumice.train.checkpoint import CHECKPOINT_NAME
    from pumice.train.trainer import RESULT_NAME, train

    out = args.runs / args.run
    config = _config(args, args.run)
    done = out / RESULT_NAME
    if done.exists() and json.loads(done.read_text())["epochs"] >= config.train.epochs:
        print(f"{out}: already trained")
        return
    splits = _splits(args, config)
    before = _rss_mb()
    with PeakSampler() as sampler:
        result = train(config, out, resume=(out / CHECKPOINT_NAME).exists(), splits=splits)
    memory_path = out / "memory.json"
    old = json.loads(memory_path.read_text()) if memory_path.exists() else {}
    memory = {
        "peak_rss_mb": max(old.get("peak_rss_mb", 0.0), sampler.peak),
        "rss_before_training_mb": before,
        "train_samples": len(splits.train),
    }
    atomic_write_text(memory_path, json.dumps(memory, indent=2) + "\n")
    data = dataclasses.asdict(config.data)
    graph = result.model.export_ir(metadata={"data": data, "steps": config.data.steps})
    save_graph(graph, out / "model.pumice")
    print(json.dumps({"test_accuracy": result.test_accuracy, **memory}, indent=2))


def _training_step(args: argparse.Namespace, run: str):
    """A training step of ``run`` on the comparison subset's batch ``index`` (rate-encoded
    as in training), and the number of batches in an epoch."""
    import torch

    from pumice.data import encode
    from pumice.train.families import build_network

    config = _config(args, run)
    train = _splits(args, config).train
    torch.manual_seed(config.train.seed)
    network = build_network(config, train.input_shape)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.train.lr)
    size = config.train.batch_size
    data = config.data

    def step(index: int) -> None:
        batch = slice(index * size, (index + 1) * size)
        rng = np.random.default_rng(index)
        x = encode(train.x[batch], data.steps, data.encoding, rng, data.max_rate)
        output, _ = network(torch.from_numpy(x).float())
        loss = network.loss(output, torch.from_numpy(train.y[batch]))["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step, -(-len(train) // size)


def memory_run(args: argparse.Namespace) -> None:
    """Peak memory that training steps add to a fresh process (activations, graph,
    gradients, optimiser state): peak RSS over 3 steps less the RSS before them."""
    step, _ = _training_step(args, args.run)
    before = _rss_mb()
    for index in range(3):
        step(index)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"step_peak_mb": peak - before, "rss_before_mb": before, "peak_rss_mb": peak}
    out = args.runs / args.run
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "step_memory.json", json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def epoch_run(args: argparse.Namespace) -> None:
    """One training epoch of each method on the comparison subset, batch by batch in turn
    in one process (ASF's step, then BPTT's on the same batch), so that other work on the
    shared machine slows both alike: each method's epoch time is the sum of its steps."""
    from tqdm.auto import tqdm

    steps = {run: _training_step(args, run)[0] for run in RUNS}
    _, batches = _training_step(args, DEPLOYED)
    for step in steps.values():
        step(0)  # warm-up, not timed
    times: dict[str, list[float]] = {run: [] for run in RUNS}
    for index in tqdm(range(batches), desc="epoch in turn", unit="batch"):
        for run, step in steps.items():
            start = time.perf_counter()
            step(index)
            times[run].append(time.perf_counter() - start)
    epoch_s = {run: float(np.sum(values)) for run, values in times.items()}
    result = {
        "batches": batches,
        "epoch_s": epoch_s,
        "median_step_s": {run: float(np.median(values)) for run, values in times.items()},
        "bptt_over_asf": epoch_s["bptt"] / epoch_s["asf"],
        "step_s": times,
    }
    args.runs.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.runs / "epoch_in_turn.json", json.dumps(result, indent=2) + "\n")
    print(json.dumps({key: result[key] for key in list(result)[:4]}, indent=2))


def deploy_run(args: argparse.Namespace) -> None:
    """Convert the ASF run to fixed point; float and emulator on the whole test split, Lava
    on the first samples; its core mapping on Loihi 2."""
    from pumice.conversion import ConversionConfig, convert
    from pumice.hardware_report import map_model
    from pumice.inference import run_graph
    from pumice.model_inputs import load_inputs
    from pumice.train.checkpoint import load_network
    from pumice.train.inference import predict_spikes

    run = args.runs / DEPLOYED
    fixed_path = run / "model.fixed.pumice"
    fixed, conversion = convert(
        ConversionConfig(
            run / "model.pumice",
            fixed_path,
            scale=args.scale,
            calibrate="fashion-mnist" if args.calibrate else None,
        )
    )
    spikes, labels = load_inputs(fixed)
    if args.deploy_samples is not None:
        spikes, labels = spikes[: args.deploy_samples], labels[: args.deploy_samples]
    model = load_network(run / "checkpoint.pt")
    float_predictions, float_spikes = predict_spikes(model, spikes, batch_size=64)
    emulated = run_graph(fixed, spikes, labels, "emulator")
    subset = slice(0, min(args.lava_samples, len(labels)))
    on_lava = run_graph(fixed, spikes[subset], labels[subset], "lava")
    mapping = map_model(fixed_path, "loihi2").to_json()
    result = {
        "test_samples": int(len(labels)),
        "conversion": {"scale": args.scale, "calibrate": args.calibrate},
        "quantization": conversion.get("quantization"),
        "float_accuracy": float((float_predictions == labels).mean()),
        "float_spikes_per_neuron": float_spikes,
        "emulator_accuracy": emulated.accuracy,
        "emulator_spikes_per_neuron": emulated.spikes_per_neuron,
        "emulator_equals_float": float((emulated.predictions == float_predictions).mean()),
        "emulator_wall_s": emulated.wall_s,
        "lava_samples": on_lava.samples,
        "lava_accuracy": on_lava.accuracy,
        "lava_wall_s": on_lava.wall_s,
        "emulator_accuracy_on_lava_samples": float(
            (emulated.predictions[subset] == labels[subset]).mean()
        ),
        "lava_equals_emulator": bool(
            np.array_equal(on_lava.predictions, emulated.predictions[subset])
            and all(
                np.array_equal(on_lava.counts[name], emulated.counts[name][subset])
                for name in on_lava.counts
            )
        ),
        "loihi2_cores": mapping["cores_used"],
    }
    atomic_write_text(run / "deploy.json", json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _metrics(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def report_run(args: argparse.Namespace) -> None:
    """Gather the stages' files into the result JSON, a Markdown table and a plot."""
    in_turn = json.loads((args.runs / "epoch_in_turn.json").read_text())
    rows, details = [], {"runs": {}, "epoch_in_turn": in_turn}
    for run in RUNS:
        out = args.runs / run
        result = json.loads((out / "result.json").read_text())
        metrics = _metrics(out)
        rows.append(
            {
                "method": run,
                "test_accuracy": result["test_accuracy"],
                "epoch_s": in_turn["epoch_s"][run],
                "peak_memory_mb": json.loads((out / "step_memory.json").read_text())[
                    "step_peak_mb"
                ],
                "spikes_per_neuron": result["spikes_per_neuron"],
            }
        )
        details["runs"][run] = {
            "config": RUNS[run],
            "result": result,
            "memory": json.loads((out / "memory.json").read_text()),
            "epochs": [
                {key: record[key] for key in ("epoch", "val_accuracy", "train_s", "wall_s")}
                for record in metrics
            ],
        }
    asf, bptt = rows
    deployed = json.loads((args.runs / DEPLOYED / "deploy.json").read_text())
    details["deploy"] = deployed
    options = f" --train-samples {args.train_samples} --val-samples {args.val_samples}"
    options += f" --epochs {args.epochs}"
    if args.test_samples is not None:
        options += f" --test-samples {args.test_samples}"
    deploy = f" --scale {args.scale} --lava-samples {args.lava_samples}"
    deploy += " --calibrate" if args.calibrate else ""
    if args.deploy_samples is not None:
        deploy += f" --deploy-samples {args.deploy_samples}"
    script = f"python bench/asf_vs_bptt.py{options}"
    stages = [
        f"{script} train asf",
        f"{script} train bptt",
        f"{script} memory asf",
        f"{script} memory bptt",
        f"{script} epoch",
        f"{script} deploy{deploy}",
        f"{script} report{deploy}",
    ]
    command = " && ".join(stages)
    config = _config(args, DEPLOYED)
    result = {
        "command": command,
        "budget": {
            "train_samples": details["runs"]["asf"]["memory"]["train_samples"],
            "val_samples": args.val_samples,
            "test_samples": details["runs"]["asf"]["result"]["test_samples"],
            "epochs": args.epochs,
            "steps": config.data.steps,
            "batch_size": config.train.batch_size,
            "cpu_cores": os.cpu_count(),
        },
        "rows": rows,
        "bptt_over_asf_epoch_s": bptt["epoch_s"] / asf["epoch_s"],
        "asf_minus_bptt_accuracy_pp": 100 * (asf["test_accuracy"] - bptt["test_accuracy"]),
        "deployed": {
            "test_samples": deployed["test_samples"],
            "float_accuracy": deployed["float_accuracy"],
            "emulator_accuracy": deployed["emulator_accuracy"],
            "lava_accuracy": deployed["lava_accuracy"],
            "lava_samples": deployed["lava_samples"],
            "lava_equals_emulator": deployed["lava_equals_emulator"],
        },
    }
    details = {"command": command, **details}
    results = args.results
    results.mkdir(parents=True, exist_ok=True)
    atomic_write_text(results / "asf_vs_bptt.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(results / "asf_vs_bptt_details.json", json.dumps(details, indent=2) + "\n")
    atomic_write_text(results / "asf_vs_bptt.md", _table(result, details))
    _plot(details, results / "asf_vs_bptt.png")
    print(_table(result, details))


def _table(result: dict, details: dict) -> str:
    lines = [
        "| method | test accuracy | s / epoch (in turn) | s / epoch (training run, each) | "
        "step peak memory | spikes / neuron (conv1, pool1, conv2, pool2, dense1) |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        run = row["method"]
        spikes = ", ".join(f"{value:.2f}" for value in row["spikes_per_neuron"].values())
        runs = ", ".join(f"{epoch['train_s']:.0f}" for epoch in details["runs"][run]["epochs"])
        lines.append(
            f"| {run} | {100 * row['test_accuracy']:.2f} % | {row['epoch_s']:.0f} | {runs} | "
            f"{row['peak_memory_mb']:.0f} MB | {spikes} |"
        )
    return "\n".join(lines) + "\n"


def _plot(details: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    labels = {"asf": "ASF", "bptt": "SLAYER BPTT"}
    for run, info in details["runs"].items():
        epoch_s = details["epoch_in_turn"]["epoch_s"][run]
        seconds = epoch_s * np.arange(1, len(info["epochs"]) + 1) / 60
        accuracy = [100 * epoch["val_accuracy"] for epoch in info["epochs"]]
        (line,) = axis.plot(seconds, accuracy, marker="o", label=labels[run])
        test = 100 * info["result"]["test_accuracy"]
        axis.scatter(seconds[-1:], [test], marker="*", s=140, color=line.get_color(), zorder=3)
    axis.set_xlabel("training time (min, 2 CPU cores; epochs at the in-turn epoch time)")
    axis.set_ylabel("accuracy (%): validation per epoch, * test")
    axis.set_title("Fashion-MNIST, 20C5-P2-50C5-P2-200FC-10")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "asf_vs_bptt")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--train-samples", type=int, default=10_000)
    parser.add_argument("--val-samples", type=int, default=1_000)
    parser.add_argument("--epochs", type=int, default=2, help="epochs of the comparison runs")
    parser.add_argument(
        "--test-samples", type=int, help="comparison runs: test on the first N (default: all)"
    )
    stages = parser.add_subparsers(dest="stage", required=True)
    stage = stages.add_parser("train")
    stage.add_argument("run", choices=list(RUNS))
    stage.set_defaults(func=train_run)
    stage = stages.add_parser("memory")
    stage.add_argument("run", choices=list(RUNS))
    stage.set_defaults(func=memory_run)
    stage = stages.add_parser("epoch")
    stage.set_defaults(func=epoch_run)
    for name, func in (("deploy", deploy_run), ("report", report_run)):
        stage = stages.add_parser(name)
        stage.add_argument("--lava-samples", type=int, default=20)
        stage.add_argument("--scale", type=int, default=64)
        stage.add_argument("--calibrate", action="store_true")
        stage.add_argument(
            "--deploy-samples",
            type=int,
            help="float and emulator on the first N test samples (default: the whole split)",
        )
        stage.set_defaults(func=func)
    args = parser.parse_args()
    args.argv = " ".join(shlex.quote(a) for a in ["python", *sys.argv])
    args.func(args)


if __name__ == "__main__":
    main()
