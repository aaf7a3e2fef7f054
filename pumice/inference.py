"""Run a model on a dataset split with the emulator or Lava and measure what users ask for."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from pumice.convert.emulator import emulate
from pumice.convert.ir import Graph
from pumice.convert.ir.windows import layer_windows, pad_for_lag
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
    predictions: np.ndarray = dataclasses.field(repr=False)
    #: Neuron layer name -> each sample's spike count per neuron over the window.
    counts: dict[str, np.ndarray] = dataclasses.field(default_factory=dict, repr=False)

    def to_json(self) -> dict:
        """The report as plain JSON types."""
        data = dataclasses.asdict(self)
        data.pop("predictions")
        data.pop("counts")
        return data


def run_graph(
    graph: Graph,
    spikes: np.ndarray,
    labels: np.ndarray,
    backend: str,
    progress: bool = True,
    device: str = CPU,
) -> RunReport:
    """Run ``spikes`` (samples, *input shape, T) on ``backend`` and score against ``labels``;
    the emulator runs on ``device`` (see :func:`emulate_on`)."""
    if backend not in BACKENDS:
        raise PumiceError(f"unknown backend '{backend}': choose one of {', '.join(BACKENDS)}")
    if backend == "lava" and device != CPU:
        raise PumiceError(f"--device {device} is for the emulator; Lava simulates on the CPU")
    steps = spikes.shape[-1]
    padded = pad_for_lag(spikes)
    windows = layer_windows(graph, steps)
    start = time.perf_counter()
    if backend == "lava":
        from pumice.deploy.lava_run import run_on_lava

        result = run_on_lava(graph, padded, windows=windows, progress=progress)
    else:
        result = emulate_on(graph, padded, device, windows=windows, progress=progress)
    wall = time.perf_counter() - start
    predictions = result.predictions(graph.output)
    return RunReport(
        backend=backend,
        accuracy=float((predictions == labels).mean()),
        samples=len(labels),
        steps=steps,
        spikes_per_neuron=result.spikes_per_neuron(graph.hidden_neurons()),
        wall_s=wall,
        predictions=predictions,
        counts=result.counts,
    )
