"""The ``fixed_pt`` ProcessModel of :class:`IsiPayload`.

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

from pumice.deploy.processes.isi_ages import step_ages
from pumice.deploy.processes.isi_payload.process import IsiPayload


@implements(proc=IsiPayload, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyIsiPayloadModelFixed(PyLoihiProcessModel):
    """Per neuron an age counter (saturating one past the table) and a table row per line."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    age: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    table: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def run_spk(self) -> None:
        lines = self.proc_params["lines"]
        longest = self.table.shape[1]
        spiked = self.a_in.recv() != 0
        age = step_ages(self, spiked, longest)
        sending = spiked & (age <= longest)
        payload = np.zeros((age.size, lines), dtype=np.int32)
        rows = self.table.reshape(age.size, lines, longest)
        neurons = np.flatnonzero(sending)
        payload[neurons] = rows[neurons, :, age[neurons] - 1]
        self.s_out.send(payload.reshape(-1))
