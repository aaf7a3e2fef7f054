"""The demo path as Python functions: train, convert, run. The CLI and notebooks call these."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

from pumice.atomic import atomic_write_text
from pumice.conversion import ConversionConfig, convert
from pumice.convert.ir import Graph, save_graph
from pumice.convert.model_files import read_model
from pumice.inference import RunReport, run_graph
from pumice.model_inputs import load_inputs

#: The demo's training config: package data ``pumice.configs`` (the repository's configs/).
DEMO_CONFIG = Path(resources.files("pumice.configs").joinpath("digits_demo.toml"))
#: File name of the float model that ``train`` writes into its output directory.
MODEL_FILE = "model.pumice"


def train_model(config: str | Path, out_dir: str | Path, resume: bool = False, progress=True):
    """Train from a TOML config; write metrics, checkpoint and the float IR model into ``out_dir``.

    Returns the trainer's result; the model file is ``out_dir / MODEL_FILE``.
    """
    from pumice.train.config import load_config
    from pumice.train.trainer import train

    cfg = load_config(config)
    out_dir = Path(out_dir)
    result = train(cfg, out_dir, resume=resume, progress=progress)
    data = dataclasses.asdict(cfg.data)
    graph = result.model.export_ir(
        metadata={"data": data, "steps": cfg.data.steps, "source": str(config)},
    )
    save_graph(graph, out_dir / MODEL_FILE)
    return result


def convert_model(model: str | Path, out: str | Path, **options) -> Graph:
    """Quantise a model to Lava's fixed point and write it to ``out`` as a pumice file.

    ``options`` are the other fields of :class:`pumice.conversion.ConversionConfig`
    (``bits``, ``calibrate``, ``profile``, ...); by default lava-dl's 8-bit quantisation.
    """
    graph, _ = convert(ConversionConfig(Path(model), Path(out), **options))
    return graph


def run_model(
    model: str | Path,
    backend: str = "emulator",
    data: str | None = None,
    *,
    root: str | None = None,
    split: str = "test",
    samples: int | None = None,
    seed: int = 0,
    steps: int | None = None,
    max_rate: float | None = None,
    json_path: str | Path | None = None,
    progress: bool = True,
    device: str = "cpu",
) -> RunReport:
    """Run a model file on a dataset split; optionally write the report as JSON. The
    emulator runs on ``device``: "cpu" or a torch device ("cuda")."""
    graph = read_model(model)
    spikes, labels = load_inputs(
        graph,
        data,
        root=root,
        split=split,
        samples=samples,
        seed=seed,
        steps=steps,
        max_rate=max_rate,
    )
    report = run_graph(graph, spikes, labels, backend, progress=progress, device=device)
    if json_path is not None:
        atomic_write_text(json_path, json.dumps(report.to_json(), indent=2) + "\n")
    return report


def demo(
    out_dir: str | Path = "runs/demo",
    config: str | Path = DEMO_CONFIG,
    lava_samples: int = 50,
    progress: bool = True,
) -> dict:
    """Train on digits, convert, run on the emulator (test split) and on Lava (a subset).

    Returns a JSON-ready summary (also written to ``out_dir/demo.json``).
    """
    from pumice.train.inference import predict_spikes

    out_dir = Path(out_dir)
    resume = (out_dir / "checkpoint.pt").exists()  # a finished demo run is reused
    result = train_model(config, out_dir, resume=resume, progress=progress)
    fixed = convert_model(out_dir / MODEL_FILE, out_dir / "model.fixed.pumice")
    spikes, labels = load_inputs(fixed)
    predictions, float_spikes = predict_spikes(result.model, spikes)
    emulated = run_graph(fixed, spikes, labels, "emulator", progress=progress)
    subset = slice(0, min(lava_samples, len(labels)))
    on_lava = run_graph(fixed, spikes[subset], labels[subset], "lava", progress=progress)
    summary = {
        "test_samples": len(labels),
        "lava_samples": on_lava.samples,
        "steps": emulated.steps,
        "float_accuracy": float((predictions == labels).mean()),
        "fixed_point_accuracy": emulated.accuracy,
        "fixed_point_accuracy_on_lava_subset": float(
            (emulated.predictions[subset] == labels[subset]).mean()
        ),
        "lava_accuracy": on_lava.accuracy,
        "lava_matches_emulator": bool((on_lava.predictions == emulated.predictions[subset]).all()),
        "spikes_per_neuron": {
            "float": float_spikes,
            "fixed_point": emulated.spikes_per_neuron,
            "lava": on_lava.spikes_per_neuron,
        },
        "float_model": str(out_dir / MODEL_FILE),
        "fixed_model": str(out_dir / "model.fixed.pumice"),
    }
    atomic_write_text(out_dir / "demo.json", json.dumps(summary, indent=2) + "\n")
    return summary
