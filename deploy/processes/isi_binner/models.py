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
        spiked = self.a_in.recv() != 0
        interval, start = self.proc_params["reset_interval"], self.proc_params["reset_step"]
        if interval and (self.time_step - 1) % interval == start:
            self.age[:] = min(start, bins + 1)  # the ages of a sample silent until now
        # One more step since the last spike; past the last bin the exact count is not needed.
        age = np.minimum(self.age + 1, bins + 1)
        lines = np.zeros((*age.shape, bins), dtype=np.int32)
        routed = spiked & (age <= bins)
        lines[routed, age[routed] - 1] = 1
        self.age[:] = np.where(spiked, 0, age)
        self.s_out.send(lines.reshape(*age.shape[:-1], -1))
