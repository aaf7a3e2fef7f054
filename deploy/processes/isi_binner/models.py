"""The ``fixed_pt`` ProcessModel of :class:`IntervalBinner`.

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
from pumice.deploy.processes.isi_binner.process import IntervalBinner


@implements(proc=IntervalBinner, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyIntervalBinnerModelFixed(PyLoihiProcessModel):
    """Per neuron an age counter (saturating one past the last bin) and a one-hot line."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
    age: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def run_spk(self) -> None:
        bins = self.proc_params["num_bins"]
        width = self.proc_params["bin_width"]
        longest = bins * width
        spiked = self.a_in.recv() != 0
        age = step_ages(self, spiked, longest)
        lines = np.zeros((*age.shape, bins), dtype=np.int32)
        routed = spiked & (age <= longest)
        lines[routed, (age[routed] - 1) // width] = 1
        self.s_out.send(lines.reshape(*age.shape[:-1], -1))
