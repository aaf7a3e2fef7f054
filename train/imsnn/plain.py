"""Plain synapses of the SNN baseline (rule "snn"): fixed weights, no ISI modulation."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from pumice.errors import ModelError
from pumice.train.imsnn.synapse_inputs import check_conv_spikes, check_dense_spikes


class PlainDense(torch.nn.Module):
    """Dense synapse ``I = weight @ s`` with learned weights (out, in)."""

    def __init__(self, weight: torch.Tensor, name: str = "dense") -> None:
        super().__init__()
        if weight.dim() != 2:
            raise ModelError(f"{name}: weights must be (out, in), got shape {tuple(weight.shape)}")
        self.name = name
        self.weight = torch.nn.Parameter(weight.clone())

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        """Current (B, T, out) of input spikes (B, T, in)."""
        check_dense_spikes(self.name, spikes, self.weight.shape[1])
        return F.linear(spikes, self.weight)


class PlainConv2d(torch.nn.Module):
    """Convolution synapse with learned weights (out, in, k, k), applied at every step."""

    def __init__(
        self, weight: torch.Tensor, stride: int = 1, padding: int = 0, name: str = "conv"
    ) -> None:
        super().__init__()
        if weight.dim() != 4:
            raise ModelError(
                f"{name}: weights must be (out, in, kh, kw), got shape {tuple(weight.shape)}"
            )
        self.name = name
        self.stride = (int(stride), int(stride))
        self.padding = (int(padding), int(padding))
        self.weight = torch.nn.Parameter(weight.clone())

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        """Current (B, T, out, H', W') of input spikes (B, T, in, H, W)."""
        check_conv_spikes(self.name, spikes, self.weight.shape, self.padding)
        batch, steps = spikes.shape[:2]
        frames = spikes.reshape(batch * steps, *spikes.shape[2:])
        current = F.conv2d(frames, self.weight, stride=self.stride, padding=self.padding)
        return current.view(batch, steps, *current.shape[1:])
