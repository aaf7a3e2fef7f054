"""The ``fixed_pt`` ProcessModel of :class:`TTFSNeuron`.

Written out here in Lava's own style, independently of pumice's emulator; the tests
compare the two bit for bit. It is not built on Lava's LIF template
(``AbstractPyLifModelFixed``): that template adds its bias every step and shifts the
synaptic input left by 6 bits, where a TTFS neuron adds its bias once and needs all 24
bits of ``v`` for sums of weights times graded payloads; of the template only the 24-bit
saturation of ``v`` would apply, and it is written here the same way.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from pumice.deploy.processes.ttfs_neuron.process import TTFSNeuron


@implements(proc=TTFSNeuron, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyTTFSNeuronModelFixed(PyLoihiProcessModel):
    """Integrate, then fire once against the threshold table, sending graded payloads."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=8)
    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    fired: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    step: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    threshold: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    payload: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    #: ``v`` saturates at +-(2**23 - 1), like Lava's LIF voltage.
    v_limit = (1 << 23) - 1

    def run_spk(self) -> None:
        a_in = self.a_in.recv()
        start = self.proc_params["start"]
        first = start + self.proc_params["delay"]
        step = int(self.step[0])
        if start <= step < start + self.proc_params["integration"]:
            if step == start:
                self.v[:] = self.bias
            self.u[:] = a_in
            total = self.v.astype(np.int64) + a_in
            self.v[:] = np.clip(total, -self.v_limit, self.v_limit)
        else:
            self.u[:] = 0
        out = np.zeros(self.v.shape, dtype=np.int32)
        if first <= step < first + self.proc_params["window"]:
            k = step - first
            fire = (self.fired == 0) & (self.v >= self.threshold[k])
            out[fire] = self.payload[k]
            self.fired[fire] = 1
            self.v[fire] = 0
        self.step[:] = step + 1
        self.s_out.send(out)
