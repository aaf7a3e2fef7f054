"""Map a model onto a hardware profile and report its per-core traffic on real input.

The Python side of ``pumice map`` and ``pumice report``.
"""

from __future__ import annotations

import time
from pathlib import Path

from pumice.atomic import atomic_write_text
from pumice.convert.hardware import load_profile
from pumice.convert.ir.windows import run_input
from pumice.convert.mapping import Mapping, map_graph
from pumice.convert.model_files import read_model
from pumice.convert.traffic import traffic_report
from pumice.inference import CPU, check_backend, emulate_on
from pumice.model_inputs import DataOptions, data_file, model_inputs
from pumice.outputs import check_outputs, file_output, json_text, staged

#: Samples ``report`` runs when not told how many.
REPORT_SAMPLES = 100


def _profile_input(profile: str | Path) -> dict[str, str | Path | None]:
    return {"the profile": profile if str(profile).endswith(".toml") else None}


def map_model(
    model: str | Path,
    profile: str | Path,
    *,
    dt: float | None = None,
    input_shape: tuple[int, ...] | None = None,
    json_path: str | Path | None = None,
) -> Mapping:
    """The core mapping of a model file on a profile (a name such as "loihi2", or a .toml);
    with ``json_path``, also written there as JSON."""
    out = file_output("--json", json_path)
    check_outputs([out], {"the model": model, **_profile_input(profile)})
    mapping = map_graph(read_model(model, dt=dt, input_shape=input_shape), load_profile(profile))
    if out is not None:
        atomic_write_text(out.path, json_text(mapping.to_json()))
    return mapping


def report_model(
    model: str | Path,
    profile: str | Path,
    data: str | None = None,
    *,
    backend: str = "emulator",
    dt: float | None = None,
    input_shape: tuple[int, ...] | None = None,
    json_path: str | Path | None = None,
    png_path: str | Path | None = None,
    progress: bool = True,
    device: str = CPU,
    **data_options,
) -> tuple[Mapping, dict]:
    """Map the model, run samples of a dataset on ``backend``, report the traffic.

    ``data_options`` are :class:`~pumice.model_inputs.DataOptions` fields (at most
    :data:`REPORT_SAMPLES` samples unless ``samples`` says otherwise). The run is the
    model's own (:func:`~pumice.convert.ir.windows.run_input`: T steps, plus one for
    pumice's trained networks), the emulator's on ``device``; the report gains the backend
    and the seconds the run and the report took. ``json_path``/``png_path`` are written
    together or not at all.
    """
    options = DataOptions(data=data, sample_limit=REPORT_SAMPLES, **data_options)
    outputs = [file_output("--json", json_path), file_output("--png", png_path)]
    check_outputs(
        outputs, {"the model": model, "--data": data_file(data), **_profile_input(profile)}
    )
    graph = read_model(model, dt=dt, input_shape=input_shape)
    check_backend(graph, backend, device)
    hardware = load_profile(profile)
    mapping = map_graph(graph, hardware)
    inputs = model_inputs(graph, options, recorded=True)
    padded, _ = run_input(graph, inputs.spikes)
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
    report = {"backend": backend, "run_s": run_s, "report_s": report_s, **report}
    _write(report, outputs)
    return mapping, report


def _write(report: dict, outputs) -> None:
    from pumice.convert.traffic import plot_report

    text = json_text(report) if outputs[0] is not None else None
    with staged(outputs) as temp:
        if text is not None:
            atomic_write_text(temp["--json"], text)
        if "--png" in temp:
            plot_report(report, temp["--png"])
