"""When each layer of a TTFS chain integrates and fires, and its kernel's tables.

The input's graded spikes all arrive at step 0. Lava delivers a synapse's output one
step later (:data:`~pumice.convert.ir.windows.LAG`), so each layer starts integrating one
step after its source's fire window begins and integrates for that window's length; a
TTFS layer then fires in the window after it (``delay = integration``), a max-pooling
relay in the same window (``delay = 0``), and a readout's answer is ready at the end of
its integration.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir.ttfs import check_window
from pumice.convert.ir.windows import LAG
from pumice.errors import ModelError


def kernel_values(times: np.ndarray, tau: float, t_d: float) -> np.ndarray:
    """``eps(t) = exp(-(t - t_d) / tau)`` at ``times`` (float64)."""
    return np.exp(-(np.asarray(times, dtype=np.float64) - t_d) / tau)


def kernel_tables(tau: float, t_d: float, window: int) -> dict[str, np.ndarray]:
    """A TTFS neuron's tables for kernel ``(tau, t_d)``: ``payload[k] = eps(k)`` and
    ``threshold[k] = eps(k + 1/2)``, ``k = 0 .. window - 1``.

    A potential ``z`` first reaches ``eps(k + 1/2)`` at ``k = round(t_d - tau ln z)``:
    the spike time of Park et al.'s surrogate encoder, whose decoded value is ``eps(k)``.
    """
    check_window("TTFS kernel", window)
    if not tau > 0:
        raise ModelError(f"a temporal kernel needs tau > 0, got tau = {tau}")
    steps = np.arange(window)
    return {
        "threshold": kernel_values(steps + 0.5, tau, t_d),
        "payload": kernel_values(steps, tau, t_d),
    }


def relay_tables(payload: np.ndarray) -> dict[str, np.ndarray]:
    """A max-pooling relay's tables: its source's payloads, and a threshold of half the
    smallest one, which any arriving spike reaches."""
    payload = np.asarray(payload)
    return {"threshold": np.full(payload.shape, 0.5 * payload.min()), "payload": payload}


class Schedule:
    """The fire window of the layer that feeds the next one: its first step and length."""

    def __init__(self) -> None:
        #: The input's spikes: all at step 0.
        self.first, self.length = 0, 1

    def integrate_then_fire(self, window: int) -> dict[str, int]:
        """Timing fields of a TTFS layer with ``window``-step tables fed by the last one."""
        start = self.first + LAG
        timing = {"start": start, "integration": self.length, "delay": self.length}
        self.first, self.length = start + self.length, window
        return timing

    def relay(self) -> dict[str, int]:
        """Timing fields of a max-pooling relay: it fires as its input arrives."""
        start = self.first + LAG
        self.first = start
        return {"start": start, "integration": self.length, "delay": 0}

    def readout(self) -> dict[str, int]:
        """Timing fields of the readout: it integrates the last fire window."""
        return {"start": self.first + LAG, "integration": self.length}
