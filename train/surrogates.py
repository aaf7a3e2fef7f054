"""Surrogate spike functions: a Heaviside step forward, a smooth derivative backward.

Each takes the membrane potential ``u``, the threshold and one shape parameter, returns
1.0 where ``u >= threshold`` and 0.0 elsewhere, and back-propagates the incoming
gradient times its surrogate derivative ds/du. :data:`SURROGATES` names them.

- ``"superspike"``: SuperSpike's fast sigmoid ``1 / (1 + beta |u - threshold|)^2``
  (Zenke and Ganguli; the IMSNN family, Adams et al.), parameter ``beta``;
- ``"gaussian"``: the normal density of std ``width`` around the threshold (the BPSR
  family, backpropagation with sparsity regularization), parameter ``width``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from pumice.errors import ConfigError

#: (u, threshold, shape parameter) -> spikes; their gradient is the surrogate's.
SpikeFunction = Callable[[torch.Tensor, float, float], torch.Tensor]


def gaussian_derivative(u: torch.Tensor, threshold: float, width: float) -> torch.Tensor:
    """Gaussian surrogate ds/du: the normal density of std ``width`` around ``threshold``."""
    return torch.exp(-0.5 * ((u - threshold) / width) ** 2) / (width * math.sqrt(2 * math.pi))


class _SuperSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u: torch.Tensor, threshold: float, beta: float) -> torch.Tensor:
        ctx.save_for_backward(u)
        ctx.threshold, ctx.beta = threshold, beta
        return (u >= threshold).to(u.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (u,) = ctx.saved_tensors
        return grad / (1 + ctx.beta * (u - ctx.threshold).abs()) ** 2, None, None


class _GaussianSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u: torch.Tensor, threshold: float, width: float) -> torch.Tensor:
        ctx.save_for_backward(u)
        ctx.threshold, ctx.width = threshold, width
        return (u >= threshold).to(u.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (u,) = ctx.saved_tensors
        return grad * gaussian_derivative(u, ctx.threshold, ctx.width), None, None


def superspike(u: torch.Tensor, threshold: float, beta: float) -> torch.Tensor:
    """Spikes where ``u >= threshold``; gradient ``1 / (1 + beta |u - threshold|)^2``."""
    return _SuperSpike.apply(u, threshold, beta)


def gaussian(u: torch.Tensor, threshold: float, width: float) -> torch.Tensor:
    """Spikes where ``u >= threshold``; gradient :func:`gaussian_derivative`."""
    return _GaussianSpike.apply(u, threshold, width)


#: Surrogate name -> spike function.
SURROGATES: dict[str, SpikeFunction] = {"superspike": superspike, "gaussian": gaussian}


def spike_function(name: str) -> SpikeFunction:
    """The spike function called ``name``; :class:`ConfigError` for an unknown name."""
    try:
        return SURROGATES[name]
    except KeyError:
        raise ConfigError(
            f"unknown surrogate {name!r}: choose one of {', '.join(map(repr, SURROGATES))}"
        ) from None
