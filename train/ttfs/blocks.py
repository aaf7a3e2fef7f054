"""The surrogate DNN's layers: weights and batch norm, each followed by a TTFS kernel.

A TTFS layer's pre-activation ``z = BN(W x)`` (no separate bias: batch norm's ``beta``
is it) goes through its kernel's encoder/decoder (:mod:`.kernel`), or, while stochastic
relaxation picks the layer for a batch, through a plain ReLU. Max pooling takes the
largest decoded value of each window: the earliest spike. The output layer is linear
(a non-spiking layer that integrates its input).
"""

from __future__ import annotations

import torch

from pumice.train.sections.ttfs import TtfsConfig
from pumice.train.ttfs.kernel import TemporalKernel


def new_kernel(settings: TtfsConfig) -> TemporalKernel:
    """A kernel at the configured initial values."""
    return TemporalKernel(settings.window, settings.tau_init, settings.t_d_init, settings.eps0)


class TtfsLayer(torch.nn.Module):
    """Dense or conv weights, batch norm and a temporal kernel."""

    def __init__(self, synapse: torch.nn.Module, norm: torch.nn.Module, settings: TtfsConfig):
        super().__init__()
        self.synapse = synapse
        self.norm = norm
        self.kernel = new_kernel(settings)

    def forward(self, x: torch.Tensor, relaxed: bool) -> torch.Tensor:
        """Decoded spike values (or ReLU values when ``relaxed``) of input values ``x``."""
        z = self.norm(self.synapse(x))
        return torch.relu(z) if relaxed else self.kernel(z)


def dense_layer(inputs: int, features: int, settings: TtfsConfig) -> TtfsLayer:
    """A dense TTFS layer on ``inputs`` values."""
    linear = torch.nn.Linear(inputs, features, bias=False)
    return TtfsLayer(linear, torch.nn.BatchNorm1d(features), settings)


def conv_layer(
    channels: int, features: int, kernel: int, stride: int, padding: int, settings: TtfsConfig
) -> TtfsLayer:
    """A conv TTFS layer on maps of ``channels``."""
    conv = torch.nn.Conv2d(channels, features, kernel, stride, padding, bias=False)
    return TtfsLayer(conv, torch.nn.BatchNorm2d(features), settings)


class InputEncoder(torch.nn.Module):
    """The input layer: intensities in [0, 1] encoded as spike times by their own kernel."""

    def __init__(self, settings: TtfsConfig) -> None:
        super().__init__()
        self.kernel = new_kernel(settings)

    def forward(self, x: torch.Tensor, relaxed: bool) -> torch.Tensor:
        return x if relaxed else self.kernel(x)
