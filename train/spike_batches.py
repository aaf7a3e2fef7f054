"""Mini-batches of input spikes: encoded on the fly, or read from spike data sets."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from pumice.data import Dataset, check_spike_data, encode
from pumice.errors import DataError


def num_batches(dataset: Dataset, batch_size: int) -> int:
    """How many batches :func:`spike_batches` yields."""
    return -(-len(dataset) // batch_size)


def spike_batches(
    dataset: Dataset,
    steps: int,
    batch_size: int,
    rng: np.random.Generator,
    max_rate: float = 1.0,
    shuffle: bool = False,
    device: torch.device | str = "cpu",
    encoding: str = "rate",
    min_intensity: float = 0.0,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (spikes float (batch, *input_shape, steps), labels int64 (batch,)) on ``device``.

    Intensities are encoded batch by batch with ``encoding`` ("rate", "rank_order" or
    "latency", see :func:`pumice.data.encode`); rate encoding draws from ``rng`` (which
    also shuffles), so the same generator state gives the same spikes. Spike data sets
    are used as they are (``encoding`` must then be "rate").
    """
    if dataset.is_spikes:
        check_spike_data(dataset, steps)
        if encoding != "rate":
            raise DataError(
                f"dataset '{dataset.name}' comes as spikes encoded by its loader, so "
                f"[data] encoding = {encoding!r} cannot apply: remove it"
            )
    order = rng.permutation(len(dataset)) if shuffle else np.arange(len(dataset))
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        x = dataset.x[index]
        if not dataset.is_spikes:
            x = encode(x, steps, encoding, rng, max_rate, min_intensity)
        yield (
            torch.from_numpy(x).to(device=device, dtype=torch.float32),
            torch.from_numpy(dataset.y[index]).to(device),
        )
