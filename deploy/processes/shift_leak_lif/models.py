"""The ``fixed_pt`` ProcessModel of :class:`ShiftLeakLIF`: Lava's fixed-point LIF, shift leaks.

Lava's ``AbstractPyLifModelFixed`` does the LIF arithmetic: synaptic input ``<< 6``, the
24-bit wrap of ``u``, ``bias_mant << bias_exp``, the saturation of ``v``, the reset. Its
multiplier decays are the identity here (``du = dv = 0`` and no Loihi 1 current-decay
offset), so the model leaks ``u`` and ``v`` by shifts first and lets the template do the
rest. The leak is written independently of pumice's emulator; tests compare the two.

Like Lava's LIF, the template computes in int32 and wraps ``u`` once per step; the
emulator does the same (:mod:`pumice.convert.lava_arithmetic`), beyond 24 bits included.
A reset zeroes ``u`` and ``v`` before the step's dynamics, as Lava's ``LIFReset`` does.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.lif.models import AbstractPyLifModelFixed, PyLifModelBitAcc

from pumice.deploy.processes.shift_leak_lif.process import ShiftLeakLIF


@implements(proc=ShiftLeakLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyShiftLeakLIFModelFixed(AbstractPyLifModelFixed):
    """Lava's fixed-point LIF whose leaks are ``x - (x >> shift)``, per neuron."""

    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    vth: int = LavaPyType(int, np.int32, precision=17)
    shift_u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=5)
    shift_v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=5)

    # Lava's bit-accurate LIF threshold: spike where v > vth << 6. (That class implements
    # Lava's LIF process, so it cannot be subclassed for another one; its methods are reused.)
    scale_threshold = PyLifModelBitAcc.scale_threshold
    spiking_activation = PyLifModelBitAcc.spiking_activation

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self.ds_offset = 0  # with du = 0: the template's current decay keeps u as it is
        self.no_leak = int(proc_params["no_leak"])
        self.reset_interval = int(proc_params.get("reset_interval", 0))
        self.reset_offset = int(proc_params.get("reset_offset", 0))

    def subthr_dynamics(self, activation_in: np.ndarray) -> None:
        """Shift leaks of ``u`` and ``v``, then the template's input, bias, wrap and saturation."""
        interval = self.reset_interval
        if interval and self.time_step % interval == self.reset_offset % interval:
            self.u[:] = 0
            self.v[:] = 0
        self.u[:] = self._shift_leak(self.u, self.shift_u)
        self.v[:] = self._shift_leak(self.v, self.shift_v)
        super().subthr_dynamics(activation_in)

    def _shift_leak(self, state: np.ndarray, shift: np.ndarray) -> np.ndarray:
        """``state - (state >> shift)``, arithmetic; a shift of ``no_leak`` or more keeps it."""
        leaks = shift < self.no_leak
        lost = np.right_shift(state, np.where(leaks, shift, 0))
        return np.where(leaks, state - lost, state)
