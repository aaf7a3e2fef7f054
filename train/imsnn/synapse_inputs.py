"""Checks of the spikes an IMSNN synapse (ISI or plain) receives, in (batch, T, ...) layout."""

from __future__ import annotations

import torch

from pumice.train.errors import InputShapeError


def check_dense_spikes(name: str, spikes: torch.Tensor, inputs: int) -> None:
    """Raise :class:`InputShapeError` unless ``spikes`` is (batch, T, inputs)."""
    if spikes.dim() != 3 or spikes.shape[-1] != inputs:
        raise InputShapeError(
            f"{name}: expected spikes (batch, T, {inputs}), got {tuple(spikes.shape)}"
        )


def check_conv_spikes(
    name: str, spikes: torch.Tensor, kernel_shape: torch.Size, padding: tuple[int, int]
) -> None:
    """Raise :class:`InputShapeError` unless ``spikes`` is (batch, T, in, H, W) with the
    padded H x W at least the kernel of ``kernel_shape`` (out, in, kh, kw)."""
    channels, kh, kw = kernel_shape[1:]
    if spikes.dim() != 5 or spikes.shape[2] != channels:
        raise InputShapeError(
            f"{name}: expected spikes (batch, T, {channels}, H, W), got {tuple(spikes.shape)}"
        )
    padded = [spikes.shape[3 + i] + 2 * padding[i] for i in range(2)]
    if padded[0] < kh or padded[1] < kw:
        raise InputShapeError(
            f"{name}: kernel {kh}x{kw} is larger than its padded input {padded[0]}x{padded[1]}"
        )
