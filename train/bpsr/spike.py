"""BPSR's spike function: a Heaviside step forward, a Gaussian derivative backward."""

from __future__ import annotations

import math

import torch


def gaussian_surrogate(u: torch.Tensor, threshold: float, width: float) -> torch.Tensor:
    """Surrogate derivative ds/du: the normal density of std ``width`` around ``threshold``."""
    return torch.exp(-0.5 * ((u - threshold) / width) ** 2) / (width * math.sqrt(2 * math.pi))


class _GaussianSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u: torch.Tensor, threshold: float, width: float) -> torch.Tensor:
        ctx.save_for_backward(u)
        ctx.threshold, ctx.width = threshold, width
        return (u >= threshold).to(u.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (u,) = ctx.saved_tensors
        return grad * gaussian_surrogate(u, ctx.threshold, ctx.width), None, None


def spike(u: torch.Tensor, threshold: float, width: float) -> torch.Tensor:
    """1.0 where ``u >= threshold``, else 0.0; its gradient is :func:`gaussian_surrogate`."""
    return _GaussianSpike.apply(u, threshold, width)
