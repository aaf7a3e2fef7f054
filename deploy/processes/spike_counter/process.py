"""A Lava sink that counts spikes per neuron and per sample over a window of each sample.

Reading a Var back from Lava's simulator moves it one element at a time, so reading full
spike trains dominates a run; counts are ``steps`` times smaller.
"""

from __future__ import annotations

from lava.magma.core.process.ports.ports import InPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var


class SpikeCounter(AbstractProcess):
    """Counts of spikes in steps ``[start, stop)`` of every ``steps``-long sample."""

    def __init__(
        self, *, shape: tuple[int, ...], samples: int, steps: int, start: int, stop: int
    ) -> None:
        super().__init__(shape=shape, steps=steps, start=start, stop=stop)
        self.a_in = InPort(shape=shape)
        self.counts = Var(shape=(*shape, samples), init=0)
