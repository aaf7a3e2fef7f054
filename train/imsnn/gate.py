"""The ISI-gradient gate: the learning rule of IMSNN and of its ablation IMSNNc.

A spike's effect on the loss has a direct part (the synapse's weight, always kept) and
an ISI part: the spike changes its neuron's ISI ``phi``, which changes every weight
that neuron drives. The gate sits on ``phi``: identity forward; backward it keeps the
gradient ``dL/dphi`` only where its sign says the update raises the ISI
(``dL/dphi < 0``: fewer spikes, rule "imsnn") or only where it lowers it
(``dL/dphi > 0``: more spikes, rule "imsnnc"), and zeroes the rest (Adams et al.).
"""

from __future__ import annotations

import torch

#: Rule -> which sign of dL/dphi the gate lets through.
_KEEP = {"imsnn": "negative", "imsnnc": "positive"}


class _IsiGradientGate(torch.autograd.Function):
    """Identity forward; backward keeps negative (``keep_negative``) or positive gradients."""

    @staticmethod
    def forward(ctx, phi: torch.Tensor, keep_negative: bool) -> torch.Tensor:
        ctx.keep_negative = keep_negative
        return phi.view_as(phi)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        kept = grad.clamp(max=0) if ctx.keep_negative else grad.clamp(min=0)
        return kept, None


def gate_isi_gradient(phi: torch.Tensor, rule: str) -> torch.Tensor:
    """``phi`` unchanged, its gradient gated by ``rule`` ("imsnn" or "imsnnc")."""
    if rule not in _KEEP:
        raise ValueError(f"the ISI gate needs rule 'imsnn' or 'imsnnc', got {rule!r}")
    if not phi.requires_grad:
        return phi
    return _IsiGradientGate.apply(phi, _KEEP[rule] == "negative")
