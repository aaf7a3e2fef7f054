"""Write a deployment bundle: everything a Loihi 2 host needs to run a converted model.

The folder holds the fixed-point graph (``model.pumice``), the exports the caller asks
for (a lava-dl ``model.net``, say, where netx can express the layers), the input spikes
of a few samples (``inputs.npz``, T steps padded by the model's lag,
:mod:`pumice.convert.ir.windows`), a
``manifest.json`` and ``run.py``, which builds the Lava process graph and runs it with
``Loihi2HwCfg`` (or ``Loihi2SimCfg`` with ``--target lava-sim``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pumice.atomic import atomic_open, atomic_write_text
from pumice.convert.ir import Graph, save_graph
from pumice.convert.ir.windows import model_lag, pad_for_lag
from pumice.errors import ModelError

#: Targets a bundle can be made for.
TARGETS = ("loihi2", "lava-sim")


def write_bundle(
    graph: Graph,
    out_dir: str | Path,
    target: str,
    spikes: np.ndarray,
    labels: np.ndarray,
    extra: dict | None = None,
    exports: dict[str, Callable[[Path], object]] | None = None,
) -> Path:
    """Write the bundle for ``graph`` and the samples ``spikes``/``labels`` into ``out_dir``.

    ``extra`` maps file names to JSON-ready documents written beside the model (the core
    mapping, say); ``exports`` maps file names to functions that write the model in
    another format there (one that raises :class:`ModelError` is left out, and the
    manifest says why). Returns the path of ``run.py``.
    """
    if target not in TARGETS:
        raise ModelError(f"unknown target '{target}': choose one of {', '.join(TARGETS)}")
    if graph.domain() != "fixed":
        raise ModelError("a bundle holds a fixed-point model: convert the model first")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_graph(graph, out / "model.pumice")
    written, unavailable = [], {}
    for file_name, export in (exports or {}).items():
        try:
            export(out / file_name)
            written.append(file_name)
        except ModelError as problem:
            unavailable[file_name] = str(problem)
    with atomic_open(out / "inputs.npz", "wb") as handle:
        np.savez_compressed(handle, spikes=pad_for_lag(spikes, model_lag(graph)), labels=labels)
    for name, document in (extra or {}).items():
        atomic_write_text(out / name, json.dumps(document, indent=2) + "\n")
    manifest = {
        "format": "pumice-bundle",
        "version": 1,
        "target": target,
        "model": "model.pumice",
        "exports": written,
        "inputs": "inputs.npz",
        "samples": int(len(labels)),
        "steps": int(spikes.shape[-1]),
        "files": sorted(["model.pumice", "inputs.npz", "run.py", *(extra or {}), *written]),
    }
    if unavailable:
        manifest["exports_unavailable"] = unavailable
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    run_script = out / "run.py"
    shutil.copyfile(Path(__file__).with_name("bundle_run.py"), run_script)
    return run_script
