"""The layer ratio S^n = sum_i FO_i / sum_i FI_i that stands in for dFO/dFI (Wu et al.).

One ratio per layer, summed over the layer's neurons and the batch's samples (the paper
shares it because per-neuron ratios vary too much). With ``masked`` (the authors' code)
only neurons whose total input reaches their count are summed, FI >= FO, which leaves out
those with a negative input sum. A layer whose summed input is below 1e-3 threshold units
(no input) gets the ratio 1, as in the authors' code.
"""

from __future__ import annotations

import torch

#: Summed input below which a layer's ratio falls back to 1.
MIN_INPUT = 1e-3


def batch_ratio(spike_count: torch.Tensor, total_input: torch.Tensor, masked: bool) -> torch.Tensor:
    """S^n of one batch (a 0-d tensor): ``spike_count`` FO and ``total_input`` FI are
    (batch, *neurons)."""
    if masked:
        kept = total_input >= spike_count
        spike_count, total_input = spike_count[kept], total_input[kept]
    summed = total_input.sum()
    if summed < MIN_INPUT:
        return torch.ones((), dtype=total_input.dtype, device=total_input.device)
    return spike_count.sum() / summed
