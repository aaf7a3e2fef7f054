"""``[ttfs]``: the TTFS family's temporal kernel and the paper's three training methods."""

from __future__ import annotations

from dataclasses import dataclass

from pumice.toml_dataclass import check


@dataclass(frozen=True)
class TtfsConfig:
    """Settings of a TTFS network trained through its surrogate DNN (Park et al., "Training
    Energy-Efficient Deep Spiking Neural Networks with Time-to-First-Spike Coding");
    their presence selects the family. Defaults are the paper's initial values.
    """

    #: Time window T_w of every layer, in steps (the paper: 32, a 5-bit spike time).
    window: int = 32
    #: Initial time constant tau of every layer's kernel (learned per layer).
    tau_init: float = 10.0
    #: Initial delay t_d of every layer's kernel (learned per layer); with tau the largest
    #: value a spike carries is x_max = exp(t_d / tau) (1 at the paper's values).
    t_d_init: float = 0.0
    #: Smallest tau kept after each optimiser step (the kernel needs tau > 0).
    tau_min: float = 1.0
    #: Small constant eps_0 in the encoder t = round(t_d - tau ln(z + eps_0)).
    eps0: float = 1e-12
    #: Stochastic relaxation (SR): per layer and batch, plain ReLU instead of the TTFS
    #: encoder/decoder with probability max(0, 1 - epoch / relaxation_epochs).
    stochastic_relaxation: bool = False
    #: Target epoch E_target of SR, after which no layer is relaxed.
    relaxation_epochs: float = 5.0
    #: Weight lambda_TR of the initial-value kernel regulariser (TR; 0: off):
    #: sum over layers of (tau - tau_init)**2 + (t_d - t_d_init)**2.
    lambda_tr: float = 0.0
    #: Weight lambda_TB of temporal-kernel-aware batch norm (TB; 0: off): the summed
    #: probability, over BN channels, that the BN output N(beta, gamma**2) lies above x_min.
    lambda_tb: float = 0.0
    #: Train through ``torch.compile`` (about a minute to compile, once per run; then
    #: epochs about 2.5x faster on the CPU: the encoder/decoder's elementwise steps fuse).
    #: Evaluation stays eager.
    compile: bool = False

    def __post_init__(self) -> None:
        check(self.window >= 2, "window", f"must be >= 2 (T_w), got {self.window}")
        check(self.tau_init > 0, "tau_init", f"must be > 0 (tau), got {self.tau_init}")
        check(self.tau_min > 0, "tau_min", f"must be > 0, got {self.tau_min}")
        check(
            self.tau_min <= self.tau_init,
            "tau_min",
            f"must be <= tau_init ({self.tau_init}), got {self.tau_min}",
        )
        check(self.eps0 > 0, "eps0", f"must be > 0, got {self.eps0}")
        check(
            self.relaxation_epochs > 0,
            "relaxation_epochs",
            f"must be > 0, got {self.relaxation_epochs}",
        )
        check(self.lambda_tr >= 0, "lambda_tr", f"must be >= 0, got {self.lambda_tr}")
        check(self.lambda_tb >= 0, "lambda_tb", f"must be >= 0, got {self.lambda_tb}")
