"""IMSNN variants that fit a chip, against the plain SNN: accuracy, spikes, cores, energy.

Every variant is the Fashion-MNIST 784-500-10 network of
``configs/imsnn_fmnist_784_500_10.toml`` with a few ``[imsnn]`` settings changed
(:data:`VARIANTS`), trained with one common budget (``train``, one invocation per
variant, so each can run under the heavy-job lock on its own), then ``evaluate``d:

- converted to 8-bit fixed point (``--scale``; ISI synapses lowered to bins, or to
  graded spikes where their tunings are shared);
- the emulator on the whole test split (accuracy, hidden spikes per neuron);
- Lava ``fixed_pt`` on the first ``--lava-samples`` test samples, compared with the
  emulator prediction by prediction and spike count by spike count;
- ``pumice map`` on Loihi 1 and Loihi 2 (null with the reason where it cannot map) and
  the traffic report on the first ``--traffic-samples`` test samples (messages, payload
  bits, synaptic operations; energy from Loihi 1's per-operation figures).

    python bench/imsnn_on_chip.py train snn --epochs 2 --train-samples 20000
    python bench/imsnn_on_chip.py train per_synapse_k_101 --epochs 2 --train-samples 20000
    python bench/imsnn_on_chip.py evaluate --lava-samples 20 --traffic-samples 1000

Writes ``bench/results/imsnn_on_chip.json`` (the exact commands, one row per variant)
and a markdown table beside it. Not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.conversion import ConversionConfig, convert
from pumice.convert.emulator import emulate
from pumice.convert.hardware import load_profile
from pumice.convert.ir import load_graph, save_graph
from pumice.convert.ir.windows import pad_for_lag
from pumice.convert.mapping import MappingError, map_graph
from pumice.convert.traffic import traffic_report
from pumice.data import Splits
from pumice.inference import run_graph
from pumice.pipeline import MODEL_FILE, load_inputs
from pumice.train.config import load_config
from pumice.train.trainer import config_splits, train

BASE_CONFIG = Path("configs/imsnn_fmnist_784_500_10.toml")
#: Variant name -> the ``[imsnn]`` settings that differ from the base config.
VARIANTS: dict[str, dict] = {
    "snn": {"rule": "snn"},
    "per-synapse K=101": {},
    "capped K=5": {"max_isi": 100, "isi_bins": 5},
    "presynaptic": {"tuning": "presynaptic"},
    "groups G=5": {"tuning": "groups", "groups": 5},
    "hidden ISI, capped K=8": {"input_isi": False, "max_isi": 104, "isi_bins": 8},
    "hidden ISI, capped K=8, IMSNNc": {
        "rule": "imsnnc",
        "input_isi": False,
        "max_isi": 104,
        "isi_bins": 8,
    },
}
#: The paper's ablation rule: a control for the sign test, not a variant to deploy.
CONTROL_RULE = "imsnnc"
PROFILES = ("loihi1", "loihi2")


def slug(variant: str) -> str:
    """A directory (and command-line) name for a variant, e.g. "capped_k_5"."""
    words = "".join(c if c.isalnum() else " " for c in variant.lower()).split()
    return "_".join(words)


#: Command-line name -> variant.
BY_SLUG = {slug(variant): variant for variant in VARIANTS}


def first_samples(splits: Splits, train_samples: int, test_samples: int | None) -> Splits:
    """The first ``train_samples`` of the (shuffled) training split, validation cut in
    proportion (as ``bench/imsnn_table.py`` does), and the first ``test_samples``."""
    train_part, val, test = splits.train, splits.val, splits.test
    if train_samples < len(train_part):
        val_samples = max(1, round(len(val) * train_samples / len(train_part)))
        train_part = train_part.subset(np.arange(train_samples))
        val = val.subset(np.arange(min(val_samples, len(val))))
    if test_samples is not None:
        test = test.subset(np.arange(min(test_samples, len(test))))
    return Splits(train_part, val, test)


def command_line() -> str:
    return " ".join(shlex.quote(a) for a in ["python", *sys.argv])


def train_variant(args: argparse.Namespace) -> None:
    """Train one variant with the common budget into ``--runs/<slug>``."""
    variant = BY_SLUG[args.variant]
    config = load_config(args.config)
    imsnn = dataclasses.replace(config.imsnn, **VARIANTS[variant])
    changes = {"epochs": args.epochs, "lr": args.lr, "device": "cpu"}
    config = dataclasses.replace(
        config, imsnn=imsnn, train=dataclasses.replace(config.train, **changes)
    )
    splits = first_samples(config_splits(config.data), args.train_samples, args.test_samples)
    run_dir = args.runs / args.variant
    resume = (run_dir / "checkpoint.pt").exists()
    started = time.perf_counter()
    result = train(config, run_dir, resume=resume, progress=not args.quiet, splits=splits)
    metadata = {"data": dataclasses.asdict(config.data), "steps": config.data.steps}
    save_graph(result.model.export_ir(metadata), run_dir / MODEL_FILE)
    record = {
        "command": command_line(),
        "variant": variant,
        "config": str(args.config),
        "imsnn": dataclasses.asdict(imsnn),
        "epochs": len(result.metrics),
        "lr": args.lr,
        "train_samples": len(splits.train),
        "float_test_accuracy": result.test_accuracy,
        "float_spikes_per_neuron": result.test_spikes_per_neuron,
        "val_accuracy": [m["val_accuracy"] for m in result.metrics],
        "train_wall_s": sum(m["wall_s"] for m in result.metrics),
        "wall_s": time.perf_counter() - started,
    }
    atomic_write_text(run_dir / "variant.json", json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


def _mapping(fixed, profile: str, spikes: np.ndarray, trains: dict) -> dict:
    """Cores, traffic and energy of ``fixed`` on ``profile``, or the reason it cannot map."""
    hardware = load_profile(profile)
    try:
        mapping = map_graph(fixed, hardware)
    except MappingError as exc:
        return {"cores": None, "reason": str(exc)}
    report = traffic_report(fixed, mapping, {fixed.input: spikes, **trains}, hardware)
    per = report["per_inference"]
    energy = report["energy_per_inference_j"]
    return {
        "cores": len(mapping.cores),
        "reason": None,
        "payload_table_bits": sum(core.payload_table_bits for core in mapping.cores),
        "messages_per_inference": per["messages_total"],
        "payload_bits_per_inference": per["payload_bits_total"],
        "synaptic_ops_per_inference": per["synaptic_ops_total"],
        "energy_uj": None if energy is None else energy * 1e6,
        "energy_reason": None if energy is not None else "; ".join(report["notes"]),
    }


def evaluate_variant(variant: str, args: argparse.Namespace) -> dict:
    """One row of the table (see the module docstring)."""
    run_dir = args.runs / slug(variant)
    trained = json.loads((run_dir / "variant.json").read_text())
    fixed_path = run_dir / "model.fixed.pumice"
    fixed, conversion = convert(
        ConversionConfig(run_dir / MODEL_FILE, fixed_path, scale=args.scale)
    )
    fixed = load_graph(fixed_path)
    spikes, labels = load_inputs(fixed, samples=args.test_samples)
    emulated = run_graph(fixed, spikes, labels, "emulator")
    lava_part = slice(0, args.lava_samples)
    on_lava = run_graph(fixed, spikes[lava_part], labels[lava_part], "lava")
    padded = pad_for_lag(spikes[: args.traffic_samples])
    trains = emulate(fixed, padded, record_spikes=True).spikes
    maps = {profile: _mapping(fixed, profile, padded, trains) for profile in PROFILES}
    lowering = conversion.get("isi_lowering", {})
    synapses = int(sum(np.count_nonzero(n.weight) for n in fixed.nodes.values() if n.is_synapse))
    spikes_per_neuron = emulated.spikes_per_neuron
    return {
        "variant": variant,
        "test_accuracy": emulated.accuracy,
        "spikes_per_neuron": sum(spikes_per_neuron.values()),
        "spikes_per_neuron_by_layer": spikes_per_neuron,
        "cores_loihi1": maps["loihi1"]["cores"],
        "cores_loihi1_reason": maps["loihi1"]["reason"],
        "cores_loihi2": maps["loihi2"]["cores"],
        "cores_loihi2_reason": maps["loihi2"]["reason"],
        "synapses": synapses,
        "messages_per_inference": maps["loihi2"].get("messages_per_inference"),
        "messages_per_inference_loihi1": maps["loihi1"].get("messages_per_inference"),
        "payload_bits_per_inference": maps["loihi2"].get("payload_bits_per_inference"),
        "energy_uj_loihi1": maps["loihi1"].get("energy_uj"),
        "energy_loihi1_reason": maps["loihi1"]["reason"] or maps["loihi1"].get("energy_reason"),
        "mapping": maps,
        "lowering": {
            name: {k: layer[k] for k in ("lowering", "lines", "largest_isi") if k in layer}
            for name, layer in lowering.items()
        },
        "test_samples": emulated.samples,
        "float_test_accuracy": trained["float_test_accuracy"],
        "lava": {
            "samples": on_lava.samples,
            "accuracy": on_lava.accuracy,
            "emulator_accuracy_same_samples": float(
                (emulated.predictions[lava_part] == labels[lava_part]).mean()
            ),
            "predictions_equal_emulator": bool(
                np.array_equal(on_lava.predictions, emulated.predictions[lava_part])
            ),
            "spike_counts_equal_emulator": all(
                np.array_equal(on_lava.counts[name], emulated.counts[name][lava_part])
                for name in on_lava.counts
            ),
            "wall_s": on_lava.wall_s,
        },
        "training": {
            key: trained[key]
            for key in ("command", "imsnn", "epochs", "lr", "train_samples", "train_wall_s")
        },
    }


def bars(rows: list[dict]) -> list[dict]:
    """The issue's bars for every IMSNN row against the SNN row."""
    snn = next(row for row in rows if row["variant"] == "snn")
    checks = []
    for row in rows:
        if row is snn or _rule(row) == CONTROL_RULE:
            continue
        both = row["cores_loihi1"] is not None and row["cores_loihi2"] is not None
        within = both and all(row[f"cores_{p}"] <= 2 * snn[f"cores_{p}"] for p in PROFILES)
        spikes = row["spikes_per_neuron"] / snn["spikes_per_neuron"]
        drop = 100 * (snn["test_accuracy"] - row["test_accuracy"])
        checks.append(
            {
                "variant": row["variant"],
                "maps_on_both_within_2x_cores": within,
                "spikes_vs_snn": spikes,
                "spikes_at_most_0.3x": spikes <= 0.3,
                "accuracy_drop_pp": drop,
                "accuracy_within_1pp": drop <= 1.0,
                "lava_equals_emulator": row["lava"]["predictions_equal_emulator"]
                and row["lava"]["spike_counts_equal_emulator"],
            }
        )
    return checks


