"""Intensities to spikes with the configured encoding; spike data sets pass through checked."""

from __future__ import annotations

import numpy as np

from pumice.data.dataset import Dataset
from pumice.data.intensity import intensity_encode
from pumice.data.latency import latency_encode
from pumice.data.rank_order import rank_order_encode
from pumice.data.rate import rate_encode
from pumice.errors import DataError

#: Encodings of intensity data sets: "rate" (Bernoulli per step, random), "rank_order"
#: and "latency" (one deterministic spike per input; see their modules), "intensity"
#: (one graded spike per input at step 0, for TTFS networks).
ENCODINGS = ("rate", "rank_order", "latency", "intensity")


def encode(
    x: np.ndarray,
    steps: int,
    encoding: str = "rate",
    rng: np.random.Generator | int = 0,
    max_rate: float = 1.0,
    min_intensity: float = 0.0,
) -> np.ndarray:
    """Spikes of shape ``x.shape + (steps,)`` for intensities ``x`` (samples, *input_shape).

    ``rng`` and ``max_rate`` are used by rate encoding only, ``min_intensity`` by the
    temporal encodings only.
    """
    if encoding == "rate":
        return rate_encode(x, steps, rng, max_rate)
    if encoding == "rank_order":
        return rank_order_encode(x, steps, min_intensity)
    if encoding == "latency":
        return latency_encode(x, steps, min_intensity)
    if encoding == "intensity":
        return intensity_encode(x, steps)
    raise DataError(f"unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")


def check_spike_data(data: Dataset, steps: int) -> None:
    """Raise a DataError unless spike data set ``data`` has ``steps`` time steps."""
    if data.num_steps != steps:
        raise DataError(
            f"dataset '{data.name}' holds spikes with {data.num_steps} time steps but steps="
            f"{steps} was asked: set steps to {data.num_steps}"
        )


def as_spikes(
    data: Dataset,
    steps: int,
    seed: int,
    max_rate: float = 1.0,
    encoding: str = "rate",
    min_intensity: float = 0.0,
) -> np.ndarray:
    """The samples of ``data`` as spikes with ``steps`` time steps.

    Intensities are encoded with ``encoding`` (rate encoding seeded with ``seed``); spike
    data sets come encoded by their loader and are returned as they are.
    """
    if not data.is_spikes:
        return encode(data.x, steps, encoding, seed, max_rate, min_intensity)
    check_spike_data(data, steps)
    return data.x
