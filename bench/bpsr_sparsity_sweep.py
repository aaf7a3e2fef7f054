"""Benchmark: BPSR spike sparsity against lambda_s, and synapse sparsity from rewiring.

Trains a BPSR 784-H-10 network on Fashion-MNIST (rank-order coding by default) once per
spike-regulariser weight lambda_s, then once more with rewiring steered to a target
synapse sparsity, and scores each on the test split: accuracy, spikes per hidden neuron,
firing rate (spikes per hidden neuron per step) and synapses present. Writes JSON (with
the exact command), a Markdown table and a PNG plot. Not a test.

    python bench/bpsr_sparsity_sweep.py --train-samples 20000 --epochs 3 --hidden 256
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
import numpy as np  # noqa: E402
import torch  # noqa: E402

import pumice  # noqa: E402,F401  (installs the Lava import fixes)
from pumice.atomic import atomic_open, atomic_write_text  # noqa: E402
from pumice.data import load_splits  # noqa: E402
from pumice.train.config import TrainConfig, config_from_dict  # noqa: E402
from pumice.train.families import build_network  # noqa: E402
from pumice.train.spike_batches import spike_batches  # noqa: E402
from pumice.train.trainer import evaluate  # noqa: E402


def make_config(args: argparse.Namespace, lambda_spike: float, rewiring: bool) -> TrainConfig:
    """The run's config: 784-H-10, AdamW, the given lambda_s, rewiring on or off."""
    bpsr = {
        "threshold": 1.0,
        "tau_init": 0.5,
        "weight_gain": args.weight_gain,
        "readout_scale": args.readout_scale,
        "lambda_spike": lambda_spike,
        "lambda_weight": args.lambda_weight if rewiring else 0.0,
    }
    if rewiring:
        bpsr.update(
            rewiring=True,
            prune_threshold=args.prune_threshold,
            growth_threshold=args.growth_threshold,
            target_sparsity=args.target_sparsity,
        )
    return config_from_dict(
        {
            "data": {"name": "fashion-mnist", "steps": args.steps, "encoding": args.encoding},
            "network": {
                "layers": [
                    {"type": "dense", "features": args.hidden},
                    {"type": "dense", "features": 10},
                ]
            },
            "train": {
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "lr": args.lr,
                "seed": args.seed,
                "optimizer": "adamw",
            },
            "bpsr": bpsr,
        }
    )


def synapse_counts(model: torch.nn.Module) -> tuple[int, int]:
    """(synapses present, synapses possible) over every synapse matrix."""
    graph = model.export_ir()
    weights = [
        n.weight for n in graph.nodes.values() if isinstance(getattr(n, "weight", None), np.ndarray)
    ]
    return sum(int((w != 0).sum()) for w in weights), sum(w.size for w in weights)


def run(args, splits, lambda_spike: float, rewiring: bool) -> dict:
    """Train one network and score it on the test split after every epoch."""
    config = make_config(args, lambda_spike, rewiring)
    torch.manual_seed(config.train.seed)
    model = build_network(config, splits["train"].input_shape)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.train.lr, weight_decay=config.train.weight_decay
    )
    data = config.data
    started = time.perf_counter()
    epochs = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        rng = np.random.default_rng([config.train.seed, epoch])
        batches = spike_batches(
            splits["train"], data.steps, config.train.batch_size, rng, shuffle=True,
            encoding=data.encoding,
        )  # fmt: skip
        for spikes, labels in batches:
            output, _ = model(spikes)
            loss = model.loss(output, labels)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            model.after_step()
        accuracy, spikes_per_neuron = evaluate(
            model, splits["test"], data.steps, data.seed, encoding=data.encoding
        )
        present, possible = synapse_counts(model)
        epochs.append(
            {
                "epoch": epoch,
                "test_accuracy": accuracy,
                "spikes_per_neuron": spikes_per_neuron["dense1"],
                "synapse_sparsity": 1.0 - present / possible,
            }
        )
        print(f"lambda_s={lambda_spike:g} rewiring={rewiring} {epochs[-1]}", flush=True)
    last = epochs[-1]
    present, possible = synapse_counts(model)
    return {
        "lambda_spike": lambda_spike,
        "lambda_weight": config.bpsr.lambda_weight,
        "rewiring": rewiring,
        "test_accuracy": last["test_accuracy"],
        "spikes_per_neuron": last["spikes_per_neuron"],
        "firing_rate": last["spikes_per_neuron"] / data.steps,
        "synapses": present,
        "synapses_possible": possible,
        "synapse_sparsity": 1.0 - present / possible,
        "per_matrix_sparsity": model.sparsity(),
        "epochs": epochs,
        "wall_s": time.perf_counter() - started,
    }


