"""The demo path as Python functions: train, convert, run. The CLI and notebooks call these."""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

import numpy as np

from pumice.atomic import atomic_open, atomic_write_text
from pumice.conversion import ConversionConfig, convert
from pumice.convert.ir import Graph, save_graph
from pumice.convert.model_files import read_model
from pumice.errors import OutputError
from pumice.inference import RunReport, check_backend, run_graph, spike_file_arrays
from pumice.model_inputs import DataOptions, data_file, load_inputs, model_inputs
from pumice.number_options import COUNT
from pumice.outputs import Output, check_outputs, file_output, folder_output, json_text, staged

#: The demo's training config: package data ``pumice.configs`` (the repository's configs/).
DEMO_CONFIG = Path(resources.files("pumice.configs").joinpath("digits_demo.toml"))
#: File name of the float model that ``train`` writes into its output directory.
MODEL_FILE = "model.pumice"


def train_model(config: str | Path, out_dir: str | Path, resume: bool = False, progress=True):
    """Train from a TOML config; write metrics, checkpoint and the float IR model into ``out_dir``.

    Returns the trainer's result; the model file is ``out_dir / MODEL_FILE``. A fresh run
    refuses a config that lies in ``out_dir`` as the copy training writes there.
    """
    from pumice.train.config import load_config

    check_train_outputs(config, out_dir, resume)
    from pumice.train.run_lock import run_lock
    from pumice.train.trainer import train

    cfg = load_config(config)
    out_dir = Path(out_dir)
    with run_lock(out_dir):  # held until the model is written, not only while training
        result = train(cfg, out_dir, resume=resume, progress=progress, config_file=config)
        data = dataclasses.asdict(cfg.data)
        graph = result.model.export_ir(
            metadata={"data": data, "steps": cfg.data.steps, "source": str(config)},
        )
        save_graph(graph, out_dir / MODEL_FILE)
    return result


def check_train_outputs(config: str | Path | None, out_dir: str | Path, resume: bool) -> None:
    """Refuse, before any work, a training ``out_dir`` that cannot take the run's files,
    and a fresh run's ``config`` that is the copy training writes there."""
    from pumice.train.trainer import CONFIG_NAME

    out_dir = Path(out_dir)
    if config is not None and not resume and _same_file(Path(config), out_dir / CONFIG_NAME):
        raise OutputError(
            f"the config '{config}' is the {CONFIG_NAME} training writes into --out "
            f"'{out_dir}': keep your config outside the run folder, or pass --resume"
        )
    out = folder_output("--out", out_dir, in_place=True)
    inputs = {} if resume or config is None else {"the config": config}
    check_outputs([out, *_run_files(out_dir)], inputs)


def _run_files(out_dir: Path) -> list[Output]:
    """The files training writes into its folder, each of which must not be a folder."""
    from pumice.train.trainer import CONFIG_NAME, METRICS_NAME, RESULT_NAME

    names = (CONFIG_NAME, METRICS_NAME, RESULT_NAME, "checkpoint.pt", MODEL_FILE)
    return [file_output("--out", out_dir / name) for name in names]


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


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
    json_path: str | Path | None = None,
    spikes_path: str | Path | None = None,
    dt: float | None = None,
    input_shape: tuple[int, ...] | None = None,
    progress: bool = True,
    device: str = "cpu",
    **data_options,
) -> RunReport:
    """Run a model file on data; optionally write the report as JSON and the spike trains.

    ``data_options`` are :class:`~pumice.model_inputs.DataOptions` fields (``root``,
    ``split``, ``samples``, ``seed``, ``steps``, ``max_rate``). ``spikes_path`` gets an
    ``.npz`` of every neuron layer's trains (samples, *shape, T) by layer name, ``output``,
    ``labels`` and ``predictions``. Outputs are checked before the run and written
    together at its end. The emulator runs on ``device``: "cpu" or a torch device ("cuda").
    """
    options = DataOptions(data=data, **data_options)
    outputs = [file_output("--json", json_path), file_output("--spikes", spikes_path)]
    check_outputs(outputs, {"the model": model, "--data": data_file(data)})
    graph = read_model(model, dt=dt, input_shape=input_shape)
    check_backend(graph, backend, device)
    inputs = model_inputs(graph, options, recorded=spikes_path is not None)
    report = run_graph(
        graph,
        inputs.spikes,
        inputs.labels,
        backend,
        progress=progress,
        record_spikes=spikes_path is not None,
        device=device,
    )
    report.data = inputs.source
    report.model_steps = graph.metadata.get("steps")
    text = json_text(report.to_json()) if json_path is not None else None
    with staged(outputs) as temp:
        if text is not None:
            atomic_write_text(temp["--json"], text)
        if "--spikes" in temp:
            arrays = spike_file_arrays(report, graph, inputs.labels)
            with atomic_open(temp["--spikes"], "wb") as handle:
                np.savez_compressed(handle, **arrays)
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

    COUNT.check("--lava-samples", lava_samples)
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
    atomic_write_text(out_dir / "demo.json", json_text(summary))
    return summary
