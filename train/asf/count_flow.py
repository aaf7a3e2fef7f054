"""The step of the backward pass through a layer's neurons: counts forward, S^n backward.

Forward it returns the spike counts the simulation produced; backward it passes
``dL/dFO * S^n`` to the total input FI, Wu et al.'s approximation dFO/dFI ~ S^n (the
authors' code does the same with a straight-through sum). With a mask, only the
neurons it keeps pass a gradient.
"""

from __future__ import annotations

import torch


class _CountFlow(torch.autograd.Function):
    @staticmethod
    def forward(ctx, total_input: torch.Tensor, counts: torch.Tensor, gain: torch.Tensor):
        ctx.save_for_backward(gain)
        return counts.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (gain,) = ctx.saved_tensors
        return grad * gain, None, None


def count_flow(total_input: torch.Tensor, counts: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
    """``counts`` (no graph) with the gradient ``gain`` (S^n, or S^n times a 0/1 mask,
    broadcast to ``total_input``) back to ``total_input`` (in the graph)."""
    return _CountFlow.apply(total_input, counts.detach(), gain.detach())
