"""A data set's spikes a batch at a time, exactly the spikes :func:`as_spikes` makes at
once: a data set of any size is encoded in the memory of one batch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from pumice.data.dataset import Dataset
from pumice.data.encode import check_spike_data, encode
from pumice.data.rate import rate_encode


def spike_batches(
    data: Dataset,
    steps: int,
    seed: int,
    batch_size: int,
    max_rate: float = 1.0,
    encoding: str = "rate",
    min_intensity: float = 0.0,
) -> Iterator[np.ndarray]:
    """``as_spikes(data, ...)`` in consecutive batches of ``batch_size`` samples.

    Rate encoding draws from one generator across batches, in the order a single call
    draws, so the batches put together equal the single call's spikes.
    """
    if data.is_spikes:
        check_spike_data(data, steps)
    rng = np.random.default_rng(seed)
    for start in range(0, len(data), batch_size):
        x = data.x[start : start + batch_size]
        if data.is_spikes:
            yield x
        elif encoding == "rate":
            yield rate_encode(x, steps, rng, max_rate)
        else:
            yield encode(x, steps, encoding, seed, max_rate, min_intensity)
