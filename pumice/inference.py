"""Run a model on input spikes with the emulator or Lava and measure what users ask for.

Every model runs in its own time convention (:mod:`pumice.convert.ir.windows`): a T-step
input gives what Lava gives over T steps, and pumice's own trained networks (which record
a one-step lag) what their training's forward pass gave.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from pumice.convert.emulator import emulate
from pumice.convert.ir import Graph
from pumice.convert.ir.windows import run_input, window_trains
from pumice.errors import PumiceError

#: Backends ``run`` accepts.
BACKENDS = ("emulator", "lava")
#: The emulator's own device: its compiled CPU kernels; any other is a torch device.
CPU = "cpu"


def emulate_on(graph: Graph, spikes: np.ndarray, device: str = CPU, **options):
    """:func:`pumice.convert.emulator.emulate` on ``device``: "cpu" (the compiled kernels)
    or a torch device such as "cuda" (:mod:`pumice.accelerate`)."""
    if device == CPU:
        return emulate(graph, spikes, **options)
    from pumice.accelerate.emulator import emulate_on_device

    return emulate_on_device(graph, spikes, device, **options)


@dataclasses.dataclass
class RunReport:
    """Result of one run; ``to_json()`` is what ``pumice run --json`` writes."""

    backend: str
    accuracy: float
    samples: int
    steps: int
    #: Hidden layer name -> spikes per neuron over the window, averaged over samples.
    spikes_per_neuron: dict[str, float]
    wall_s: float
    #: Steps by which the run lags the model's own counting (0 for Lava's convention).
    lag_steps: int = 0
    #: Where the samples came from ("digits test split, all 359 samples").
    data: str | None = None
    #: The T the model records from its training (None: it records none).
    model_steps: int | None = None
    predictions: np.ndarray = dataclasses.field(default=None, repr=False)
    #: Neuron layer name -> each sample's spike count per neuron over the window.
    counts: dict[str, np.ndarray] = dataclasses.field(default_factory=dict, repr=False)
    #: With ``record_spikes``: neuron layer name -> trains (samples, *shape, T) on the
    #: input's step axis.
    trains: dict[str, np.ndarray] | None = dataclasses.field(default=None, repr=False)

    def to_json(self) -> dict:
        """The report as plain JSON types."""
        data = dataclasses.asdict(self)
        for key in ("predictions", "counts", "trains"):
            data.pop(key)
        return data


def check_backend(graph: Graph, backend: str, device: str = CPU) -> None:
    """Raise :class:`PumiceError` unless ``backend`` exists and can run ``graph`` on
    ``device``."""
    if backend not in BACKENDS:
        raise PumiceError(f"unknown backend '{backend}': choose one of {', '.join(BACKENDS)}")
    if backend == "lava" and device != CPU:
        raise PumiceError(f"--device {device} is for the emulator; Lava simulates on the CPU")
    if backend == "lava" and graph.domain() != "fixed":
        raise PumiceError(
            "the Lava backend runs fixed-point graphs only: convert the model first "
            "(pumice convert MODEL --out FIXED.pumice)"
        )


def run_graph(
    graph: Graph,
    spikes: np.ndarray,
    labels: np.ndarray,
    backend: str,
    progress: bool = True,
    *,
    record_spikes: bool = False,
    device: str = CPU,
) -> RunReport:
    """Run ``spikes`` (samples, *input shape, T) on ``backend`` and score against ``labels``;
    the emulator runs on ``device`` (see :func:`emulate_on`)."""
    check_backend(graph, backend, device)
    steps = spikes.shape[-1]
    padded, windows = run_input(graph, spikes)
    start = time.perf_counter()
    if backend == "lava":
        from pumice.deploy.lava_run import run_on_lava

        result = run_on_lava(
            graph, padded, windows=windows, record_spikes=record_spikes, progress=progress
        )
    else:
        result = emulate_on(
            graph,
            padded,
            device,
            windows=windows,
            record_spikes=record_spikes,
            progress=progress,
        )
    wall = time.perf_counter() - start
    predictions = result.predictions(graph.output)
    return RunReport(
        backend=backend,
        accuracy=float((predictions == labels).mean()),
        samples=len(labels),
        steps=steps,
        spikes_per_neuron=result.spikes_per_neuron(graph.hidden_neurons()),
        wall_s=wall,
        lag_steps=padded.shape[-1] - steps,
        predictions=predictions,
        counts=result.counts,
        trains=window_trains(result.spikes, windows) if record_spikes else None,
    )


def spike_file_arrays(report: RunReport, graph: Graph, labels: np.ndarray) -> dict[str, np.ndarray]:
    """What ``pumice run --spikes`` writes: every neuron layer's trains by name, ``output``
    (the output layer's), ``labels`` and ``predictions``."""
    if report.trains is None:
        raise PumiceError("the run recorded no spike trains: run it with record_spikes=True")
    reserved = {"output", "labels", "predictions"} & set(report.trains)
    if reserved:
        raise PumiceError(
            f"layer '{sorted(reserved)[0]}' has a name --spikes uses for its own arrays"
        )
    return {
        **report.trains,
        "output": report.trains[graph.output],
        "labels": labels,
        "predictions": report.predictions,
    }
