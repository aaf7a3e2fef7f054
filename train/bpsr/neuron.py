"""Heterogeneous LIF neuron (BPSR: backpropagation with sparsity regularization): a learned
leak and bias per neuron.

Per step ``t``, with synaptic input ``I(t)`` and optional recurrent weights ``W_rec``,
the shared LIF (:mod:`pumice.train.lif`) with a Gaussian surrogate::

    u(t) = tau * u(t-1) * (1 - s(t-1)) + (I(t) + W_rec s(t-1)) + b
    s(t) = u(t) >= threshold

``tau`` is a parameter kept in [0, 1] by clamping it after every optimiser step
(:meth:`HeterogeneousLIF.clamp_`), not by a squashing function, so the exported leak is
the trained value itself. The reset gate ``1 - s(t-1)`` is detached: the backward pass
ignores it, as in the paper.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from pumice.train.lif import LIFParameters, run_lif


class HeterogeneousLIF(torch.nn.Module):
    """LIF neurons whose ``tau`` and ``b`` have ``param_shape`` (broadcast over the neurons)."""

    def __init__(
        self, param_shape: Sequence[int], threshold: float, tau_init: float, surrogate_width: float
    ) -> None:
        super().__init__()
        self.threshold = threshold
        self.surrogate_width = surrogate_width
        #: Whether the backward pass ignores the reset gate (the paper's choice).
        self.detach_reset = True
        #: Leak factor per neuron (or per channel), in [0, 1].
        self.tau = torch.nn.Parameter(torch.full(tuple(param_shape), float(tau_init)))
        #: Bias current added every step.
        self.bias = torch.nn.Parameter(torch.zeros(tuple(param_shape)))

    def lif_parameters(self) -> LIFParameters:
        """The neurons' current leak, bias and settings as :class:`LIFParameters`."""
        return LIFParameters(
            decay=self.tau,
            threshold=self.threshold,
            surrogate="gaussian",
            surrogate_parameter=self.surrogate_width,
            bias=self.bias,
            detach_reset=self.detach_reset,
        )

    def forward(
        self, current: torch.Tensor, recurrent_weight: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Spikes (batch, *neurons, steps) for synaptic input ``current`` of the same shape.

        ``recurrent_weight`` (n, n) adds ``W_rec s(t-1)`` over the flattened neurons.
        """
        return run_lif(current, self.lif_parameters(), recurrent_weight)

    @torch.no_grad()
    def clamp_(self) -> None:
        """Project ``tau`` onto [0, 1] and ``b`` onto [-threshold, threshold] (paper, Alg. 1)."""
        self.tau.clamp_(0.0, 1.0)
        self.bias.clamp_(-self.threshold, self.threshold)
