"""Integer arithmetic of Lava's ``fixed_pt`` ProcessModels (lava-nc 0.10), vectorised.

Each function names the Lava code it mirrors; tests compare against Lava itself.

Lava holds ``u``, ``v``, the synaptic input ports and the channels between processes in
int32: a synapse's int64 sum is cast to int32 when it is sent, a LIF shifts its input and
adds it to ``u`` in int32, and it wraps ``u`` back into 24 bits once per step. Inside the
24-bit ranges none of this matters; beyond them (synaptic inputs of 2**18 and more, for
many steps) Lava's int32 wraps, and so do these functions (:func:`wrap_int32` at every
place Lava stores an int32), so the emulator follows Lava there too.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir.fixed_point import ALIGN_SHIFT, DECAY_SHIFT, STATE_BITS, WEIGHT_BITS

_STATE_MAX = 1 << (STATE_BITS - 1)
#: Lava's ports, channels and LIF state hold int32.
LAVA_INT_BITS = 32


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


def wrap_int32(values: np.ndarray) -> np.ndarray:
    """``values`` as Lava's int32 holds them (two's complement wrap), as int64."""
    return wrap_signed(np.asarray(values, dtype=np.int64), LAVA_INT_BITS)


def decay(state: np.ndarray, factor: int | np.ndarray) -> np.ndarray:
    """``sign(x) * (|x * factor| >> 12)``: Lava's decay, rounding toward zero."""
    product = state * factor
    return np.sign(product) * np.right_shift(np.abs(product), DECAY_SHIFT)


def _integrate(decayed_u, decayed_v, a_in, bias, vth):
    """The rest of ``AbstractPyLifModelFixed.subthr_dynamics`` and the spike and reset, in
    Lava's int32: input ``<< 6`` added to the decayed ``u``, one 24-bit wrap of ``u``, ``v``
    saturated at 24 bits, spike where ``v > vth << 6``."""
    current = wrap_int32(decayed_u + wrap_int32(np.left_shift(a_in, ALIGN_SHIFT)))
    wrapped = np.where(current > _STATE_MAX, current - 2 * _STATE_MAX, current)
    current = np.where(wrapped <= -_STATE_MAX, current + 2 * _STATE_MAX, wrapped)
    voltage = wrap_int32(decayed_v + current + bias)
    voltage = np.clip(voltage, -_STATE_MAX + 1, _STATE_MAX - 1)
    spikes = voltage > (vth << ALIGN_SHIFT)
    return current, np.where(spikes, 0, voltage), spikes


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

    ``a_in`` is the int32 the LIF's port received; ``bias`` is the effective bias
    (``bias_mant`` shifted by ``bias_exp``).
    """
    decayed_u = decay(u, (1 << DECAY_SHIFT) - (du + 1))
    return _integrate(decayed_u, decay(v, (1 << DECAY_SHIFT) - dv), a_in, bias, vth)


def shift_leak(state: np.ndarray, shift: np.ndarray, no_leak: int) -> np.ndarray:
    """``state - (state >> shift)`` with an arithmetic shift; ``no_leak`` keeps the state."""
    leak = np.right_shift(state, np.minimum(shift, no_leak - 1))
    return state - np.where(shift >= no_leak, 0, leak)


def shift_lif_step(u, v, a_in, shift_u, shift_v, bias, vth, no_leak):
    """One step of the shift-leak LIF (:class:`pumice.convert.ir.FixedShiftLIF`)."""
    decayed_u = shift_leak(u, shift_u, no_leak)
    return _integrate(decayed_u, shift_leak(v, shift_v, no_leak), a_in, bias, vth)
