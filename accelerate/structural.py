"""Torch kernels of the structural kinds and the ISI binner."""

from __future__ import annotations

import torch

from pumice.accelerate.registry import torch_kernel
from pumice.convert.ir import Flatten, Input, ISIBinner


@torch_kernel(Input)
def _input(node: Input, x: torch.Tensor) -> torch.Tensor:
    return x


@torch_kernel(Flatten)
def _flatten(node: Flatten, x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1, x.shape[-1])


@torch_kernel(ISIBinner)
def _binner(node: ISIBinner, x: torch.Tensor) -> torch.Tensor:
    """The binned map in full (batch, C * K, ..., steps), uint8: each spike on the line of
    its ISI (see :func:`pumice.convert.intervals.intervals`)."""
    bins, steps = int(node.num_bins), x.shape[-1]
    fired = x != 0
    time = torch.arange(1, steps + 1, device=x.device)
    latest = torch.cummax(torch.where(fired, time, torch.zeros_like(time)), dim=-1).values
    before = torch.nn.functional.pad(latest[..., :-1], (1, 0))
    isi = torch.where(fired, time - before, torch.zeros_like(before))
    kept = fired & (isi <= bins)
    batch, channels, *rest = x.shape
    out = torch.zeros(batch, channels, bins, *rest, dtype=torch.uint8, device=x.device)
    line = torch.clamp(isi - 1, 0, bins - 1).unsqueeze(2)
    out.scatter_(2, line, kept.unsqueeze(2).to(torch.uint8))
    return out.reshape(batch, channels * bins, *rest)
