"""Map a model onto a hardware profile and report its per-core traffic on real input.

The Python side of ``pumice map`` and ``pumice report``.
"""

from __future__ import annotations

import time
from pathlib import Path

from pumice.convert.hardware import load_profile
from pumice.convert.ir.windows import pad_for_lag
from pumice.convert.mapping import Mapping, map_graph
from pumice.convert.model_files import read_model
from pumice.convert.traffic import traffic_report
from pumice.errors import PumiceError
from pumice.inference import BACKENDS, CPU, emulate_on
from pumice.model_inputs import load_inputs


def map_model(model: str | Path, profile: str | Path) -> Mapping:
    """The core mapping of a model file on a profile (a name such as "loihi2", or a .toml)."""
    return map_graph(read_model(model), load_profile(profile))


def report_model(
    model: str | Path,
    profile: str | Path,
    data: str | None = None,
    *,
    root: str | None = None,
    split: str = "test",
    samples: int | None = None,
    seed: int = 0,
    backend: str = "emulator",
    progress: bool = True,
    device: str = CPU,
) -> tuple[Mapping, dict]:
    """Map the model, run ``samples`` of a dataset split on ``backend``, report the traffic.

    The run is the padded one of ``pumice run`` (T + 1 steps), the emulator's on
    ``device``; the report gains the backend and the seconds the run and the report took.
    """
    if backend not in BACKENDS:
        raise PumiceError(f"unknown backend '{backend}': choose one of {', '.join(BACKENDS)}")
    if backend == "lava" and device != CPU:
        raise PumiceError(f"--device {device} is for the emulator; Lava simulates on the CPU")
    graph = read_model(model)
    hardware = load_profile(profile)
    mapping = map_graph(graph, hardware)
    spikes, _ = load_inputs(graph, data, root=root, split=split, samples=samples, seed=seed)
    padded = pad_for_lag(spikes)
    start = time.perf_counter()
    if backend == "lava":
        from pumice.deploy.lava_run import run_on_lava

        run = run_on_lava(graph, padded, record_spikes=True, progress=progress)
    else:
        run = emulate_on(graph, padded, device, record_spikes=True, progress=progress)
    run_s = time.perf_counter() - start
    start = time.perf_counter()
    report = traffic_report(graph, mapping, {graph.input: padded, **run.spikes}, hardware)
    report_s = time.perf_counter() - start
    return mapping, {"backend": backend, "run_s": run_s, "report_s": report_s, **report}