def _rule(row: dict) -> str:
    return row["training"]["imsnn"]["rule"]


def sign_tests(rows: list[dict]) -> list[dict]:
    """The paper's Table 2 ordering, IMSNN < SNN < IMSNNc in hidden spikes per neuron, for
    every variant trained with both rules (same settings otherwise)."""
    by_name = {row["variant"]: row for row in rows}
    snn = by_name["snn"]["spikes_per_neuron"]
    tests = []
    for control in (row for row in rows if _rule(row) == CONTROL_RULE):
        name = control["variant"].removesuffix(", IMSNNc")
        if name not in by_name:
            continue
        imsnn = by_name[name]["spikes_per_neuron"]
        tests.append(
            {
                "variant": name,
                "spikes_per_neuron": {
                    "imsnn": imsnn,
                    "snn": snn,
                    "imsnnc": control["spikes_per_neuron"],
                },
                "holds": imsnn < snn < control["spikes_per_neuron"],
            }
        )
    return tests


def _cell(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def markdown(report: dict) -> str:
    """The rows as a markdown table, then the bars."""
    lines = [
        "IMSNN on a chip: Fashion-MNIST 784-500-10, made by",
        "",
        *(f"    {command}" for command in report["train_commands"] + report["evaluate_commands"]),
        "",
        "| variant | test acc % | spikes / neuron | Loihi 1 cores | Loihi 2 cores | synapses | "
        "messages / inference | payload bits / inference | energy / inference, Loihi 1 | "
        "Lava = emulator |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        energy = row["energy_uj_loihi1"]
        lava = row["lava"]
        same = lava["predictions_equal_emulator"] and lava["spike_counts_equal_emulator"]
        lines.append(
            f"| {row['variant']} | {100 * row['test_accuracy']:.2f} | "
            f"{row['spikes_per_neuron']:.3f} | {_cell(row['cores_loihi1'])} | "
            f"{_cell(row['cores_loihi2'])} | {_cell(row['synapses'])} | "
            f"{_cell(row['messages_per_inference'])} | "
            f"{_cell(row['payload_bits_per_inference'])} | "
            f"{'-' if energy is None else f'{energy:.1f} uJ'} | "
            f"{'yes' if same else 'NO'} (first {lava['samples']}) |"
        )
    lines.append("")
    for check in report["bars"]:
        lines.append(
            f"- {check['variant']}: both profiles within 2x the SNN's cores "
            f"{check['maps_on_both_within_2x_cores']}; spikes {check['spikes_vs_snn']:.2f}x "
            f"the SNN's; accuracy {-check['accuracy_drop_pp']:+.2f} pp; Lava = emulator "
            f"{check['lava_equals_emulator']}"
        )
    for test in report["sign_tests"]:
        spikes = test["spikes_per_neuron"]
        lines.append(
            f"- sign test, {test['variant']}: IMSNN {spikes['imsnn']:.3f} < SNN "
            f"{spikes['snn']:.3f} < IMSNNc {spikes['imsnnc']:.3f} hidden spikes per neuron: "
            f"{test['holds']}"
        )
    for row in report["rows"]:
        for profile in PROFILES:
            if row[f"cores_{profile}_reason"]:
                lines.append(f"- {row['variant']} on {profile}: {row[f'cores_{profile}_reason']}")
    lines.extend(f"- {item['variant']}: {item['reason']}" for item in report["not_trained"])
    return "\n".join(lines) + "\n"


def not_trained(runs: Path, rows: list[dict]) -> list[dict]:
    """The variants of :data:`VARIANTS` with neither a row nor a trained run, said plainly."""
    have = {row["variant"] for row in rows}
    return [
        {"variant": variant, "reason": f"not trained this run (no {runs / slug(variant)})"}
        for variant in VARIANTS
        if variant not in have and not (runs / slug(variant) / "variant.json").exists()
    ]


def evaluate_all(args: argparse.Namespace) -> None:
    """Evaluate the trained variants (all, or ``--variants``: their rows replace those of the
    same variants in ``--out``, the others kept) and write the JSON and the table."""
    variants = [BY_SLUG[name] for name in args.variants] if args.variants else list(VARIANTS)
    variants = [v for v in variants if (args.runs / slug(v) / "variant.json").exists()]
    command = command_line()
    kept = []
    if args.variants and args.out.exists():
        kept = [r for r in json.loads(args.out.read_text())["rows"] if r["variant"] not in variants]
    rows = {}
    for variant in variants:
        started = time.perf_counter()
        row = evaluate_variant(variant, args)
        row["evaluate_wall_s"] = time.perf_counter() - started
        row["evaluate_command"] = command
        rows[variant] = row
        print(json.dumps({k: row[k] for k in list(row)[:12]}), flush=True)
    rows.update({row["variant"]: row for row in kept})
    ordered = [rows[v] for v in VARIANTS if v in rows]
    report = {
        "command": command,
        "evaluate_commands": sorted({row["evaluate_command"] for row in ordered}),
        "train_commands": [row["training"]["command"] for row in ordered],
        "scale": args.scale,
        "rows": ordered,
        "not_trained": not_trained(args.runs, ordered),
    }
    if any(row["variant"] == "snn" for row in ordered):
        report["bars"] = bars(ordered)
        report["sign_tests"] = sign_tests(ordered)
    atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")
    if "bars" in report:
        table = markdown(report)
        atomic_write_text(args.out.with_suffix(".md"), table)
        print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/imsnn_on_chip"))
    sub = parser.add_subparsers(dest="what", required=True)
    trainer = sub.add_parser("train", help="train one variant")
    trainer.add_argument("variant", choices=list(BY_SLUG))
    trainer.add_argument("--config", type=Path, default=BASE_CONFIG)
    trainer.add_argument("--epochs", type=int, default=2)
    trainer.add_argument("--lr", type=float, default=1e-3)
    trainer.add_argument("--train-samples", type=int, default=20000)
    trainer.add_argument("--test-samples", type=int, help="test on the first N (all)")
    trainer.add_argument("--quiet", action="store_true")
    evaluator = sub.add_parser("evaluate", help="evaluate the trained variants")
    evaluator.add_argument("--variants", nargs="+", choices=list(BY_SLUG))
    evaluator.add_argument("--test-samples", type=int, help="first N test samples (all)")
    evaluator.add_argument("--lava-samples", type=int, default=20)
    evaluator.add_argument("--traffic-samples", type=int, default=1000)
    evaluator.add_argument("--scale", type=int, default=256)
    evaluator.add_argument("--out", type=Path, default=Path("bench/results/imsnn_on_chip.json"))
    args = parser.parse_args()
    if args.what == "train":
        train_variant(args)
    else:
        evaluate_all(args)


if __name__ == "__main__":
    main()
