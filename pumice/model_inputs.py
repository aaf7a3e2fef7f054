"""Spikes and labels for a model: a dataset split, encoded the way the model was trained."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import Graph
from pumice.convert.ir.ttfs import graded_input_problem
from pumice.errors import PumiceError


def load_inputs(
    graph: Graph,
    data: str | None = None,
    *,
    root: str | None = None,
    split: str = "test",
    samples: int | None = None,
    seed: int = 0,
    steps: int | None = None,
    max_rate: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Spikes and labels of a dataset split, encoded as the model was trained.

    ``steps`` and ``max_rate`` default to what the model records from its training, and
    so do the encoding and the data set's own settings (samples, level_delta).
    """
    from pumice.data import LEVEL_DELTA, as_spikes, load_splits

    trained = graph.metadata.get("data", {})
    name = data or trained.get("name")
    if name is None:
        raise PumiceError("the model does not say which data it was trained on: pass --data")
    steps = steps or graph.metadata.get("steps")
    if steps is None:
        raise PumiceError("the model does not record its time steps T: pass --steps")
    if root is None and name == trained.get("name"):
        root = trained.get("root")
    splits = load_splits(
        name,
        root=root,
        val_fraction=trained.get("val_fraction", 0.1),
        seed=trained.get("seed", 0),
        steps=steps,
        samples=trained.get("samples") if name == trained.get("name") else None,
        level_delta=trained.get("level_delta", LEVEL_DELTA),
    )
    if split not in ("train", "val", "test"):
        raise PumiceError(f"unknown split '{split}': choose train, val or test")
    dataset = getattr(splits, split)
    if samples is not None:
        if samples < 1:
            raise PumiceError(f"--samples must be at least 1, got {samples}")
        dataset = dataset.subset(np.arange(min(samples, len(dataset))))
    rate = max_rate if max_rate is not None else trained.get("max_rate", 1.0)
    encoding = trained.get("encoding", "rate")
    spikes = as_spikes(dataset, steps, seed, rate, encoding, trained.get("min_intensity", 0.0))
    problem = graded_input_problem(graph, spikes)
    if problem is not None:
        raise PumiceError(f"data '{name}' cannot feed this model: {problem}")
    return spikes, dataset.y
