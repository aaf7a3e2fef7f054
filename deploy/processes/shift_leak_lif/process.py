"""A Lava process for the shift-leak LIF (IR ``FixedShiftLIF``).

Lava's stock LIF multiplies by ``4096 - decay``; this neuron leaks by an arithmetic right
shift per neuron (``v - (v >> m)``), as chips without multipliers do. It holds every Var of
Lava's LIF, so its model reuses Lava's fixed-point LIF template; the template's multiplier
decays ``du`` and ``dv`` stay 0. With a ``reset_interval`` it zeroes ``u`` and ``v`` every
that many steps, as Lava's ``LIFReset`` does (same ``reset_offset`` convention).
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.variable import Var
from lava.proc.lif.process import AbstractLIF


class ShiftLeakLIF(AbstractLIF):
    """CUBA LIF with per-neuron shift leaks; a shift of ``no_leak`` or more means no leak.

    ``reset_interval`` > 0: ``u = v = 0`` before the step whose time step (from 1) modulo
    ``reset_interval`` is ``reset_offset``; 0 never resets.
    """

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
        reset_interval: int = 0,
        reset_offset: int = 0,
    ) -> None:
        super().__init__(
            shape=shape,
            u=0,
            v=0,
            du=0,
            dv=0,
            bias_mant=_per_neuron(bias_mant, shape),
            bias_exp=bias_exp,
            name=None,
            log_config=None,
            no_leak=no_leak,
            reset_interval=reset_interval,
            reset_offset=reset_offset,
        )
        self.vth = Var(shape=(1,), init=vth)
        self.shift_u = Var(shape=shape, init=_per_neuron(shift_u, shape))
        self.shift_v = Var(shape=shape, init=_per_neuron(shift_v, shape))


def _per_neuron(values: np.ndarray | int, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(values, shape).copy()
