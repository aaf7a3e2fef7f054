"""A Lava process for the TTFS neuron (IR ``FixedTTFSNeuron`` and ``FixedTTFSReadout``).

Lava has no neuron whose threshold decays over a window and which fires once: Lava's
``LIF`` has a constant threshold and ``ATRLIF``'s fixed-point model restarts its threshold
after every spike. This neuron integrates its synaptic input for ``integration`` steps
from ``start``, then fires at most once in its fire window, when ``v`` reaches the
window's threshold entry, sending that step's payload as a graded spike. On Loihi 2 it is
a small microcode neuron program: a step counter, one 24-bit accumulator, a one-bit
refractory flag and two ``window``-entry tables.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var


class TTFSNeuron(AbstractProcess):
    """Neurons of ``shape`` with one threshold and payload table (``window`` entries).

    ``v = bias`` at step ``start``, then ``v += a_in`` (saturating at 24 bits) for
    ``integration`` steps; from step ``start + delay`` on, for ``window`` steps, a neuron
    that has not fired fires where ``v >= threshold[k]``: it sends ``payload[k]`` on
    ``s_out`` and ``v`` becomes 0. ``u`` holds the synaptic input integrated this step.
    ``step`` counts the steps of the current sample; ``u``, ``v``, ``fired`` and ``step``
    are set to 0 to start a new sample.
    """

    def __init__(
        self,
        *,
        shape: tuple[int, ...],
        start: int,
        integration: int,
        delay: int,
        threshold: np.ndarray,
        payload: np.ndarray,
        bias: np.ndarray,
    ) -> None:
        super().__init__(
            shape=shape, start=start, integration=integration, delay=delay, window=len(threshold)
        )
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.u = Var(shape=shape, init=0)
        self.v = Var(shape=shape, init=0)
        self.fired = Var(shape=shape, init=0)
        self.step = Var(shape=(1,), init=0)
        self.threshold = Var(shape=(len(threshold),), init=np.asarray(threshold))
        self.payload = Var(shape=(len(payload),), init=np.asarray(payload))
        self.bias = Var(shape=shape, init=np.broadcast_to(bias, shape).copy())
