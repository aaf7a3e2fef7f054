"""Lava's integer arithmetic on torch int64 tensors, and exact integer products.

The functions mirror :mod:`pumice.convert.lava_arithmetic`. Products of 0/1 spikes and
integer weights run in float32 where every partial sum stays below 2**24 (then exact in
any summation order, on any device), else in float64 (exact below 2**53); TF32 is never
used.
"""

from __future__ import annotations

import numpy as np
import torch

from pumice.convert.ir.fixed_point import ALIGN_SHIFT, DECAY_SHIFT, STATE_BITS
from pumice.convert.tensor_ops import FLOAT32_EXACT, FLOAT64_EXACT
from pumice.errors import ModelError

_STATE_MAX = 1 << (STATE_BITS - 1)


def wrap(values: torch.Tensor, bits: int) -> torch.Tensor:
    """Two's-complement wrap of int64 ``values`` to ``bits`` bits."""
    base = 1 << bits
    return torch.remainder(values + base // 2, base) - base // 2


def arithmetic_shift(values: torch.Tensor, exponent: int) -> torch.Tensor:
    """``values << exponent``, or an arithmetic right shift for a negative exponent."""
    return values << exponent if exponent > 0 else values >> -exponent


def product_dtype(weight: np.ndarray) -> torch.dtype:
    """The float type in which a product of 0/1 spikes with integer ``weight`` (rows =
    outputs) is exact."""
    bound = float(np.abs(weight).reshape(len(weight), -1).sum(axis=1).max(initial=0.0))
    if bound < FLOAT32_EXACT:
        return torch.float32
    if bound < FLOAT64_EXACT:
        return torch.float64
    raise ModelError(f"a synaptic sum of up to {bound:.0f} cannot be computed exactly in float64")


def to_integers(values: torch.Tensor) -> torch.Tensor:
    """Exact float sums back to int64."""
    return torch.round(values).to(torch.int64)


def decay(state: torch.Tensor, factor: int) -> torch.Tensor:
    """``sign(x) * (|x * factor| >> 12)`` (Lava's decay, toward zero)."""
    product = state * factor
    return torch.sign(product) * (torch.abs(product) >> DECAY_SHIFT)


def shift_leak(state: torch.Tensor, shift: torch.Tensor, no_leak: int) -> torch.Tensor:
    """``state - (state >> shift)``; a shift of ``no_leak`` or more keeps the state."""
    leak = state >> torch.clamp(shift, max=no_leak - 1)
    return state - torch.where(shift >= no_leak, torch.zeros_like(leak), leak)


def integrate(decayed_u, decayed_v, a_in, bias, vth):
    """Lava's int32 LIF after the decays (see ``lava_arithmetic._integrate``)."""
    current = wrap(decayed_u + wrap(a_in << ALIGN_SHIFT, 32), 32)
    wrapped = torch.where(current > _STATE_MAX, current - 2 * _STATE_MAX, current)
    current = torch.where(wrapped <= -_STATE_MAX, current + 2 * _STATE_MAX, wrapped)
    voltage = torch.clamp(wrap(decayed_v + current + bias, 32), -_STATE_MAX + 1, _STATE_MAX - 1)
    spikes = voltage > (vth << ALIGN_SHIFT)
    return current, torch.where(spikes, torch.zeros_like(voltage), voltage), spikes
