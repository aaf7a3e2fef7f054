"""A Lava process for the shift-leak LIF (IR ``FixedShiftLIF``).

Lava's stock LIF multiplies by ``4096 - decay``; this neuron leaks by an arithmetic right
shift per neuron (``v - (v >> m)``), as chips without multipliers do.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var


class ShiftLeakLIF(AbstractProcess):
    """CUBA LIF with per-neuron shift leaks; a shift of ``no_leak`` or more means no leak."""

    def __init__(
        self,
        *,
        shape: tuple[int, ...],
        shift_u: np.ndarray,
        shift_v: np.ndarray,
        vth: int,
        bias_mant: np.ndarray,
        bias_exp: int,
        no_leak: int,
    ) -> None:
        super().__init__(shape=shape, no_leak=no_leak)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.u = Var(shape=shape, init=0)
        self.v = Var(shape=shape, init=0)
        self.shift_u = Var(shape=shape, init=np.broadcast_to(shift_u, shape).copy())
        self.shift_v = Var(shape=shape, init=np.broadcast_to(shift_v, shape).copy())
        self.vth = Var(shape=(1,), init=vth)
        self.bias_mant = Var(shape=shape, init=np.broadcast_to(bias_mant, shape).copy())
        self.bias_exp = Var(shape=(1,), init=bias_exp)
