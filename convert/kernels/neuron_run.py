"""What a neuron kernel is asked for and what it returns."""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.kernels.trains import Trains


@dataclasses.dataclass(frozen=True)
class Outputs:
    """What the emulator needs from a neuron layer's run."""

    #: Count spikes over run steps [start, stop).
    window: tuple[int, int]
    #: Whole spike trains (a successor reads them, or they are recorded).
    trains: bool
    #: ``u`` and ``v`` of every step.
    state: bool
    #: ``v`` at step ``window[1] - 1`` (a non-spiking layer's answer).
    potentials: bool


@dataclasses.dataclass
class NeuronRun:
    """One layer's run over a batch, in the IR's layouts (samples first, time last)."""

    counts: np.ndarray
    #: Spikes over the whole run, per sample (a non-spiking layer must have none).
    fired: np.ndarray
    #: Spike trains: the kernels' form, or IR spikes from numpy semantics (maybe graded).
    trains: Trains | np.ndarray | None = None
    potentials: np.ndarray | None = None
    u: np.ndarray | None = None
    v: np.ndarray | None = None
