"""The error every training family raises for input of the wrong shape, and its check."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from pumice.errors import ModelError


class InputShapeError(ModelError):
    """Spikes (or currents) whose shape the network or layer was not built for."""


def check_input_spikes(spikes: torch.Tensor, input_shape: Sequence[int]) -> None:
    """Raise :class:`InputShapeError` unless ``spikes`` is (batch, *input_shape, T)."""
    if tuple(spikes.shape[1:-1]) != tuple(input_shape):
        raise InputShapeError(
            f"expected input spikes shaped (batch, {tuple(input_shape)}, T), "
            f"got {tuple(spikes.shape)}"
        )
