"""A layer's temporal kernel and the TTFS encoder/decoder of the surrogate DNN.

Park et al., "Training Energy-Efficient Deep Spiking Neural Networks with
Time-to-First-Spike Coding" (eqs. 3-5): a layer's kernel is ``eps(t) = exp(-(t - t_d) /
tau)`` over its window of ``T_w`` steps, with ``tau`` and ``t_d`` learned. The surrogate
encodes a pre-activation ``z`` as the spike time ``t = Q(ReLU(t_d - tau ln(z + eps_0)))``
(``Q`` rounds, with a straight-through gradient) and decodes it as ``x = eps(t)``. A
spike time past the window (``x`` below ``x_min = eps(T_w - 1)``) is pruned to 0, one
before the window start is clipped to ``t = 0`` (``x_max = eps(0)``).
"""

from __future__ import annotations

import numpy as np
import torch

from pumice.errors import ModelError


def kernel_values(times: np.ndarray, tau: float, t_d: float) -> np.ndarray:
    """``exp(-(t - t_d) / tau)`` at ``times`` (float64)."""
    return np.exp(-(np.asarray(times, dtype=np.float64) - t_d) / tau)


class TemporalKernel(torch.nn.Module):
    """Learned ``tau`` and ``t_d`` of one layer, over a window of ``window`` steps."""

    def __init__(self, window: int, tau: float, t_d: float, eps0: float) -> None:
        super().__init__()
        if window < 2:
            raise ModelError(f"a TTFS window needs at least 2 steps (T_w >= 2), got {window}")
        if tau <= 0:
            raise ModelError(f"a temporal kernel needs tau > 0, got {tau}")
        self.window = window
        self.eps0 = eps0
        self.tau = torch.nn.Parameter(torch.tensor(float(tau)))
        self.t_d = torch.nn.Parameter(torch.tensor(float(t_d)))
        #: The initial values, which the kernel regulariser (TR) pulls toward.
        self.register_buffer("tau_init", torch.tensor(float(tau)))
        self.register_buffer("t_d_init", torch.tensor(float(t_d)))

    def spike_time(self, z: torch.Tensor) -> torch.Tensor:
        """``Q(ReLU(t_d - tau ln(z + eps_0)))``: rounded forward, straight through backward."""
        time = torch.relu(self.t_d - self.tau * torch.log(torch.clamp(z, min=0.0) + self.eps0))
        return time + (torch.round(time) - time).detach()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Decoded values ``eps(t)``; 0 where no spike comes in the window (``z <= 0`` too)."""
        time = self.spike_time(z)
        fires = (z > 0) & (time <= self.window - 1)
        decoded = torch.exp(-(time.clamp(max=self.window) - self.t_d) / self.tau)
        return torch.where(fires, decoded, torch.zeros_like(decoded))

    def x_min(self) -> torch.Tensor:
        """The smallest value a spike carries, ``eps(T_w - 1)``."""
        return torch.exp(-(self.window - 1 - self.t_d) / self.tau)

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """The deployed neuron's tables: payloads ``eps(k)`` and thresholds ``eps(k + 1/2)``
        for ``k = 0 .. T_w - 1`` (a potential ``z`` reaches ``eps(k + 1/2)`` first at
        ``k = round(t_d - tau ln z)``, the encoder's spike time)."""
        tau, t_d = float(self.tau.detach()), float(self.t_d.detach())
        if not tau > 0:
            raise ModelError(f"a temporal kernel needs tau > 0, got tau = {tau} after training")
        steps = np.arange(self.window)
        return kernel_values(steps, tau, t_d), kernel_values(steps + 0.5, tau, t_d)
