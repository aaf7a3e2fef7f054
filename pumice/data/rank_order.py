"""Rank-order encoding (Thorpe & Gautrais 1998; BPSR paper Fig. 5B): larger values spike earlier.

Each sample's inputs are ranked against each other; only the order carries information.
An input fires once when its value is above ``min_intensity`` (zero and negative inputs
never fire with the default 0). Its rank ``r`` is the number of the sample's firing
inputs with a strictly larger value (equal values share a rank, so ties fire together),
and it fires at step ``floor(r * steps / n)``, ``n`` being the sample's number of firing
inputs. The largest value fires at step 0 and the firing inputs are spread evenly over the
``steps`` window, about ``n / steps`` of them per step. Deterministic.
"""

from __future__ import annotations

import numpy as np

from pumice.data.encoder_args import check_min_intensity, check_steps, finite_array


def rank_order_encode(x: np.ndarray, steps: int, min_intensity: float = 0.0) -> np.ndarray:
    """Spikes of shape ``x.shape + (steps,)`` for ``x`` shaped (samples, *input_shape)."""
    steps = check_steps(steps)
    min_intensity = check_min_intensity(min_intensity)
    values = finite_array(x, "x (samples, *input_shape)", min_ndim=2)
    flat = values.reshape(len(values), -1)
    fires = flat > min_intensity
    rank = _strictly_larger_count(np.where(fires, flat, -np.inf))
    firing = np.maximum(fires.sum(axis=1, keepdims=True), 1)
    step = rank * steps // firing
    spikes = fires[..., None] & (step[..., None] == np.arange(steps))
    return spikes.astype(np.uint8).reshape(*values.shape, steps)


def _strictly_larger_count(rows: np.ndarray) -> np.ndarray:
    """For every entry, how many entries of its row are strictly larger."""
    order = np.argsort(-rows, axis=1, kind="stable")
    ordered = np.take_along_axis(rows, order, axis=1)
    position = np.broadcast_to(np.arange(rows.shape[1]), rows.shape)
    starts_run = np.ones(rows.shape, dtype=bool)
    starts_run[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first_of_run = np.maximum.accumulate(np.where(starts_run, position, 0), axis=1)
    count = np.empty(rows.shape, dtype=np.int64)
    np.put_along_axis(count, order, first_of_run, axis=1)
    return count
