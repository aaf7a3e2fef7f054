"""A seeded ECG-like beat set of three classes for the level-crossing task ("synthetic-ecg").

Each sample is one beat window sampled like MIT-BIH (360 Hz, 0.25 s before to 0.45 s
after the R peak), built as a sum of Gaussian waves (P, Q, R, S, T; the ECGSYN model
of McSharry et al. 2003) with a morphology per class:

- 0 normal: upright P, narrow QRS, upright T;
- 1 supraventricular premature: an early, inverted P and the previous beat's T wave still
  fading at the window's start, then a normal QRS;
- 2 ventricular: no P, a wide tall QRS and an inverted T.

Every wave's amplitude, width and position, the beat's gain, a slow baseline wander and
white noise vary per sample. The windows are level-crossing encoded like MIT-BIH's:
shape (2, steps), rows UP and DOWN. Classes alternate, so they are balanced.
"""

from __future__ import annotations

import numpy as np

from pumice.data.dataset import Dataset
from pumice.data.encoder_args import check_steps
from pumice.data.level_crossing import level_crossing_encode
from pumice.errors import DataError

CLASSES = ("normal", "supraventricular", "ventricular")
SAMPLING_HZ = 360
WINDOW_BEFORE_S = 0.25
WINDOW_AFTER_S = 0.45
#: Default number of generated beats.
DEFAULT_SAMPLES = 600
NOISE_MV = 0.01
WANDER_MV = 0.05
#: Waves per class as (amplitude mV, centre s from the R peak, width s).
WAVES = (
    ((0.15, -0.20, 0.025), (-0.10, -0.03, 0.008), (1.0, 0.0, 0.010), (-0.20, 0.03, 0.008),
     (0.30, 0.25, 0.040)),
    ((0.30, -0.30, 0.040), (-0.12, -0.11, 0.020), (-0.10, -0.03, 0.008), (1.0, 0.0, 0.010),
     (-0.20, 0.03, 0.008), (0.30, 0.25, 0.040)),
    ((1.30, 0.0, 0.035), (-0.40, 0.08, 0.030), (-0.35, 0.30, 0.060)),
)  # fmt: skip


def synthetic_ecg_signals(samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Beat windows (samples, 1, 252) in mV and their labels, the same for the same seed."""
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < len(CLASSES):
        raise DataError(
            f"synthetic-ecg samples must be an integer >= {len(CLASSES)}, got {samples!r}"
        )
    rng = np.random.default_rng(seed)
    t = np.arange(-round(WINDOW_BEFORE_S * SAMPLING_HZ), round(WINDOW_AFTER_S * SAMPLING_HZ))
    t = t / SAMPLING_HZ
    labels = np.arange(samples, dtype=np.int64) % len(CLASSES)
    signals = np.empty((samples, 1, len(t)))
    for i, label in enumerate(labels):
        beat = np.zeros_like(t)
        for amplitude, centre, width in WAVES[label]:
            a = amplitude * rng.uniform(0.85, 1.15)
            c = centre + rng.normal(0.0, 0.008)
            w = width * rng.uniform(0.85, 1.15)
            beat += a * np.exp(-0.5 * ((t - c) / w) ** 2)
        wander = WANDER_MV * np.sin(
            2 * np.pi * rng.uniform(0.1, 0.5) * t + rng.uniform(0, 2 * np.pi)
        )
        noise = rng.normal(0.0, NOISE_MV, len(t))
        signals[i, 0] = rng.uniform(0.8, 1.2) * beat + wander + noise
    return signals, labels


def load_synthetic_ecg(
    steps: int | None, level_delta: float, samples: int | None = None, seed: int = 0
) -> Dataset:
    """``samples`` generated beats (default DEFAULT_SAMPLES) as spikes (samples, 2, steps)."""
    if steps is None:
        raise DataError("synthetic-ecg needs steps, the number of time bins per beat window")
    steps = check_steps(steps)
    signals, labels = synthetic_ecg_signals(DEFAULT_SAMPLES if samples is None else samples, seed)
    spikes = level_crossing_encode(signals, level_delta, steps).reshape(len(labels), 2, steps)
    return Dataset(spikes, labels, "synthetic-ecg", len(CLASSES))
