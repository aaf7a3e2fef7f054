"""BPSR's loss terms (the BPSR paper), each summed over the batch.

Per sample the loss is ``CE(softmax(k * sum_t s_out(t))) + lambda_s * sum over hidden
layers ||sum_t s(t)||^2 + lambda_w * sum |w|``; summed over a batch of ``B`` samples the
weight term counts ``B`` times, so every term keeps its per-sample weight.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def classification_loss(output: torch.Tensor, labels: torch.Tensor, scale: float) -> torch.Tensor:
    """Cross-entropy of softmax(``scale`` * output spike counts), summed over the batch.

    ``output`` holds the output layer's spikes (batch, classes, steps).
    """
    return torch.nn.functional.cross_entropy(scale * output.sum(-1), labels, reduction="sum")


def spike_l2(hidden_counts: Iterable[torch.Tensor]) -> torch.Tensor:
    """Sum over hidden layers, samples and neurons of the squared spike count.

    Each tensor holds one layer's spike counts over the window, (batch, *neurons).
    """
    return sum((counts.square().sum() for counts in hidden_counts), torch.tensor(0.0))


def weight_l1(weights: Iterable[torch.Tensor]) -> torch.Tensor:
    """Sum of ``|w|`` over every given weight tensor."""
    return sum((weight.abs().sum() for weight in weights), torch.tensor(0.0))
