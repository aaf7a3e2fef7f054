"""``[imsnn]``: the IMSNN family's neuron, synapse and learning-rule settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pumice.toml_dataclass import check


@dataclass(frozen=True)
class ImsnnConfig:
    """Settings of an IMSNN network (Adams et al.); their presence selects the family.

    Values the paper lost are marked (lost): the defaults are pumice's choice.
    """

    #: "imsnn": ISI part of the gradient kept where dL/dISI < 0 (the paper's rule);
    #: "imsnnc": kept where dL/dISI > 0 (the paper's ablation); "snn": plain weights,
    #: no ISI synapse (the paper's baseline).
    rule: Literal["imsnn", "imsnnc", "snn"] = "imsnn"
    #: Membrane decay factor alpha of the hidden LIF neurons, per step (lost).
    decay: float = 0.9
    #: Firing threshold of the hidden LIF neurons.
    threshold: float = 1.0
    #: Sharpness beta of the SuperSpike surrogate 1 / (1 + beta |u - threshold|)^2.
    surrogate_beta: float = 10.0
    #: Decay factor of the non-spiking output neurons (1.0: pure integration).
    output_decay: float = 1.0
    #: Standard deviation of the initial heights (and of the SNN baseline's weights).
    height_std: float = 0.05
    #: Means are drawn uniformly from [mean_min, mean_max] steps (lost).
    mean_min: float = 1.0
    mean_max: float = 20.0
    #: Widths are drawn uniformly from [width_min, width_max] steps (lost).
    width_min: float = 2.0
    width_max: float = 8.0
    #: How means and widths are shared, so that the modulation can leave the synapse:
    #: "synapse": one per synapse (the paper's; one per kernel in convolutions);
    #: "presynaptic": one per presynaptic neuron, shared by all its synapses (a spike's
    #: gain depends on its neuron only: a graded spike on Loihi 2);
    #: "groups": ``groups`` per presynaptic neuron, each serving a contiguous block of
    #: the postsynaptic neurons. Dense layers only for the shared tunings.
    tuning: Literal["synapse", "presynaptic", "groups"] = "synapse"
    #: Tunings per presynaptic neuron with tuning "groups"; it divides every ISI layer's
    #: neurons.
    groups: int = 4
    #: ISI range cap: a spike whose ISI exceeds it adds nothing, as on a chip whose
    #: binner or payload table ends there (0: no cap).
    max_isi: int = 0
    #: ISI bins over [1, max_isi], of equal width: every ISI of a bin gets the Gaussian
    #: at the bin's centre, so a binner with this many lines per input deploys it
    #: exactly (0: one bin per ISI value). Needs max_isi, a multiple of it.
    isi_bins: int = 0
    #: False: the first layer (fed by the input) has plain synapses; only synapses fed by
    #: hidden layers, whose ISIs the rule trains, are ISI-modulated.
    input_isi: bool = True

    def __post_init__(self) -> None:
        check(0.0 <= self.decay <= 1.0, "decay", f"must be in [0, 1], got {self.decay}")
        check(
            0.0 <= self.output_decay <= 1.0,
            "output_decay",
            f"must be in [0, 1], got {self.output_decay}",
        )
        check(self.threshold > 0, "threshold", f"must be > 0, got {self.threshold}")
        check(self.surrogate_beta > 0, "surrogate_beta", f"must be > 0, got {self.surrogate_beta}")
        check(self.height_std > 0, "height_std", f"must be > 0, got {self.height_std}")
        check(
            self.width_min > 0,
            "width_min",
            f"must be > 0 (widths are Gaussian widths), got {self.width_min}",
        )
        check(
            self.width_min <= self.width_max,
            "width_max",
            f"must be >= width_min ({self.width_min}), got {self.width_max}",
        )
        check(
            self.mean_min <= self.mean_max,
            "mean_max",
            f"must be >= mean_min ({self.mean_min}), got {self.mean_max}",
        )
        check(self.groups >= 1, "groups", f"must be >= 1, got {self.groups}")
        check(self.max_isi >= 0, "max_isi", f"must be >= 0 (0: no cap), got {self.max_isi}")
        check(self.isi_bins >= 0, "isi_bins", f"must be >= 0 (0: one per ISI), got {self.isi_bins}")
        check(
            self.isi_bins == 0 or (self.max_isi > 0 and self.max_isi % self.isi_bins == 0),
            "isi_bins",
            f"needs max_isi, a multiple of it (bins of equal width); got isi_bins = "
            f"{self.isi_bins}, max_isi = {self.max_isi}",
        )

    @property
    def bin_width(self) -> int:
        """ISI steps per bin (1: one bin per ISI value)."""
        return self.max_isi // self.isi_bins if self.isi_bins else 1
