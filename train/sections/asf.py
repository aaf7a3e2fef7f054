"""``[asf]``: the ASF family's neuron, readout and count-gradient settings."""

from __future__ import annotations

from dataclasses import dataclass

from pumice.toml_dataclass import check


@dataclass(frozen=True)
class AsfConfig:
    """Settings of an ASF network (Wu et al., AAAI 2021); their presence selects the family.

    Hidden neurons are Lava's CUBA LIF with the current decay at 1 (the synaptic current
    of a step is that step's input ``I(t)``), reset to 0 after a spike. Defaults marked
    (authors' code) follow the ASF-BP code of the paper's authors, not the paper.
    """

    #: Firing threshold V_th of the conv and dense neurons (spike where v >= V_th).
    threshold: float = 1.0
    #: Fraction of the membrane voltage lost per step by conv and dense neurons: 0 is the
    #: paper's IF neuron, > 0 its LIF. Rounded to Loihi's 12-bit decay (multiples of
    #: 1/4096), so the trained neuron is the deployed one.
    voltage_decay: float = 0.0
    #: Threshold of the IF neurons behind each average pooling (weight 1/k^2 per input).
    #: 0.8 fires once a window has delivered four quarter inputs (2x2 pooling), which is
    #: what the authors' 0.75 with a strict ``>`` does; a threshold on the input grid
    #: itself (0.75) would fire on ties, which float (>=) and Lava (>) break differently.
    pool_threshold: float = 0.8
    #: The output layer never fires: its accumulated potential V^N(T) is the answer and
    #: the loss is 1/2 ||Y - V^N(T) / (T V_th)||^2 (eq. 5). true is refused: ASF's
    #: gradient starts from that potential, not from output spikes.
    spiking_output: bool = False
    #: Initial weights are normal with std ``weight_scale * sqrt(2 / fan_in) * threshold``
    #: (He initialisation, as in the authors' code, in threshold units).
    weight_scale: float = 1.0
    #: Weight m of the previous batch in the layer ratio S^n = (1 - m) S_batch + m S_old;
    #: 0 is the paper (each batch's own ratio), 0.4 the authors' code.
    ratio_momentum: float = 0.0
    #: The authors' masks: the count gradient passes only neurons whose total input FI
    #: is positive, and a conv or dense layer's S^n sums only neurons with FI >= FO.
    #: False is the paper's S^n over all neurons, passed to all.
    ratio_mask: bool = False

    def __post_init__(self) -> None:
        check(self.threshold > 0, "threshold", f"must be > 0, got {self.threshold}")
        check(
            0.0 <= self.voltage_decay < 1.0,
            "voltage_decay",
            f"must be in [0, 1), got {self.voltage_decay}",
        )
        check(self.pool_threshold > 0, "pool_threshold", f"must be > 0, got {self.pool_threshold}")
        check(
            not self.spiking_output,
            "spiking_output",
            "must be false: ASF trains on the output layer's accumulated potential "
            "V^N(T) (loss 1/2 ||Y - V^N(T) / (T V_th)||^2), so its output neurons never fire",
        )
        check(self.weight_scale > 0, "weight_scale", f"must be > 0, got {self.weight_scale}")
        check(
            0.0 <= self.ratio_momentum < 1.0,
            "ratio_momentum",
            f"must be in [0, 1), got {self.ratio_momentum}",
        )
