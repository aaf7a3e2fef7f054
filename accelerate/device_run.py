"""What a neuron layer's torch kernel returns: tensors on the device, IR layouts."""

from __future__ import annotations

import dataclasses

import torch


@dataclasses.dataclass
class DeviceRun:
    """One layer's run over a batch (samples first, time last)."""

    counts: torch.Tensor
    #: Spikes over the whole run, per sample.
    fired: torch.Tensor
    #: Spike trains (uint8), when a successor reads them or they are recorded.
    trains: torch.Tensor | None = None
    potentials: torch.Tensor | None = None
    u: torch.Tensor | None = None
    v: torch.Tensor | None = None
