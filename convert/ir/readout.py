"""Non-spiking output kinds: a LIF without threshold or reset, read as its potential."""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import field_checks as check
from pumice.convert.ir.node import Node, check_fraction, register


@register(role="neuron", domain="float", leak="multiply", formats=frozenset({"onnx", "nir"}))
@dataclasses.dataclass(frozen=True, eq=False)
class CubaLI(Node):
    """Float non-spiking output layer: ``CubaLIF`` without threshold or reset.

    The network's answer is ``v`` at the last step of the window (largest wins, lowest
    index on ties). It must be the graph's output: it feeds nothing.
    """

    shape: tuple[int, ...]
    #: A fraction in [0, 1], or one per neuron, as in ``CubaLIF``.
    current_decay: float | np.ndarray
    voltage_decay: float | np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        for field in ("current_decay", "voltage_decay"):
            check_fraction(type(self).__name__, field, getattr(self, field), self.shape)

    def field_problem(self) -> str | None:
        return check.first(
            check.positive_shape("shape", self.shape),
            check.fits_neurons("bias", self.bias, self.shape),
        )


@register(role="neuron", domain="fixed", leak="multiply", formats=frozenset({"onnx"}))
@dataclasses.dataclass(frozen=True, eq=False)
class FixedCubaLI(Node):
    """Fixed-point non-spiking output layer: Lava ``LIF`` arithmetic with no spikes.

    Fields as ``FixedCubaLIF`` without ``vth``; ``v`` saturates at 24 bits. It runs on
    Lava as a ``LIF`` with the largest threshold Lava holds
    (:data:`~pumice.convert.ir.fixed_point.NON_SPIKING_VTH`, so ``v > 8388544`` would
    spike): the emulator and the Lava backend refuse a run in which ``v`` climbs that
    high. The answer is ``v`` at the last step of the window.
    """

    shape: tuple[int, ...]
    du: int
    dv: int
    bias_mant: np.ndarray
    bias_exp: int = 0

    def field_problem(self) -> str | None:
        return check.first(
            check.positive_shape("shape", self.shape), check.decays(self), check.fixed_bias(self)
        )
