"""A Lava process for the ISI payload router (IR ``FixedISIPayload``): graded spikes.

Each input neuron counts the steps since its last spike; a spike leaves, in the same
step, on the neuron's ``lines`` output lines, each carrying its table's payload at the
spike's inter-spike interval (Loihi 2's graded spikes; a ``Dense`` with
``num_message_bits > 0`` multiplies it into its weights). Lava has no process that
computes a payload from a spike's timing.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var


class IsiPayload(AbstractProcess):
    """Spikes of ``shape`` (N,) -> ``lines`` graded lines per neuron, (N * lines,).

    A spike of neuron ``j`` whose interval since its previous spike (or since the start
    of the run, counting the first step as 1) is ``k <= table.shape[1]`` sends
    ``table[j * lines + g, k - 1]`` on line ``j * lines + g``; longer intervals send 0.
    ``age`` holds the steps since each neuron's last spike; set it to 0 to start a new
    sample. With a ``reset_interval`` it starts a new sample by itself at run step
    ``reset_step`` (0-based) of every ``reset_interval`` steps, as the ISI binner does.
    """

    def __init__(
        self,
        *,
        shape: tuple[int],
        lines: int,
        table: np.ndarray,
        reset_interval: int = 0,
        reset_step: int = 0,
    ) -> None:
        super().__init__(
            shape=shape, lines=lines, reset_interval=reset_interval, reset_step=reset_step
        )
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=(shape[0] * lines,))
        self.age = Var(shape=shape, init=0)
        self.table = Var(shape=table.shape, init=table)
