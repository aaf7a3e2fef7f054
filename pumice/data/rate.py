"""Rate (Bernoulli) encoding of intensities into spike trains."""

from __future__ import annotations

import numpy as np

from pumice.data.encoder_args import check_steps
from pumice.errors import DataError


def rate_encode(
    x: np.ndarray, steps: int, rng: np.random.Generator | int, max_rate: float = 1.0
) -> np.ndarray:
    """Spikes of shape ``x.shape + (steps,)``; each step fires with probability clip(x)*max_rate."""
    steps = check_steps(steps)
    if not 0 < max_rate <= 1:
        raise DataError(f"max_rate must be in (0, 1], got {max_rate!r}")
    rng = np.random.default_rng(rng)
    rate = np.clip(np.asarray(x, dtype=np.float32), 0, 1) * np.float32(max_rate)
    draws = rng.random((*rate.shape, steps), dtype=np.float32)
    return (draws < rate[..., None]).astype(np.uint8)
