"""BPSR layers: a synapse (dense, optionally recurrent, or conv) feeding heterogeneous LIFs.

A block maps input spikes (batch, *in_shape, T) to spikes (batch, *out_shape, T + 1):
step 0 is a lead-in step with no synaptic input (Lava's first step, while every synapse
buffer is still empty) in which a bias alone may fire the neuron; steps 1..T are the
window. :class:`~pumice.train.bpsr.network.BpsrNetwork` sends steps 0..T-1 to the next
block (SLAYER's one-step axon delay) and counts steps 1..T.
"""

from __future__ import annotations

import math

import torch

from pumice.train.bpsr.neuron import HeterogeneousLIF
from pumice.train.sections.bpsr import BpsrConfig


def _normal_weight(shape: tuple[int, ...], fan_in: int, settings: BpsrConfig) -> torch.nn.Parameter:
    std = settings.weight_gain * settings.threshold / math.sqrt(fan_in)
    return torch.nn.Parameter(torch.randn(shape) * std)


def _lead_in(current: torch.Tensor) -> torch.Tensor:
    """Prepend one step of zero synaptic input."""
    return torch.nn.functional.pad(current, (1, 0))


class DenseBlock(torch.nn.Module):
    """Fully connected synapse (input flattened) and a layer of heterogeneous LIFs."""

    def __init__(
        self, in_features: int, out_features: int, recurrent: bool, settings: BpsrConfig
    ) -> None:
        super().__init__()
        self.weight = _normal_weight((out_features, in_features), in_features, settings)
        #: Intra-layer weights (out, out): ``W_rec[i, k]`` from neuron k to neuron i, or None.
        self.recurrent_weight = (
            _normal_weight((out_features, out_features), out_features, settings)
            if recurrent
            else None
        )
        self.neuron = HeterogeneousLIF(
            (out_features,), settings.threshold, settings.tau_init, settings.surrogate_width
        )

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        """Spikes (batch, out, T + 1) for input spikes (batch, *in_shape, T)."""
        current = torch.einsum("oi,bit->bot", self.weight, spikes.flatten(1, -2))
        return self.neuron(_lead_in(current), self.recurrent_weight)

    def synapse_weights(self) -> dict[str, torch.nn.Parameter]:
        """Name -> weight matrix of every synapse set (the rewirable ones)."""
        weights = {"weight": self.weight}
        if self.recurrent_weight is not None:
            weights["recurrent_weight"] = self.recurrent_weight
        return weights


class ConvBlock(torch.nn.Module):
    """2-D convolution synapse and heterogeneous LIFs with one ``tau`` and ``b`` per channel."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int,
        stride: int,
        padding: int,
        settings: BpsrConfig,
    ) -> None:
        super().__init__()
        fan_in = in_channels * kernel * kernel
        self.weight = _normal_weight((out_channels, in_channels, kernel, kernel), fan_in, settings)
        self.stride = stride
        self.padding = padding
        self.neuron = HeterogeneousLIF(
            (out_channels, 1, 1), settings.threshold, settings.tau_init, settings.surrogate_width
        )

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        """Spikes (batch, out, H', W', T + 1) for input spikes (batch, C, H, W, T)."""
        batch, steps = spikes.shape[0], spikes.shape[-1]
        frames = spikes.movedim(-1, 1).flatten(0, 1)
        current = torch.nn.functional.conv2d(
            frames, self.weight, stride=self.stride, padding=self.padding
        )
        current = current.unflatten(0, (batch, steps)).movedim(1, -1)
        return self.neuron(_lead_in(current))

    def synapse_weights(self) -> dict[str, torch.nn.Parameter]:
        """Name -> the convolution kernel (not rewired, but L1-regularised)."""
        return {"weight": self.weight}
