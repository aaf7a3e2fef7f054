"""The presynaptic inter-spike interval (ISI) and the Gaussian tuning of an ISI synapse.

Spikes are (batch, T, *neurons) floats in {0, 1}; step ``n`` is 0-based and lies at time
``n + 1``. Each neuron's last-spike time starts at 0, so (the IR's convention,
:class:`pumice.convert.ir.ISIDense`):

- a first spike at step ``n`` has ISI ``n + 1``; a later one the steps since the last;
- the ISI ``phi`` is held between spikes and is 0 before the first spike.

``phi`` is computed by a recurrence written with the spikes as floats, so autograd gives
``d phi / d s``: an elapsed-time counter ``e(n) = e(n-1) (1 - s(n-1)) + 1`` (``e`` is
the ISI a spike at step ``n`` would have) and a hold
``phi(n) = s(n) e(n) + (1 - s(n)) phi(n-1)``.
"""

from __future__ import annotations

import torch


def isi_state(spikes: torch.Tensor) -> torch.Tensor:
    """The held ISI of every neuron at every step, same shape as ``spikes`` (batch, T, ...)."""
    elapsed = torch.zeros_like(spikes[:, 0])
    held = torch.zeros_like(spikes[:, 0])
    previous = torch.zeros_like(spikes[:, 0])
    phis = []
    for fired in spikes.unbind(1):
        elapsed = elapsed * (1 - previous) + 1
        held = fired * elapsed + (1 - fired) * held
        phis.append(held)
        previous = fired
    return torch.stack(phis, 1)


def isi_gaussian(phi: torch.Tensor, mean: torch.Tensor, width: torch.Tensor) -> torch.Tensor:
    """The tuning ``exp(-(phi - mean)^2 / (2 width^2))`` of Adams et al. (broadcast)."""
    return torch.exp(-0.5 * ((phi - mean) / width) ** 2)


def isi_gaussian_slope(
    phi: torch.Tensor, mean: torch.Tensor, width: torch.Tensor, gaussian: torch.Tensor
) -> torch.Tensor:
    """``d gaussian / d phi`` given the ``gaussian`` at ``phi``."""
    return gaussian * (mean - phi) / width**2
