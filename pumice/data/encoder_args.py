"""Argument checks shared by the spike encoders: one DataError naming the argument and value."""

from __future__ import annotations

import math

import numpy as np

from pumice.errors import DataError


def check_steps(steps: object) -> int:
    """``steps`` as an int, or a DataError unless it is an integer >= 1."""
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise DataError(f"steps must be an integer >= 1, got {steps!r}")
    return int(steps)


def check_min_intensity(min_intensity: float) -> float:
    """``min_intensity`` as a float, or a DataError unless it is in [0, 1)."""
    if not isinstance(min_intensity, int | float) or not 0.0 <= min_intensity < 1.0:
        raise DataError(f"min_intensity must be in [0, 1), got {min_intensity!r}")
    return float(min_intensity)


def check_positive(value: float, name: str) -> float:
    """``value`` as a float, or a DataError unless it is a finite number > 0."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise DataError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def finite_array(x: object, name: str, min_ndim: int = 0) -> np.ndarray:
    """``x`` as float64; a DataError if it holds NaN/inf or has fewer than ``min_ndim`` axes."""
    array = np.asarray(x, dtype=np.float64)
    if array.ndim < min_ndim:
        raise DataError(f"{name} must have at least {min_ndim} axes, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise DataError(f"{name} holds NaN or infinite values: clean the data first")
    return array
