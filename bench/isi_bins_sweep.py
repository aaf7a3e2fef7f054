"""Benchmark: what the ISI lowering of an IMSNN costs on a chip, bin count by bin count.

Each ISI synapse is lowered to a binner with K lines per input and a standard synapse
(`pumice convert`, exact for ISIs up to K). K = T + 1 keeps the network exact; a smaller
``--max-isi`` drops longer ISIs (they contribute nothing) and shrinks every neuron's
fan-in, the number of input axons a core must hold. For each K this converts the model
(8-bit, ``--scale``), runs the first N test samples on the emulator and reports accuracy,
synapses, the largest fan-in per layer and whether ``pumice map`` fits it on the profile.
Writes JSON with the exact command. Not a test.

    python bench/isi_bins_sweep.py runs/imsnn_table/imsnn_fmnist_784_500_10/imsnn \\
        --samples 2000 --max-isi 5 8 16 32 101
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (installs the Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.conversion import ConversionConfig, convert
from pumice.convert.hardware import load_profile
from pumice.convert.ir import FixedConv2d, FixedDense
from pumice.convert.mapping import MappingError, map_graph
from pumice.inference import run_graph
from pumice.pipeline import MODEL_FILE, load_inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="run directory holding model.pumice")
    parser.add_argument("--samples", type=int, default=2000, help="first N test samples")
    parser.add_argument("--max-isi", type=int, nargs="+", required=True)
    parser.add_argument("--scale", type=int, default=256)
    parser.add_argument("--profile", default="loihi1")
    parser.add_argument("--out", type=Path, default=Path("bench/results/isi_bins_sweep.json"))
    args = parser.parse_args()

    profile = load_profile(args.profile)
    rows = []
    for max_isi in args.max_isi:
        fixed, report = convert(
            ConversionConfig(
                args.run / MODEL_FILE,
                Path("/tmp") / f"isi_bins_{max_isi}.pumice",
                scale=args.scale,
                max_isi=max_isi,
            )
        )
        spikes, labels = load_inputs(fixed, samples=args.samples)
        run = run_graph(fixed, spikes, labels, "emulator", progress=False)
        fan_in = {
            name: int(np.count_nonzero(node.weight.reshape(len(node.weight), -1), axis=1).max())
            for name, node in fixed.nodes.items()
            if isinstance(node, FixedDense | FixedConv2d)
        }
        try:
            cores, fits = len(map_graph(fixed, profile).cores), "yes"
        except MappingError as exc:
            cores, fits = None, str(exc)
        rows.append(
            {
                "max_isi": max_isi,
                "accuracy": run.accuracy,
                "spikes_per_neuron": run.spikes_per_neuron,
                "synapses": report["steps"][-1]["synapses"],
                "max_fan_in": fan_in,
                "cores": cores,
                "fits": fits,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    result = {
        "command": " ".join(shlex.quote(a) for a in ["python", *sys.argv]),
        "samples": args.samples,
        "profile": args.profile,
        "rows": rows,
    }
    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
