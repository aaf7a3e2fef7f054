"""The ``fixed_pt`` ProcessModel of :class:`SpikeCounter`."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from pumice.deploy.processes.spike_counter.process import SpikeCounter


@implements(proc=SpikeCounter, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySpikeCounterModelFixed(PyLoihiProcessModel):
    """Adds each step's spikes to the current sample's column when the step is in the window."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    counts: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def run_spk(self) -> None:
        spikes = self.a_in.recv()
        sample, step = divmod(self.time_step - 1, self.proc_params["steps"])
        if self.proc_params["start"] <= step < self.proc_params["stop"]:
            self.counts[..., sample] += spikes != 0  # a graded spike counts once
