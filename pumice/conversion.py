"""``pumice convert`` from Python: load the calibration data, run the conversion steps.

The steps themselves live in :mod:`pumice.convert.steps`; this adds what needs the data
layer (the calibration samples of a dataset), the checks of the outputs before any work,
and writing the model, the report and the intermediate graphs all together or not at all.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pumice.atomic import atomic_write_text
from pumice.convert.ir import Graph
from pumice.convert.model_files import read_model
from pumice.convert.model_writers import writer_for
from pumice.convert.steps.config import ConversionConfig
from pumice.convert.steps.registry import STANDARD_STEPS
from pumice.convert.steps.runner import format_steps, run_steps
from pumice.errors import ModelError
from pumice.model_inputs import DataOptions, data_file, model_inputs
from pumice.outputs import check_outputs, file_output, folder_output, json_text, staged

__all__ = ["CALIBRATION_SAMPLES", "ConversionConfig", "convert", "format_steps", "write_report"]

#: Calibration samples used when ``calibration_samples`` is not given (at most).
CALIBRATION_SAMPLES = 256
#: What ``--keep-intermediate`` writes: a folder of these may be replaced by a new run.
_INTERMEDIATE = re.compile(r"\d\d_[a-z_]+\.pumice")


def _intermediate_folder(path: Path) -> bool:
    return all(entry.is_file() and _INTERMEDIATE.fullmatch(entry.name) for entry in path.iterdir())


def _check_nir_output(config: ConversionConfig) -> None:
    """NIR holds float graphs only: refuse a quantising conversion into ``.nir`` up front."""
    if config.out.suffix.lower() != ".nir":
        return
    quantized = STANDARD_STEPS.index("quantize")
    first = STANDARD_STEPS.index(config.start) if config.start else 0
    last = STANDARD_STEPS.index(config.stop) if config.stop else len(STANDARD_STEPS)
    if first <= quantized <= last:
        raise ModelError(
            f"--out '{config.out}': NIR has no fixed-point types and this conversion "
            f"quantises: pass --to prune (or --to lower_isi) to write the float graph as NIR, "
            f"or write .pumice, .net or .onnx"
        )


def convert(
    config: ConversionConfig, *, json_path: str | Path | None = None, **data_options
) -> tuple[Graph, dict]:
    """Run the conversion steps; write ``config.out`` (and the report to ``json_path``).

    With ``config.calibrate``, the first ``calibration_samples`` (at most
    :data:`CALIBRATION_SAMPLES`) of that dataset's validation split (a user's ``.npz``:
    all of it) calibrate the weight steps and score every step; ``data_options`` are
    further :class:`~pumice.model_inputs.DataOptions` fields for those samples (``split``,
    ``seed``, ``steps``, ``max_rate``). Returns the converted graph and the JSON report.
    """
    outputs = [
        file_output("--out", config.out),
        file_output("--json", json_path),
        folder_output("--keep-intermediate", config.keep_intermediate, _intermediate_folder),
    ]
    inputs = {
        "the model": config.model,
        "--calibrate": data_file(config.calibrate),
        "the profile": config.profile if str(config.profile).endswith(".toml") else None,
    }
    check_outputs(outputs, inputs)
    writer_for(config.out, "--out")
    _check_nir_output(config)
    calibration = None
    if config.calibrate is not None:
        options = DataOptions(
            data=config.calibrate,
            root=config.root,
            samples=config.calibration_samples,
            default_split="val",
            sample_limit=CALIBRATION_SAMPLES,
            data_option="--calibrate",
            samples_option="--calibration-samples",
            **data_options,
        )
        calibration = model_inputs(
            read_model(config.model, dt=config.dt, input_shape=config.input_shape), options
        )
    with staged(outputs) as temp:
        staged_config = dataclasses.replace(
            config,
            write_to=temp["--out"],
            keep_intermediate=temp.get("--keep-intermediate"),
        )
        spikes, labels = (calibration.spikes, calibration.labels) if calibration else (None, None)
        graph, report = run_steps(staged_config, spikes, labels)
        if calibration is not None:
            report["calibration_data"] = calibration.source
        if "--keep-intermediate" in temp:
            report["keep_intermediate"] = str(config.keep_intermediate)
        if "--json" in temp:
            atomic_write_text(temp["--json"], json_text(report))
    return graph, report


def write_report(report: dict, path: Path) -> None:
    """Write the conversion report as JSON, atomically."""
    atomic_write_text(path, json_text(report))
