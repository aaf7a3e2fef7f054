"""Integer arithmetic of Lava's ``fixed_pt`` ProcessModels (lava-nc 0.10), vectorised.

Each function names the Lava code it mirrors; tests compare against Lava itself.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir.fixed_point import ALIGN_SHIFT, DECAY_SHIFT, STATE_BITS, WEIGHT_BITS

_STATE_MAX = 1 << (STATE_BITS - 1)


def arithmetic_shift(values: np.ndarray, exponent: int) -> np.ndarray:
    """``values << exponent`` for a positive exponent, else an arithmetic right shift."""
    if exponent == 0:
        return values
    if exponent > 0:
        return np.left_shift(values, exponent)
    return np.right_shift(values, -exponent)


def sign_mode(weight: np.ndarray) -> str:
    """Lava's ``determine_sign_mode``: "excitatory", "inhibitory" or "mixed"."""
    if weight.size == 0 or np.min(weight) >= 0:
        return "excitatory"
    if np.max(weight) <= 0:
        return "inhibitory"
    return "mixed"


def effective_dense_weights(weight: np.ndarray, num_weight_bits: int) -> np.ndarray:
    """The weights Lava's Dense uses: ``clip_weights`` to 8 bits, then ``truncate_weights``."""
    mode = sign_mode(weight)
    w = weight.astype(np.int64)
    if mode == "inhibitory":
        w = -w
    mixed = int(mode == "mixed")
    w = np.clip(w, -(1 << WEIGHT_BITS) * mixed, (1 << WEIGHT_BITS) - 1)
    drop = WEIGHT_BITS - num_weight_bits + mixed
    w = (w >> drop) << drop
    return -w if mode == "inhibitory" else w


def wrap_signed(values: np.ndarray, bits: int) -> np.ndarray:
    """Two's-complement wrap to ``bits`` bits (Lava conv's ``signed_clamp``)."""
    half = 1 << (bits - 1)
    if values.size == 0 or (values.min() >= -half and values.max() < half):
        return values  # already in range: nothing wraps
    base = 1 << bits
    return (values + base // 2) % base - base // 2


def decay(state: np.ndarray, factor: int | np.ndarray) -> np.ndarray:
    """``sign(x) * (|x * factor| >> 12)``: Lava's decay, rounding toward zero."""
    product = state * factor
    return np.sign(product) * np.right_shift(np.abs(product), DECAY_SHIFT)


def lif_step(
    u: np.ndarray,
    v: np.ndarray,
    a_in: np.ndarray,
    du: int,
    dv: int,
    bias: np.ndarray,
    vth: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of ``PyLifModelBitAcc``: returns the new ``u``, ``v`` and spikes.

    ``bias`` is the effective bias (``bias_mant`` shifted by ``bias_exp``).
    """
    current = decay(u, (1 << DECAY_SHIFT) - (du + 1)) + np.left_shift(a_in, ALIGN_SHIFT)
    wrapped = np.where(current > _STATE_MAX, current - 2 * _STATE_MAX, current)
    current = np.where(wrapped <= -_STATE_MAX, current + 2 * _STATE_MAX, wrapped)
    voltage = decay(v, (1 << DECAY_SHIFT) - dv) + current + bias
    voltage = np.clip(voltage, -_STATE_MAX + 1, _STATE_MAX - 1)
    spikes = voltage > (vth << ALIGN_SHIFT)
    voltage = np.where(spikes, 0, voltage)
    return current, voltage, spikes


def shift_leak(state: np.ndarray, shift: np.ndarray, no_leak: int) -> np.ndarray:
    """``state - (state >> shift)`` with an arithmetic shift; ``no_leak`` keeps the state."""
    leak = np.right_shift(state, np.minimum(shift, no_leak - 1))
    return state - np.where(shift >= no_leak, 0, leak)


def shift_lif_step(u, v, a_in, shift_u, shift_v, bias, vth, no_leak):
    """One step of the shift-leak LIF (:class:`pumice.convert.ir.FixedShiftLIF`)."""
    current = shift_leak(u, shift_u, no_leak) + np.left_shift(a_in, ALIGN_SHIFT)
    wrapped = np.where(current > _STATE_MAX, current - 2 * _STATE_MAX, current)
    current = np.where(wrapped <= -_STATE_MAX, current + 2 * _STATE_MAX, wrapped)
    voltage = shift_leak(v, shift_v, no_leak) + current + bias
    voltage = np.clip(voltage, -_STATE_MAX + 1, _STATE_MAX - 1)
    spikes = voltage > (vth << ALIGN_SHIFT)
    return current, np.where(spikes, 0, voltage), spikes
