"""Run this pumice bundle on Lava: a Loihi 2 board (``--target loihi2``) or the CPU simulator.

Copied into every bundle as ``run.py``. It needs pumice (and Lava) installed; on a
Loihi 2 host it also needs Intel's lava-loihi extension. Results go to ``results.json``
beside this script.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import pumice  # noqa: F401  (Lava import fixes)
from pumice.atomic import atomic_write_text
from pumice.convert.ir import load_graph
from pumice.convert.ir.windows import layer_windows
from pumice.number_options import COUNT

HERE = Path(__file__).resolve().parent
#: Exit code when the requested target cannot run on this machine.
TARGET_MISSING = 3


def main(argv: list[str] | None = None) -> int:
    """Run the bundled inputs on the target; write results.json; return the exit code."""
    manifest = json.loads((HERE / "manifest.json").read_text())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("loihi2", "lava-sim"), default=manifest["target"])
    parser.add_argument("--samples", type=COUNT, help="first N bundled samples (default: all)")
    args = parser.parse_args(argv)

    from lava.magma.core.run_configs import Loihi2HwCfg, Loihi2SimCfg

    from pumice.deploy.lava_run import run_on_lava

    if args.target == "loihi2":
        from lava.utils import loihi

        if not loihi.is_installed():
            print(
                "pumice bundle: Intel's Loihi extension (lava-loihi) is not installed here, so "
                "Loihi2HwCfg cannot run. The bundle is complete: copy this folder to a Loihi 2 "
                "host with lava-loihi and run `python run.py --target loihi2` there "
                "(or `--target lava-sim` to simulate it here).",
                file=sys.stderr,
            )
            return TARGET_MISSING
        run_cfg = Loihi2HwCfg()
    else:
        run_cfg = Loihi2SimCfg(select_tag="fixed_pt")

    graph = load_graph(HERE / manifest["model"])
    with np.load(HERE / manifest["inputs"]) as data:
        spikes, labels = data["spikes"], data["labels"]
    if args.samples is not None:
        spikes, labels = spikes[: args.samples], labels[: args.samples]
    steps = int(manifest["steps"])
    result = run_on_lava(graph, spikes, windows=layer_windows(graph, steps), run_cfg=run_cfg)
    predictions = result.predictions(graph.output)
    results = {
        "target": args.target,
        "samples": int(len(labels)),
        "steps": steps,
        "accuracy": float((predictions == labels).mean()),
        "predictions": predictions.tolist(),
        "spikes_per_neuron": result.spikes_per_neuron(graph.hidden_neurons()),
    }
    atomic_write_text(HERE / "results.json", json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "predictions"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
