"""Rate (Bernoulli) encoding of intensities into spike trains."""

from __future__ import annotations

import numpy as np

from pumice.data.dataset import Dataset
from pumice.errors import DataError


def rate_encode(
    x: np.ndarray, steps: int, rng: np.random.Generator | int, max_rate: float = 1.0
) -> np.ndarray:
    """Spikes of shape ``x.shape + (steps,)``; each step fires with probability clip(x)*max_rate."""
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise DataError(f"steps must be an integer >= 1, got {steps!r}")
    if not 0 < max_rate <= 1:
        raise DataError(f"max_rate must be in (0, 1], got {max_rate!r}")
    rng = np.random.default_rng(rng)
    rate = np.clip(np.asarray(x, dtype=np.float32), 0, 1) * np.float32(max_rate)
    draws = rng.random((*rate.shape, steps), dtype=np.float32)
    return (draws < rate[..., None]).astype(np.uint8)


def as_spikes(data: Dataset, steps: int, seed: int, max_rate: float = 1.0) -> np.ndarray:
    """The samples of ``data`` as spikes with ``steps`` time steps, rate-encoded if needed."""
    if not data.is_spikes:
        return rate_encode(data.x, steps, seed, max_rate)
    if data.num_steps != steps:
        raise DataError(
            f"dataset '{data.name}' holds spikes with {data.num_steps} time steps but steps="
            f"{steps} was asked: set steps to {data.num_steps}"
        )
    return data.x
