"""Rewiring of one synapse matrix (the BPSR paper): prune by weight, grow by momentum.

After every optimiser step (:meth:`Rewiring.step`), for a weight ``W`` (out, in) and its
gradient::

    m     <- beta_m m + (1 - beta_m) grad W
    prune  = |W| < Theta_w
    grow   = |m| > Theta_m + mu_m ||c_i - c_j||      (c: neuron coordinates in the unit cube)
    mask  <- (mask and not prune) or grow
    W     <- W * mask

``grow`` is evaluated on every synapse, as in the paper's ``(Mask and not Prune) or Grow``:
a pruned synapse with a strong gradient trend comes back with the weight the optimiser
step just gave it, and a present one with a strong trend survives a small weight.

With a target sparsity, ``Theta_w`` is adapted after each step:
``Theta_w <- Theta_w * exp(rate * (target - sparsity))`` (capped at ``max_threshold``),
so pruning tightens while fewer synapses than the target are absent and relaxes once
more are. The mask, momentum, coordinates and ``Theta_w`` are buffers: checkpoints keep
them.
"""

from __future__ import annotations

import math

import torch

from pumice.train.sections.bpsr import BpsrConfig


class Rewiring(torch.nn.Module):
    """Mask and growth momentum of a weight ``W[i, j]`` from neuron ``j`` to neuron ``i``."""

    def __init__(
        self,
        pre_coordinates: torch.Tensor,
        post_coordinates: torch.Tensor,
        settings: BpsrConfig,
        max_threshold: float,
    ) -> None:
        super().__init__()
        shape = (len(post_coordinates), len(pre_coordinates))
        self.momentum_decay = settings.growth_momentum
        self.growth_threshold = settings.growth_threshold
        self.growth_distance = settings.growth_distance
        self.target_sparsity = settings.target_sparsity
        self.threshold_rate = settings.threshold_rate
        self.max_threshold = max_threshold
        self.register_buffer("mask", torch.ones(shape, dtype=torch.bool))
        self.register_buffer("momentum", torch.zeros(shape))
        self.register_buffer("pre_coordinates", pre_coordinates.clone())
        self.register_buffer("post_coordinates", post_coordinates.clone())
        self.register_buffer("prune_threshold", torch.tensor(settings.prune_threshold))

    @property
    def sparsity(self) -> float:
        """Fraction of the matrix's synapses that are absent."""
        return 1.0 - float(self.mask.float().mean())

    @torch.no_grad()
    def step(self, weight: torch.Tensor, grad: torch.Tensor | None) -> None:
        """Update the momentum with ``grad``, rewire, and zero ``weight``'s absent synapses."""
        if grad is not None:
            self.momentum.mul_(self.momentum_decay).add_(grad, alpha=1.0 - self.momentum_decay)
        distance = torch.cdist(self.post_coordinates, self.pre_coordinates)
        grow = self.momentum.abs() > self.growth_threshold + self.growth_distance * distance
        prune = weight.abs() < self.prune_threshold
        self.mask.copy_((self.mask & ~prune) | grow)
        weight.mul_(self.mask)
        if self.target_sparsity is not None:
            error = self.target_sparsity - self.sparsity
            adapted = float(self.prune_threshold) * math.exp(self.threshold_rate * error)
            self.prune_threshold.fill_(min(adapted, self.max_threshold))
