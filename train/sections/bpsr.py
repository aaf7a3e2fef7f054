"""``[bpsr]``: the BPSR family's neuron, regulariser and rewiring settings."""

from __future__ import annotations

from dataclasses import dataclass

from pumice.toml_dataclass import check


@dataclass(frozen=True)
class BpsrConfig:
    """Settings of a BPSR network (the BPSR paper); their presence selects the family.

    Values the paper lost are marked (lost): the defaults are pumice's choice.
    """

    #: Firing threshold U_th (spike where u >= U_th); weights and biases are clamped to
    #: [-U_th, U_th] after every step, as in the paper.
    threshold: float = 1.0
    #: Initial per-neuron leak factor tau (learned, clamped to [0, 1] after every step).
    tau_init: float = 0.5
    #: Width alpha of the Gaussian surrogate spike derivative (std of the Gaussian; lost).
    surrogate_width: float = 0.5
    #: Initial weights are normal with std ``weight_gain * threshold / sqrt(fan_in)``
    #: (the paper's N(0, 1) scale is lost; biases start at 0, not the paper's U(0, 1)).
    weight_gain: float = 3.0
    #: Scale k of the output spike counts fed to the softmax (lost).
    readout_scale: float = 1.0
    #: Weight lambda_s of the spike L2 regulariser on hidden layers.
    lambda_spike: float = 0.0
    #: Weight lambda_w of the weight L1 regulariser.
    lambda_weight: float = 0.0
    #: Rewire the dense and recurrent synapse matrices after every step (conv kernels
    #: are shared by all positions and are not rewired).
    rewiring: bool = False
    #: Pruning threshold Theta_w on |w| (lost).
    prune_threshold: float = 0.01
    #: Constant growth threshold Theta_m on the gradient momentum |m| (lost).
    growth_threshold: float = 1.0
    #: Scale mu_m of the neuron distance in the growth threshold (lost).
    growth_distance: float = 1.0
    #: Moving-average coefficient beta_m of the gradient momentum (lost).
    growth_momentum: float = 0.9
    #: Fraction of absent synapses to steer each rewired matrix to by adapting Theta_w;
    #: None keeps Theta_w fixed (the paper's rule).
    target_sparsity: float | None = None
    #: Rate of that adaptation: Theta_w *= exp(rate * (target - sparsity)) per step.
    threshold_rate: float = 0.05
    #: Seed of the random neuron coordinates in the unit cube.
    coordinate_seed: int = 0

    def __post_init__(self) -> None:
        check(self.threshold > 0, "threshold", f"must be > 0, got {self.threshold}")
        check(0.0 <= self.tau_init <= 1.0, "tau_init", f"must be in [0, 1], got {self.tau_init}")
        check(
            self.surrogate_width > 0, "surrogate_width", f"must be > 0, got {self.surrogate_width}"
        )
        check(self.weight_gain > 0, "weight_gain", f"must be > 0, got {self.weight_gain}")
        check(self.readout_scale > 0, "readout_scale", f"must be > 0, got {self.readout_scale}")
        check(self.lambda_spike >= 0, "lambda_spike", f"must be >= 0, got {self.lambda_spike}")
        check(self.lambda_weight >= 0, "lambda_weight", f"must be >= 0, got {self.lambda_weight}")
        for key in ("prune_threshold", "growth_threshold", "growth_distance"):
            value = getattr(self, key)
            check(value >= 0, key, f"must be >= 0, got {value}")
        check(
            0.0 <= self.growth_momentum < 1.0,
            "growth_momentum",
            f"must be in [0, 1), got {self.growth_momentum}",
        )
        if self.target_sparsity is not None:
            check(
                0.0 <= self.target_sparsity < 1.0,
                "target_sparsity",
                f"must be in [0, 1), got {self.target_sparsity}",
            )
            check(
                self.prune_threshold > 0,
                "prune_threshold",
                "must be > 0 with a target_sparsity (it is adapted by multiplication), got 0",
            )
        check(self.threshold_rate > 0, "threshold_rate", f"must be > 0, got {self.threshold_rate}")
