"""A Lava process for the ISI binner (IR ``ISIBinner``).

Each input neuron counts the steps since its last spike; a spike leaves on the output
line of its inter-spike interval, in the same step. Lava has no process that routes a
spike by its timing, which an ISI-modulated synapse needs in front of a standard one.
"""

from __future__ import annotations

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var


class IntervalBinner(AbstractProcess):
    """Spikes of ``shape`` -> ``num_bins`` lines per neuron along the last axis.

    A spike of neuron ``(..., c)`` whose interval since the previous spike (or since the
    start of the run, counting the first step as 1) is ``k <= num_bins`` leaves on
    ``(..., c * num_bins + k - 1)``; longer intervals leave on no line. ``age`` holds the
    steps since each neuron's last spike; set it to 0 to start a new sample. With a
    ``reset_interval`` the binner starts a new sample by itself at run step ``reset_step``
    (0-based) of every ``reset_interval`` steps, as if the sample had been silent until then.
    """

    def __init__(
        self, *, shape: tuple[int, ...], num_bins: int, reset_interval: int = 0, reset_step: int = 0
    ) -> None:
        super().__init__(
            shape=shape, num_bins=num_bins, reset_interval=reset_interval, reset_step=reset_step
        )
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=(*shape[:-1], shape[-1] * num_bins))
        self.age = Var(shape=shape, init=0)
