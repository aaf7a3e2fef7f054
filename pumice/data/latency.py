"""Latency (time-to-first-spike) encoding: one spike per input, brighter inputs fire earlier.

An input of intensity ``x`` (clipped to [0, 1]) fires once, at step
``t = floor((1 - x) * (steps - 1) + 0.5)``, i.e. ``(1 - x) * (steps - 1)`` rounded to the
nearest step with halves going later: ``x = 1`` fires at step 0, an ``x`` just above the
threshold near the last step. Inputs with ``x <= min_intensity`` never fire (with the
default 0, black pixels and zero features stay silent). Deterministic.
"""

from __future__ import annotations

import numpy as np

from pumice.data.encoder_args import check_min_intensity, check_steps, finite_array


def latency_encode(x: np.ndarray, steps: int, min_intensity: float = 0.0) -> np.ndarray:
    """Spikes of shape ``x.shape + (steps,)``: at most one per input, at its latency step."""
    steps = check_steps(steps)
    min_intensity = check_min_intensity(min_intensity)
    values = np.clip(finite_array(x, "x"), 0.0, 1.0)
    step = np.floor((1.0 - values) * (steps - 1) + 0.5).astype(np.int64)
    fires = values > min_intensity
    return (fires[..., None] & (step[..., None] == np.arange(steps))).astype(np.uint8)
