"""Drawing and checking the parameters of an ISI synapse: heights, means and widths."""

from __future__ import annotations

import torch

from pumice.errors import ModelError


def draw_uniform(shape: tuple[int, ...], low: float, high: float) -> torch.Tensor:
    """Values drawn uniformly from [low, high] with torch's global generator."""
    return low + (high - low) * torch.rand(shape)


def draw_heights(shape: tuple[int, ...], std: float) -> torch.Tensor:
    """Heights (or plain weights) drawn from N(0, std^2) with torch's global generator."""
    return std * torch.randn(shape)


def check_tuning(
    layer: str, height: torch.Tensor, mean: torch.Tensor, width: torch.Tensor, tuning_shape
) -> None:
    """Raise :class:`ModelError` unless mean and width fit ``tuning_shape`` and widths are > 0."""
    for name, value in (("mean", mean), ("width", width)):
        if tuple(value.shape) != tuple(tuning_shape):
            raise ModelError(
                f"{layer}: {name} has shape {tuple(value.shape)} but heights of shape "
                f"{tuple(height.shape)} need {tuple(tuning_shape)} (one per "
                f"{'kernel' if height.dim() == 4 else 'synapse'})"
            )
    for name, value in (("height", height), ("mean", mean), ("width", width)):
        if not bool(torch.isfinite(value).all()):
            raise ModelError(f"{layer}: {name} holds NaN or infinite values")
    if width.numel() and float(width.min()) <= 0:
        raise ModelError(
            f"{layer}: widths must be > 0 (Gaussian widths), got a minimum of {float(width.min())}"
        )


def chunk_size(width: int, budget: int = 1 << 22) -> int:
    """How many rows of ``width`` elements to process at once to stay near ``budget``."""
    return max(1, budget // max(1, width))
