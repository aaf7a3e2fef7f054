"""The dense ISI synapse with tunings shared per presynaptic neuron: a gain per spike.

Adams et al. draw a mean and width per synapse, so a spike's effect depends on the
synapse it crosses. Here presynaptic neuron ``j`` has ``G`` tunings ``(mean[g, j],
width[g, j])``; postsynaptic neuron ``o`` belongs to group ``g(o) = o // (O / G)`` (a
contiguous block) and uses tuning ``g(o)`` of every input::

    I[b, t, o] = sum_j height[o, j] * s[b, t, j] * G(phi[b, t, j]; mean[g(o), j], width[g(o), j])

The factor ``s * G`` belongs to the presynaptic neuron alone (``G = 1``: one gain per
spike), so a chip can send it as the spike's payload and keep one weight per synapse.
The gain is computed first, ``(B, T, G, J)``, then one matmul per group: as fast as a
plain dense layer plus the ISI recurrence. The ISI gradient is gated as in
:class:`~pumice.train.imsnn.dense.IsiDense`, which this equals when every tuning of a
group is copied to its synapses.
"""

from __future__ import annotations

import torch

from pumice.errors import ModelError
from pumice.train.imsnn.gate import gate_isi_gradient
from pumice.train.imsnn.isi import isi_gaussian, isi_state
from pumice.train.imsnn.isi_range import UNCAPPED, IsiRange
from pumice.train.imsnn.isi_synapse import IsiSynapse
from pumice.train.imsnn.synapse_inputs import check_dense_spikes


class SharedTuningDense(IsiSynapse):
    """Dense ISI synapse: learned heights (out, in); fixed means and widths (groups, in)."""

    def __init__(
        self,
        height: torch.Tensor,
        mean: torch.Tensor,
        width: torch.Tensor,
        rule: str = "imsnn",
        name: str = "dense",
        isi_range: IsiRange = UNCAPPED,
    ) -> None:
        if height.dim() != 2:
            raise ModelError(f"{name}: heights must be (out, in), got shape {tuple(height.shape)}")
        groups = mean.shape[0] if mean.dim() == 2 else 0
        if groups < 1 or height.shape[0] % groups:
            raise ModelError(
                f"{name}: {groups} tuning groups do not divide the layer's {height.shape[0]} "
                f"neurons into equal blocks"
            )
        super().__init__(height, mean, width, (groups, height.shape[1]), rule, name, isi_range)

    @property
    def groups(self) -> int:
        """Tunings per presynaptic neuron."""
        return self.mean.shape[0]

    def gain(self, spikes: torch.Tensor) -> torch.Tensor:
        """Each spike's gain per tuning group, (B, T, groups, in): ``s * G(phi)`` within the cap."""
        phi = gate_isi_gradient(isi_state(spikes), self.rule)
        centre = self.isi_range.centre(phi)
        events = spikes * self.isi_range.kept(centre)
        return events[:, :, None] * isi_gaussian(centre[:, :, None], self.mean, self.width)

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        """Current (B, T, out) of input spikes (B, T, in)."""
        check_dense_spikes(self.name, spikes, self.height.shape[1])
        gain = self.gain(spikes)
        blocks = self.height.view(self.groups, -1, self.height.shape[1])
        current = torch.einsum("btgj,goj->btgo", gain, blocks)
        return current.reshape(*spikes.shape[:2], -1)
