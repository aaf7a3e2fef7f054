"""The ISI range a chip deploys: a cap on the ISI, and bins of equal width below it.

A spike whose ISI exceeds the cap adds nothing (a binner or payload table ends there);
below it, every ISI of bin ``b`` (ISIs ``b * w + 1 .. (b + 1) * w``) stands for the bin's
centre ``b * w + (w + 1) / 2``, so a binner with one line per bin deploys the trained
network exactly. The held ISI 0 (no spike yet) stays 0. The IR computes the same
(:meth:`pumice.convert.ir.ISIDense.modulation`).
"""

from __future__ import annotations

import dataclasses

import torch


@dataclasses.dataclass(frozen=True)
class IsiRange:
    """ISIs up to ``max_isi`` (None: no cap), in bins of ``bin_width`` steps."""

    max_isi: int | None = None
    bin_width: int = 1

    @property
    def limit(self) -> float:
        """The largest ISI that contributes (infinity without a cap)."""
        return float("inf") if self.max_isi is None else float(self.max_isi)

    def centre(self, phi: torch.Tensor) -> torch.Tensor:
        """Each held ISI replaced by its bin's centre; the gradient passes straight through.

        ISIs above the cap are left as they are (they exceed every centre, so a test
        against :attr:`limit` still finds them)."""
        if self.bin_width == 1:
            return phi
        width = self.bin_width
        centre = torch.div(phi - 1, width, rounding_mode="floor") * width + (width + 1) / 2
        binned = torch.where((phi > 0) & (phi <= self.limit), centre, phi)
        return phi + (binned - phi).detach()

    def kept(self, phi: torch.Tensor) -> torch.Tensor:
        """1.0 where the held ISI lies within the cap, else 0.0 (no gradient)."""
        return (phi.detach() <= self.limit).to(phi.dtype)


#: Every ISI, in one-step bins: the paper's synapse.
UNCAPPED = IsiRange()
