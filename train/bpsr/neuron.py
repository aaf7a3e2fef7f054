"""Heterogeneous LIF neuron (BPSR, NOTES.md section 4): a learned leak and bias per neuron.

Per step ``t``, with synaptic input ``I(t)`` and optional recurrent weights ``W_rec``::

    u(t) = tau * u(t-1) * (1 - s(t-1)) + (I(t) + W_rec s(t-1)) + b
    s(t) = u(t) >= threshold

``tau`` is a parameter kept in [0, 1] by clamping it after every optimiser step
(:meth:`HeterogeneousLIF.clamp_`), not by a squashing function, so the exported leak is
the trained value itself. The reset gate ``1 - s(t-1)`` is detached: the backward pass
ignores it. The operations run in the order of pumice's float emulator (decay, add the
input, add the bias), so both give the same spikes.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from pumice.train.bpsr.spike import spike


def reset_gate(spikes: torch.Tensor) -> torch.Tensor:
    """1 where the neuron did not fire, 0 where it did; constant for the backward pass."""
    return 1.0 - spikes.detach()


class HeterogeneousLIF(torch.nn.Module):
    """LIF neurons whose ``tau`` and ``b`` have ``param_shape`` (broadcast over the neurons)."""

    def __init__(
        self, param_shape: Sequence[int], threshold: float, tau_init: float, surrogate_width: float
    ) -> None:
        super().__init__()
        self.threshold = threshold
        self.surrogate_width = surrogate_width
        #: Leak factor per neuron (or per channel), in [0, 1].
        self.tau = torch.nn.Parameter(torch.full(tuple(param_shape), float(tau_init)))
        #: Bias current added every step.
        self.bias = torch.nn.Parameter(torch.zeros(tuple(param_shape)))

    def forward(
        self, current: torch.Tensor, recurrent_weight: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Spikes (batch, *neurons, steps) for synaptic input ``current`` of the same shape.

        ``recurrent_weight`` (n, n) adds ``W_rec s(t-1)`` over the flattened neurons.
        """
        u = torch.zeros_like(current[..., 0])
        fired = torch.zeros_like(u)
        trains = []
        for t in range(current.shape[-1]):
            drive = current[..., t]
            if recurrent_weight is not None and t > 0:
                feedback = fired.flatten(1) @ recurrent_weight.T
                drive = drive + feedback.view_as(fired)
            u = u * reset_gate(fired) * self.tau + drive + self.bias
            fired = spike(u, self.threshold, self.surrogate_width)
            trains.append(fired)
        return torch.stack(trains, dim=-1)

    @torch.no_grad()
    def clamp_(self) -> None:
        """Project ``tau`` onto [0, 1] and ``b`` onto [-threshold, threshold] (paper, Alg. 1)."""
        self.tau.clamp_(0.0, 1.0)
        self.bias.clamp_(-self.threshold, self.threshold)
