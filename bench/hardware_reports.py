"""Benchmark: core mappings and traffic/energy reports of models on Loihi 1 and Loihi 2.

For each model and profile: the per-core mapping table (text), the traffic and energy
report (JSON, with the emulator run time and the report time for the same samples) and
its PNG (traffic heatmap per core and a spike raster). Writes a summary JSON with the
exact command. Not a test: run it by hand.

    python bench/hardware_reports.py --model runs/fmnist_784_500_10/model.fixed.pumice \\
        --model runs/digits_conv/model.fixed.pumice --samples 1000
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.convert.traffic import plot_report
from pumice.hardware_report import report_model

PROFILES = ("loihi1", "loihi2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", required=True)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/hardware"))
    args = parser.parse_args()
    summary = {"command": " ".join(shlex.quote(a) for a in ["python", *sys.argv]), "runs": []}
    for model in args.model:
        name = model.parent.name
        for profile in PROFILES:
            mapping, report = report_model(model, profile, samples=args.samples, progress=False)
            stem = args.out / f"{name}_{profile}"
            atomic_write_text(stem.with_suffix(".cores.txt"), mapping.format_table() + "\n")
            raster = report.pop("spike_raster", None)
            atomic_write_text(stem.with_suffix(".json"), json.dumps(report, indent=2) + "\n")
            plot_report({**report, "spike_raster": raster}, stem.with_suffix(".png"))
            summary["runs"].append(
                {
                    "model": str(model),
                    "profile": profile,
                    "samples": report["samples"],
                    "cores": len(mapping.cores),
                    "synaptic_ops_total": report["synaptic_ops_total"],
                    "messages_total": report["messages_total"],
                    "energy_per_inference_j": report["energy_per_inference_j"],
                    "emulator_run_s": report["run_s"],
                    "report_s": report["report_s"],
                    "report_faster_than_run": report["report_s"] < report["run_s"],
                }
            )
            print(json.dumps(summary["runs"][-1]))
    atomic_write_text(args.out / "summary.json", json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