def markdown(result: dict) -> str:
    """The runs as a Markdown table."""
    rows = [
        "| lambda_s | rewiring | test accuracy | spikes / hidden neuron | firing rate "
        "(per step) | synapses | synapse sparsity |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in [*result["sweep"], result["rewired"]]:
        rows.append(
            f"| {r['lambda_spike']:g} | {'yes' if r['rewiring'] else 'no'} | "
            f"{r['test_accuracy']:.4f} | {r['spikes_per_neuron']:.3f} | {r['firing_rate']:.4f} | "
            f"{r['synapses']:,} / {r['synapses_possible']:,} | {r['synapse_sparsity']:.3f} |"
        )
    return "\n".join([f"Command: `{result['command']}`", "", *rows, ""])


def plot(result: dict, path: Path) -> None:
    """Accuracy and firing rate against lambda_s; the rewired run per epoch."""
    sweep = result["sweep"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    positions = range(len(sweep))
    left.plot(positions, [r["test_accuracy"] for r in sweep], "o-", color="tab:blue")
    left.set_xticks(list(positions), [f"{r['lambda_spike']:g}" for r in sweep])
    left.set_xlabel("lambda_s")
    left.set_ylim(0, 1)
    left.set_ylabel("test accuracy", color="tab:blue")
    rate = left.twinx()
    rate.plot(positions, [r["firing_rate"] for r in sweep], "s--", color="tab:red")
    rate.set_ylabel("hidden firing rate (spikes / neuron / step)", color="tab:red")
    rate.set_ylim(0, None)
    left.set_title("spike regularisation")
    rewired = result["rewired"]
    epochs = [e["epoch"] for e in rewired["epochs"]]
    right.plot(epochs, [e["test_accuracy"] for e in rewired["epochs"]], "o-", label="accuracy")
    right.plot(epochs, [e["synapse_sparsity"] for e in rewired["epochs"]], "s--", label="sparsity")
    baseline = next(r for r in sweep if r["lambda_spike"] == rewired["lambda_spike"])
    right.axhline(baseline["test_accuracy"], color="gray", linestyle=":", label="dense accuracy")
    right.set_xlabel("epoch")
    right.set_xticks(epochs)
    right.set_ylim(0, 1)
    right.set_title(f"rewiring, lambda_s = {rewired['lambda_spike']:g}")
    right.legend()
    fig.tight_layout()
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-samples", type=int, default=20000)
    parser.add_argument("--test-samples", type=int, help="default: the whole test split")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--encoding", default="rank_order", choices=["rank_order", "rate"])
    parser.add_argument("--lambdas", type=float, nargs="+", default=[0.0, 1e-3, 3e-3, 1e-2, 3e-2])
    parser.add_argument(
        "--rewiring-lambda",
        type=float,
        default=1e-3,
        help="lambda_s of the rewired run (one of --lambdas)",
    )
    parser.add_argument(
        "--lambda-weight", type=float, default=1e-4, help="lambda_w of the rewired run"
    )
    parser.add_argument("--target-sparsity", type=float, default=0.8)
    parser.add_argument("--prune-threshold", type=float, default=0.01)
    parser.add_argument("--growth-threshold", type=float, default=1.0)
    parser.add_argument("--weight-gain", type=float, default=3.0)
    parser.add_argument("--readout-scale", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/bpsr_sparsity_sweep"))
    args = parser.parse_args()
    if args.rewiring_lambda not in args.lambdas:
        parser.error("--rewiring-lambda must be one of --lambdas (its dense run is the baseline)")

    splits = load_splits("fashion-mnist")
    rng = np.random.default_rng(args.seed)
    train = splits.train.subset(rng.permutation(len(splits.train))[: args.train_samples])
    test = splits.test
    if args.test_samples is not None:
        test = test.subset(np.arange(min(args.test_samples, len(test))))
    data = {"train": train, "test": test}
    start = time.perf_counter()
    sweep = [run(args, data, value, rewiring=False) for value in args.lambdas]
    rewired = run(args, data, args.rewiring_lambda, rewiring=True)
    result = {
        "command": " ".join(shlex.quote(a) for a in ["python", *sys.argv]),
        "dataset": "fashion-mnist",
        "train_samples": len(train),
        "test_samples": len(test),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "sweep": sweep,
        "rewired": rewired,
        "wall_s": time.perf_counter() - start,
    }
    out = args.out
    atomic_write_text(out.with_suffix(".json"), json.dumps(result, indent=2) + "\n")
    atomic_write_text(out.with_suffix(".md"), markdown(result))
    plot(result, out.with_suffix(".png"))
    print(markdown(result))


if __name__ == "__main__":
    main()
