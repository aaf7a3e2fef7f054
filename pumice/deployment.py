"""``pumice deploy``: map a fixed-point model, write its hardware bundle, optionally run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pumice.convert.hardware import load_profile
from pumice.convert.interchange import export_netx
from pumice.convert.mapping import map_graph
from pumice.convert.model_files import read_model
from pumice.deploy.bundle import write_bundle
from pumice.errors import PumiceError
from pumice.model_inputs import load_inputs

#: Profile each deployment target is mapped on.
TARGET_PROFILES = {"loihi2": "loihi2", "lava-sim": "loihi2"}


def deploy_model(
    model: str | Path,
    out_dir: str | Path,
    target: str = "loihi2",
    *,
    data: str | None = None,
    root: str | None = None,
    samples: int = 20,
    run: bool = False,
) -> dict:
    """Write the bundle for ``model`` (with ``samples`` test inputs) into ``out_dir``.

    With ``run``, executes the bundle's ``run.py`` in a fresh process and returns its
    results; a target this machine cannot run raises a one-line :class:`PumiceError`.
    Returns the manifest, plus ``results`` when run.
    """
    if target not in TARGET_PROFILES:
        raise PumiceError(f"unknown target '{target}': choose one of {', '.join(TARGET_PROFILES)}")
    graph = read_model(model)
    mapping = map_graph(graph, load_profile(TARGET_PROFILES[target]))
    spikes, labels = load_inputs(graph, data, root=root, samples=samples)
    script = write_bundle(
        graph,
        out_dir,
        target,
        spikes,
        labels,
        extra={"mapping.json": mapping.to_json()},
        exports={"model.net": lambda path: export_netx(graph, path)},
    )
    manifest = json.loads((script.parent / "manifest.json").read_text())
    if not run:
        return manifest
    finished = subprocess.run(
        [sys.executable, str(script), "--target", target], capture_output=True, text=True
    )
    if finished.returncode != 0:
        message = " ".join(finished.stderr.strip().splitlines()[-1:]) or "no message"
        raise PumiceError(f"the bundle did not run on {target}: {message}")
    manifest["results"] = json.loads((script.parent / "results.json").read_text())
    return manifest
