"""``pumice convert`` from Python: load the calibration data, run the conversion steps.

The steps themselves live in :mod:`pumice.convert.steps`; this adds what needs the data
layer (the calibration split of a dataset) and the report file.
"""

from __future__ import annotations

import json
from pathlib import Path

from pumice.atomic import atomic_write_text
from pumice.convert.ir import Graph
from pumice.convert.model_files import read_model
from pumice.convert.steps.config import ConversionConfig
from pumice.convert.steps.runner import format_steps, run_steps
from pumice.model_inputs import load_inputs

__all__ = ["ConversionConfig", "convert", "format_steps", "write_report"]


def convert(config: ConversionConfig) -> tuple[Graph, dict]:
    """Run the conversion steps; return the converted graph and the JSON report.

    With ``config.calibrate``, the first ``calibration_samples`` of that dataset's
    validation split calibrate the weight steps and score every step.
    """
    spikes = labels = None
    if config.calibrate is not None:
        spikes, labels = load_inputs(
            read_model(config.model),
            config.calibrate,
            root=config.root,
            split="val",
            samples=config.calibration_samples,
        )
    return run_steps(config, spikes, labels)


def write_report(report: dict, path: Path) -> None:
    """Write the conversion report as JSON, atomically."""
    atomic_write_text(path, json.dumps(report, indent=2) + "\n")
