"""Intensity encoding: each input sends its intensity once, as a graded spike at step 0.

An input of intensity ``x`` (clipped to [0, 1]) becomes the 8-bit payload
``round(x * 255)`` at step 0 and nothing after it (a zero payload sends nothing): Loihi 2's
graded spikes carry it. TTFS networks take this and encode it as a spike time in their
first layer. Deterministic; an 8-bit image keeps its exact pixel values.
"""

from __future__ import annotations

import numpy as np

from pumice.data.encoder_args import check_steps, finite_array

#: Largest payload: intensities are sent with 8 bits.
INTENSITY_LEVELS = 255


def intensity_encode(x: np.ndarray, steps: int) -> np.ndarray:
    """Payloads of shape ``x.shape + (steps,)``: ``round(x * 255)`` at step 0, then zeros."""
    steps = check_steps(steps)
    values = np.clip(finite_array(x, "x"), 0.0, 1.0)
    frames = np.zeros((*values.shape, steps), dtype=np.uint8)
    frames[..., 0] = np.round(values * INTENSITY_LEVELS).astype(np.uint8)
    return frames
