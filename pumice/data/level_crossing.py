"""Level-crossing encoding of 1-D signals into bipolar UP/DOWN spikes (BPSR paper Fig. 6B).

Levels sit every ``delta`` (in the signal's units) around the signal's first sample, which
is the starting level. Sample by sample, an UP spike marks a sample at or above the next
level up (the current level moves up to the highest level at or below the sample) and a
DOWN spike one at or below the next level down (the level moves down to the lowest level
at or above it), so the signal must move a full ``delta`` from the current level to spike
again (hysteresis of one level). A sample that crosses several levels at once gives one
spike. The first sample never spikes.

With ``steps`` the samples are binned into ``steps`` equal time bins (sample ``i`` falls
in bin ``floor(i * steps / samples)``) and a bin spikes if any of its samples did, which
compresses a window of raw samples into the network's time steps.

The output holds channel pairs: ``[..., 0, :]`` UP and ``[..., 1, :]`` DOWN. A signal
of shape (channels, samples) becomes (channels, 2, steps); reshape it to
(2 * channels, steps) for the rows UP 0, DOWN 0, UP 1, DOWN 1, ...
"""

from __future__ import annotations

import numpy as np

from pumice.data.encoder_args import check_positive, check_steps, finite_array
from pumice.errors import DataError


def level_crossing_encode(signal: np.ndarray, delta: float, steps: int | None = None) -> np.ndarray:
    """Spikes of shape ``signal.shape[:-1] + (2, steps)`` (``steps`` defaults to one per sample)."""
    delta = check_positive(delta, "delta")
    values = finite_array(signal, "signal (..., samples)", min_ndim=1)
    samples = values.shape[-1]
    if samples < 1:
        raise DataError("signal has no samples: give it at least one along its last axis")
    steps = samples if steps is None else check_steps(steps)
    time_bin = np.arange(samples) * steps // samples
    spikes = np.zeros((*values.shape[:-1], 2, steps), dtype=np.uint8)
    origin = values[..., 0]
    level = np.zeros(values.shape[:-1])
    for i in range(1, samples):
        position = (values[..., i] - origin) / delta
        up = position >= level + 1
        down = position <= level - 1
        level = np.where(up, np.floor(position), np.where(down, np.ceil(position), level))
        spikes[..., 0, time_bin[i]] |= up
        spikes[..., 1, time_bin[i]] |= down
    return spikes
