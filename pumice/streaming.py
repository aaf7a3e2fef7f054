"""A whole data set through the emulator in the memory of one batch.

Spikes are encoded a batch at a time (:func:`pumice.data.stream.spike_batches`, the same
spikes as encoding everything at once), emulated, and reduced to what is kept: each
sample's prediction and the spikes per neuron of every layer. Nothing grows with the data
set but one integer per sample.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from tqdm.auto import tqdm

from pumice.convert.ir import Graph
from pumice.convert.ir.windows import layer_windows, model_lag, pad_for_lag
from pumice.data import Dataset
from pumice.data.stream import spike_batches
from pumice.inference import CPU, emulate_on


@dataclasses.dataclass
class StreamedRun:
    """What a streamed run keeps."""

    samples: int
    accuracy: float
    #: Neuron layer -> spikes per neuron over its window, averaged over samples.
    spikes_per_neuron: dict[str, float]
    #: Seconds spent emulating (encoding excluded).
    emulate_s: float
    wall_s: float
    predictions: np.ndarray = dataclasses.field(repr=False)


def run_dataset(
    graph: Graph,
    data: Dataset,
    steps: int,
    *,
    seed: int = 0,
    max_rate: float = 1.0,
    encoding: str = "rate",
    min_intensity: float = 0.0,
    batch_size: int = 1000,
    device: str = CPU,
    progress: bool = True,
) -> StreamedRun:
    """Every sample of ``data`` (encoded as :func:`pumice.data.as_spikes` encodes it) through
    the emulator in the model's own time convention
    (:func:`pumice.convert.ir.windows.run_input`), ``batch_size`` samples at a time."""
    lag = model_lag(graph)
    windows = layer_windows(graph, steps, lag)
    shape = graph.nodes[graph.input].shape
    predictions = np.empty(len(data), np.int64)
    totals: dict[str, float] = {}
    emulate_s, done = 0.0, 0
    start = time.perf_counter()
    batches = spike_batches(data, steps, seed, batch_size, max_rate, encoding, min_intensity)
    with tqdm(total=len(data), desc="run", unit="sample", disable=not progress) as bar:
        for spikes in batches:
            padded = pad_for_lag(spikes.reshape(len(spikes), *shape, steps), lag)
            begin = time.perf_counter()
            result = emulate_on(graph, padded, device, windows=windows)
            emulate_s += time.perf_counter() - begin
            predictions[done : done + len(spikes)] = result.predictions(graph.output)
            for name, counts in result.counts.items():
                per_neuron = counts.reshape(len(counts), -1).mean(axis=1).sum()
                totals[name] = totals.get(name, 0.0) + float(per_neuron)
            done += len(spikes)
            bar.update(len(spikes))
    return StreamedRun(
        samples=done,
        accuracy=float((predictions == data.y).mean()) if done else 0.0,
        spikes_per_neuron={name: total / max(done, 1) for name, total in totals.items()},
        emulate_s=emulate_s,
        wall_s=time.perf_counter() - start,
        predictions=predictions,
    )
