"""What every ISI synapse holds: learned heights, fixed means and widths, its rule and range."""

from __future__ import annotations

import torch

from pumice.train.imsnn.isi_range import UNCAPPED, IsiRange
from pumice.train.imsnn.parameters import check_tuning


class IsiSynapse(torch.nn.Module):
    """Base of the ISI synapses: ``height`` a parameter, ``mean`` and ``width`` buffers of
    ``tuning_shape`` (checked), the ISI-gradient ``rule`` and the ISI ``isi_range``."""

    def __init__(
        self,
        height: torch.Tensor,
        mean: torch.Tensor,
        width: torch.Tensor,
        tuning_shape: tuple[int, ...],
        rule: str,
        name: str,
        isi_range: IsiRange = UNCAPPED,
    ) -> None:
        super().__init__()
        check_tuning(name, height, mean, width, tuning_shape)
        self.name = name
        self.rule = rule
        #: The ISI cap and bins the synapse is trained (and deployed) with.
        self.isi_range = isi_range
        self.height = torch.nn.Parameter(height.clone())
        self.register_buffer("mean", mean.clone())
        self.register_buffer("width", width.clone())
