"""Choosing the torch device a run trains on."""

from __future__ import annotations

import torch

from pumice.errors import ConfigError


def select_device(name: str) -> torch.device:
    """The device for ``[train] device`` ("cpu", "cuda" or "auto": cuda when available).

    On cuda, SLAYER's CUDA kernel is first set up for this GPU's architecture.
    """
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(
                "[train] device = 'cuda' but torch sees no CUDA device: use 'cpu' or 'auto'"
            )
        from pumice.train.cuda_arch import fix_slayer_cuda_arch

        fix_slayer_cuda_arch()
    elif name != "cpu":
        raise ConfigError(f"[train] device must be 'cpu', 'cuda' or 'auto', got {name!r}")
    return torch.device(name)
