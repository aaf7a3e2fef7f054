"""``[bpsr]``: the BPSR family's neuron, regulariser and rewiring settings."""

from __future__ import annotations

from dataclasses import dataclass

from pumice.train.config_checks import check


@dataclass(frozen=True)
class BpsrConfig:
    """Settings of a BPSR network (NOTES.md section 4); their presence selects the family."""

    #: Firing threshold U_th (spike where u >= U_th).
    threshold: float = 1.0
    #: Initial per-neuron leak factor tau (learned, clamped to [0, 1]).
    tau_init: float = 0.5
    #: Width alpha of the Gaussian surrogate spike derivative.
    surrogate_width: float = 0.5
    #: Scale k of the output spike counts fed to the softmax.
    readout_scale: float = 1.0
    #: Weight lambda_s of the spike L2 regulariser on hidden layers.
    lambda_spike: float = 0.0
    #: Weight lambda_w of the weight L1 regulariser.
    lambda_weight: float = 0.0

    def __post_init__(self) -> None:
        check(self.threshold > 0, "threshold", f"must be > 0, got {self.threshold}")
        check(0.0 <= self.tau_init <= 1.0, "tau_init", f"must be in [0, 1], got {self.tau_init}")
        check(
            self.surrogate_width > 0, "surrogate_width", f"must be > 0, got {self.surrogate_width}"
        )
        check(self.readout_scale > 0, "readout_scale", f"must be > 0, got {self.readout_scale}")
        check(self.lambda_spike >= 0, "lambda_spike", f"must be >= 0, got {self.lambda_spike}")
        check(self.lambda_weight >= 0, "lambda_weight", f"must be >= 0, got {self.lambda_weight}")
