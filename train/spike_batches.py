"""Mini-batches of input spikes: rate-encoded on the fly, or read from spike data sets."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from pumice.data import Dataset, rate_encode
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
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (spikes float (batch, *input_shape, steps), labels int64 (batch,)) on ``device``.

    Intensities are rate-encoded batch by batch with ``rng`` (which also shuffles), so
    the same generator state gives the same spikes. Spike data sets are used as they are.
    """
    if dataset.is_spikes and dataset.num_steps != steps:
        raise DataError(
            f"dataset '{dataset.name}' holds spikes with {dataset.num_steps} time steps but "
            f"[data] steps = {steps}: set steps to {dataset.num_steps}"
        )
    order = rng.permutation(len(dataset)) if shuffle else np.arange(len(dataset))
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        x = dataset.x[index]
        spikes = x if dataset.is_spikes else rate_encode(x, steps, rng, max_rate)
        yield (
            torch.from_numpy(spikes).to(device=device, dtype=torch.float32),
            torch.from_numpy(dataset.y[index]).to(device),
        )
