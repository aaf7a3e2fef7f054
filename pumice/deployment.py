"""``pumice deploy``: map a fixed-point model, write its hardware bundle, optionally run it.

The bundle is written into a temporary folder beside ``out_dir`` and renamed onto it at
the end, so a failed deploy leaves nothing behind and a re-deploy into the same folder
replaces the old bundle whole (no stale ``results.json`` beside a new manifest).
"""

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
from pumice.model_inputs import DataOptions, data_file, model_inputs
from pumice.outputs import check_outputs, folder_output, staged

#: Profile each deployment target is mapped on.
TARGET_PROFILES = {"loihi2": "loihi2", "lava-sim": "loihi2"}
#: Samples a bundle holds when not told how many (at most).
BUNDLE_SAMPLES = 20


def is_bundle(folder: Path) -> bool:
    """Whether ``folder`` holds a bundle pumice wrote (its manifest says so)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == "pumice-bundle"


def deploy_model(
    model: str | Path,
    out_dir: str | Path,
    target: str = "loihi2",
    data: str | None = None,
    *,
    run: bool = False,
    dt: float | None = None,
    input_shape: tuple[int, ...] | None = None,
    **data_options,
) -> dict:
    """Write the bundle for ``model`` with test inputs into ``out_dir``.

    ``data_options`` are :class:`~pumice.model_inputs.DataOptions` fields (at most
    :data:`BUNDLE_SAMPLES` samples unless ``samples`` says otherwise). ``out_dir`` must be
    new, empty or an earlier bundle (which is replaced). With ``run``, executes the
    bundle's ``run.py`` in a fresh process and returns its results; a target this machine
    cannot run raises a one-line :class:`PumiceError`. Returns the manifest, plus
    ``results`` when run.
    """
    if target not in TARGET_PROFILES:
        raise PumiceError(f"unknown target '{target}': choose one of {', '.join(TARGET_PROFILES)}")
    options = DataOptions(data=data, sample_limit=BUNDLE_SAMPLES, **data_options)
    out = folder_output("--out", out_dir, is_bundle)
    check_outputs([out], {"the model": model, "--data": data_file(data)})
    graph = read_model(model, dt=dt, input_shape=input_shape)
    if graph.domain() != "fixed":
        raise PumiceError(
            "a bundle holds a fixed-point model: convert the model first "
            "(pumice convert MODEL --out FIXED.pumice)"
        )
    mapping = map_graph(graph, load_profile(TARGET_PROFILES[target]))
    inputs = model_inputs(graph, options)
    with staged([out]) as temp:
        write_bundle(
            graph,
            temp["--out"],
            target,
            inputs.spikes,
            inputs.labels,
            extra={"mapping.json": mapping.to_json()},
            exports={"model.net": lambda path: export_netx(graph, path)},
        )
    script = out.path / "run.py"
    manifest = json.loads((out.path / "manifest.json").read_text())
    if not run:
        return manifest
    finished = subprocess.run(
        [sys.executable, str(script), "--target", target], capture_output=True, text=True
    )
    if finished.returncode != 0:
        message = " ".join(finished.stderr.strip().splitlines()[-1:]) or "no message"
        raise PumiceError(f"the bundle did not run on {target}: {message}")
    manifest["results"] = json.loads((out.path / "results.json").read_text())
    return manifest
