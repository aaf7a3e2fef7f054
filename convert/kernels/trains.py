"""Spike trains as the kernels pass them: uint8, one value per neuron and step.

A value ``k > 0`` is a spike on line ``k - 1`` of the neuron's ``bins`` lines: an ISI
binner's output (:class:`pumice.convert.ir.ISIBinner`) is held as the ISI of each spike
(dropped spikes are 0), never as its ``bins``-fold map. Plain spikes are the one-line case.
A neuron ``j = c * plane + p`` of a map (channel ``c``, position ``p`` in its plane)
spiking on line ``k`` is line ``(c * bins + k) * plane + p`` of the binned map (IR order).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.intervals import Binned


def is_binary(spikes: np.ndarray) -> bool:
    """True when every value of ``spikes`` is 0 or 1 (what the kernels take as spikes)."""
    if spikes.dtype == np.bool_ or spikes.size == 0:
        return True
    if spikes.dtype.kind == "u":
        return bool(spikes.max() <= 1)
    return bool(spikes.min() >= 0 and spikes.max() <= 1)


@dataclasses.dataclass(frozen=True)
class Trains:
    """A batch of spike trains: ``data`` is (batch, steps, neurons) when ``time_major``,
    else (batch, neurons, steps) (the IR's layout, flattened)."""

    data: np.ndarray
    time_major: bool
    #: Shape of one step of the trains as the next node sees it (the binned map's).
    shape: tuple[int, ...]
    bins: int = 1
    #: Positions per channel of a binned map (1 for a vector).
    plane: int = 1

    @classmethod
    def from_ir(cls, spikes: np.ndarray) -> Trains:
        """Trains of 0/1 IR spikes (batch, *shape, steps)."""
        batch, steps = spikes.shape[0], spikes.shape[-1]
        data = np.ascontiguousarray(spikes.reshape(batch, -1, steps))
        data = data.view(np.uint8) if data.itemsize == 1 else data.astype(np.uint8)
        return cls(data, False, tuple(spikes.shape[1:-1]))

    @classmethod
    def from_intervals(cls, intervals: np.ndarray, bins: int) -> Trains:
        """Trains of a binner's output held as ISIs (batch, *input shape, steps)."""
        batch, steps = intervals.shape[0], intervals.shape[-1]
        kept = np.where(intervals <= bins, intervals, 0).astype(np.uint8)
        shape = (intervals.shape[1] * bins, *intervals.shape[2:-1])
        plane = int(np.prod(intervals.shape[2:-1]))
        return cls(kept.reshape(batch, -1, steps), False, shape, bins, plane)

    @property
    def steps(self) -> int:
        return self.data.shape[1 if self.time_major else 2]

    def ir(self) -> np.ndarray | Binned:
        """The trains in the numpy semantics' form: IR spikes (batch, *shape, steps), or a
        binner's output as :class:`~pumice.convert.intervals.Binned`."""
        data = self.data if not self.time_major else self.data.transpose(0, 2, 1)
        batch, steps = data.shape[0], data.shape[2]
        if self.bins == 1:
            return np.ascontiguousarray(data).reshape(batch, *self.shape, steps)
        channels = self.shape[0] // self.bins
        intervals = np.ascontiguousarray(data).reshape(batch, channels, *self.shape[1:], steps)
        return Binned(intervals.astype(np.int32), self.bins)


@dataclasses.dataclass(frozen=True)
class Current:
    """Synaptic input as the kernels pass it: what each neuron receives at each step
    (after Lava's one-step buffer), int32 (batch, steps, neurons), or int16 where the
    synapse's weights cannot send more."""

    data: np.ndarray
    #: Shape of the neurons it feeds.
    shape: tuple[int, ...]

    @classmethod
    def from_ir(cls, current: np.ndarray) -> Current:
        """The IR's synaptic input (batch, *shape, steps), delay applied, as int32."""
        batch, steps = current.shape[0], current.shape[-1]
        data = current.reshape(batch, -1, steps).transpose(0, 2, 1).astype(np.int32)
        return cls(np.ascontiguousarray(data), tuple(current.shape[1:-1]))

    def ir(self) -> np.ndarray:
        """The IR's form: (batch, *shape, steps), int64."""
        batch, steps = self.data.shape[:2]
        ir = self.data.transpose(0, 2, 1).astype(np.int64)
        return ir.reshape(batch, *self.shape, steps)
