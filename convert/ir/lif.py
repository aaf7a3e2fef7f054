"""Spiking neuron kinds: current-based LIF, float and fixed point, with their recurrent forms.

Float values are in threshold units (SLAYER's convention); fixed-point values are the
integers of Lava's ``fixed_pt`` formats (:mod:`pumice.convert.ir.fixed_point`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import field_checks as check
from pumice.convert.ir.fixed_point import (
    NUM_WEIGHT_BITS_RANGE,
    SHIFT_RANGE,
    VTH_RANGE,
    WEIGHT_EXP_RANGE,
)
from pumice.convert.ir.node import Node, check_fraction, register
from pumice.errors import ModelError


def _check_recurrent(kind: str, shape: tuple[int, ...], weight) -> None:
    """Raise :class:`ModelError` unless ``weight`` is an (n, n) array for ``n`` neurons."""
    n = int(np.prod(shape))
    if not isinstance(weight, np.ndarray):
        raise ModelError(f"{kind} needs a recurrent_weight array of shape ({n}, {n})")
    if weight.shape != (n, n):
        raise ModelError(
            f"{kind}: recurrent_weight has shape {weight.shape}; a layer of {n} neurons "
            f"needs ({n}, {n})"
        )


@register(
    role="neuron",
    domain="float",
    spiking=True,
    threshold=True,
    leak="multiply",
    formats=frozenset({"netx", "onnx", "nir"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class CubaLIF(Node):
    """Float current-based LIF (SLAYER CUBA): decays are fractions lost per step.

    ``u = u * (1 - current_decay) + a``; ``v = v * (1 - voltage_decay) + u + bias``;
    spike where ``v >= threshold``, then ``v = 0``.
    """

    shape: tuple[int, ...]
    threshold: float
    #: A fraction in [0, 1], or one per neuron (an array broadcast over ``shape``).
    current_decay: float | np.ndarray
    voltage_decay: float | np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        for field in ("current_decay", "voltage_decay"):
            check_fraction(type(self).__name__, field, getattr(self, field), self.shape)

    def field_problem(self) -> str | None:
        return check.first(
            check.positive_shape("shape", self.shape),
            check.at_least("threshold", self.threshold, 0),
            check.fits_neurons("bias", self.bias, self.shape),
        )


@register(
    role="neuron",
    domain="fixed",
    spiking=True,
    threshold=True,
    leak="multiply",
    formats=frozenset({"netx", "onnx"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class FixedCubaLIF(Node):
    """Lava ``LIF`` (fixed_pt, Loihi-2 bit-accurate) parameters.

    ``du``/``dv`` are 12-bit (Lava adds 1 to ``du``), ``vth`` is compared after a
    6-bit left shift, bias is ``bias_mant << bias_exp``.
    """

    shape: tuple[int, ...]
    du: int
    dv: int
    vth: int
    bias_mant: np.ndarray
    bias_exp: int = 0

    def field_problem(self) -> str | None:
        return check.first(
            check.positive_shape("shape", self.shape),
            check.decays(self),
            check.integers_in("vth", self.vth, VTH_RANGE),
            check.fixed_bias(self),
        )


@register(
    role="neuron",
    domain="fixed",
    spiking=True,
    threshold=True,
    leak="shift",
    formats=frozenset({"onnx"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class FixedShiftLIF(Node):
    """CUBA LIF whose leaks are right shifts, per neuron (no multiplier needed).

    ``u = u - (u >> shift_u) + (a << 6)`` (wrapped to 24 bits like Lava's LIF);
    ``v = v - (v >> shift_v) + u + bias`` (saturated at 24 bits); spike where
    ``v > vth << 6``, then ``v = 0``. ``>>`` is arithmetic (floor); a shift of
    :data:`~pumice.convert.ir.fixed_point.NO_LEAK` leaves the state as it is. Shifts are
    arrays broadcast over ``shape``.
    """

    shape: tuple[int, ...]
    shift_u: np.ndarray
    shift_v: np.ndarray
    vth: int
    bias_mant: np.ndarray
    bias_exp: int = 0

    def field_problem(self) -> str | None:
        return check.first(
            check.positive_shape("shape", self.shape),
            check.fits_neurons("shift_u", self.shift_u, self.shape),
            check.integers_in("shift_u", self.shift_u, SHIFT_RANGE),
            check.fits_neurons("shift_v", self.shift_v, self.shape),
            check.integers_in("shift_v", self.shift_v, SHIFT_RANGE),
            check.integers_in("vth", self.vth, VTH_RANGE),
            check.fixed_bias(self),
        )


@register(
    role="neuron",
    domain="float",
    spiking=True,
    threshold=True,
    leak="multiply",
    recurrent=True,
    formats=frozenset({"onnx", "nir"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class RecurrentCubaLIF(CubaLIF):
    """:class:`CubaLIF` with intra-layer synapses (the BPSR paper's recurrent LIF).

    ``recurrent_weight`` (n, n) adds ``recurrent_weight @ s(t-1)`` to the synaptic input
    at step ``t`` (a Lava ``Dense`` from the layer's spikes back to itself). ``sparse``
    marks zero weights as absent synapses. ``current_decay``, ``voltage_decay`` may be
    per-neuron arrays here and in :class:`CubaLIF`.
    """

    recurrent_weight: np.ndarray = None
    sparse: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_recurrent(type(self).__name__, self.shape, self.recurrent_weight)


@dataclasses.dataclass(frozen=True, eq=False)
class _FixedRecurrence:
    """Intra-layer synapses of a fixed-point LIF, lowered as a Lava ``Dense`` (or
    ``Sparse``) from the layer's spikes to its own input: ``recurrent_weight`` mantissas,
    ``recurrent_weight_exp`` and ``recurrent_num_weight_bits`` as in ``FixedDense``."""

    recurrent_weight: np.ndarray = None
    recurrent_weight_exp: int = 0
    recurrent_num_weight_bits: int = 8
    sparse: bool = False

    def __post_init__(self) -> None:
        _check_recurrent(type(self).__name__, self.shape, self.recurrent_weight)

    def field_problem(self) -> str | None:
        return check.first(
            super().field_problem(),
            check.dense_mantissas("recurrent_weight", self.recurrent_weight),
            check.integers_in("recurrent_weight_exp", self.recurrent_weight_exp, WEIGHT_EXP_RANGE),
            check.integers_in(
                "recurrent_num_weight_bits", self.recurrent_num_weight_bits, NUM_WEIGHT_BITS_RANGE
            ),
        )


@register(
    role="neuron",
    domain="fixed",
    spiking=True,
    threshold=True,
    leak="shift",
    recurrent=True,
    formats=frozenset({"onnx"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class FixedRecurrentShiftLIF(_FixedRecurrence, FixedShiftLIF):
    """:class:`FixedShiftLIF` with intra-layer synapses (see :class:`_FixedRecurrence`)."""


@register(
    role="neuron",
    domain="fixed",
    spiking=True,
    threshold=True,
    leak="multiply",
    recurrent=True,
    formats=frozenset({"onnx"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class FixedRecurrentCubaLIF(_FixedRecurrence, FixedCubaLIF):
    """:class:`FixedCubaLIF` with intra-layer synapses (see :class:`_FixedRecurrence`)."""
