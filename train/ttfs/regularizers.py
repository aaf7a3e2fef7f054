"""The two regularisers of Park et al.'s TTFS training (the paper's eqs. 8-9).

- TR, initial-value kernel regularisation: ``sum_l (tau_l - tau_l^0)**2 + (t_d,l -
  t_d,l^0)**2`` keeps each kernel near its initial values.
- TB, temporal-kernel-aware batch norm: a BN channel's output is taken as
  ``N(beta, gamma**2)``; a value below the layer's ``x_min`` never spikes, so TB raises
  ``P(z < x_min)``. The paper integrates a Taylor approximation of the Gaussian density;
  here the Gaussian CDF ``torch.special.ndtr`` is exact and differentiable. The loss term
  is the summed probability of the complement, ``sum_c P(z >= x_min)``: the expected
  number of channels' values that spike, with the same gradient. As in the paper, it
  trains ``beta`` and ``gamma`` (``x_min`` is held fixed in it).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from pumice.train.ttfs.kernel import TemporalKernel


def kernel_regularization(kernels: Iterable[TemporalKernel]) -> torch.Tensor:
    """``sum (tau - tau_init)**2 + (t_d - t_d_init)**2`` over the kernels."""
    terms = [(k.tau - k.tau_init) ** 2 + (k.t_d - k.t_d_init) ** 2 for k in kernels]
    return torch.stack(terms).sum()


def spiking_probability(norm: torch.nn.Module, kernel: TemporalKernel) -> torch.Tensor:
    """``sum_c P(N(beta_c, gamma_c**2) >= x_min)`` of one batch-norm layer."""
    x_min = kernel.x_min().detach()
    spread = norm.weight.abs().clamp(min=1e-6)
    return torch.special.ndtr((norm.bias - x_min) / spread).sum()


def kernel_aware_batch_norm(pairs: Iterable[tuple[torch.nn.Module, TemporalKernel]]):
    """TB's loss term: :func:`spiking_probability` summed over (batch norm, kernel) pairs."""
    return torch.stack([spiking_probability(norm, kernel) for norm, kernel in pairs]).sum()
