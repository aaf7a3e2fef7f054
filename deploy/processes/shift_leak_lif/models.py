"""The ``fixed_pt`` ProcessModel of :class:`ShiftLeakLIF`.

Written out here in Lava's own style, independently of pumice's emulator; the tests
compare the two bit for bit.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from pumice.deploy.processes.shift_leak_lif.process import ShiftLeakLIF


@implements(proc=ShiftLeakLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyShiftLeakLIFModelFixed(PyLoihiProcessModel):
    """Fixed-point model: 24-bit u (wrapping) and v (saturating), 6-bit MSB alignment."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    shift_u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=5)
    shift_v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=5)
    vth: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=17)
    bias_mant: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=13)
    bias_exp: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=3)

    def _leak(self, state: np.ndarray, shift: np.ndarray) -> np.ndarray:
        no_leak = self.proc_params["no_leak"]
        leaked = state - (state >> np.minimum(shift, no_leak - 1))
        return np.where(shift >= no_leak, state, leaked)

    def run_spk(self) -> None:
        half = np.int64(1 << 23)
        a_in = self.a_in.recv().astype(np.int64)
        u = self._leak(self.u.astype(np.int64), self.shift_u) + (a_in << 6)
        u = np.where(u > half, u - 2 * half, np.where(u <= -half, u + 2 * half, u))
        exp = int(self.bias_exp[0])
        bias = self.bias_mant.astype(np.int64)
        bias = bias << exp if exp >= 0 else bias >> -exp
        v = self._leak(self.v.astype(np.int64), self.shift_v) + u + bias
        v = np.clip(v, -half + 1, half - 1)
        spikes = v > (np.int64(self.vth[0]) << 6)
        self.u[:] = u
        self.v[:] = np.where(spikes, 0, v)
        self.s_out.send(spikes)
