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

import torch

from pumice.errors import ModelError


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
        """Decoded values ``eps(t)``; 0 where no spike comes in the window (``z <= 0`` too).

        The same as decoding :meth:`spike_time` (pruned past the window) under autograd,
        computed by :class:`_EncodeDecode` in a few fused steps.
        """
        return _EncodeDecode.apply(z, self.tau, self.t_d, self.window, self.eps0)

    def x_min(self) -> torch.Tensor:
        """The smallest value a spike carries, ``eps(T_w - 1)``."""
        return torch.exp(-(self.window - 1 - self.t_d) / self.tau)


class _EncodeDecode(torch.autograd.Function):
    """``x = eps(Q(ReLU(t_d - tau ln(z + eps_0))))``, pruned past the window, with the
    gradient of the straight-through estimator written out.

    With ``L = ln(z + eps_0)``, ``t = t_d - tau L`` and ``q = round(max(t, 0))`` a spike
    decodes to ``x = exp(-(q - t_d) / tau)``; where it fires, and ``dq/dt = 1``:
    ``dx/dz = x / (z + eps_0)`` where ``t > 0`` (0 where clipped), ``dx/dt_d = x / tau``
    where clipped (0 elsewhere: ``q - t_d`` then follows ``t_d``), and ``dx/dtau =
    x (q - t_d + tau L [t > 0]) / tau**2``.
    """

    @staticmethod
    def forward(ctx, z, tau, t_d, window: int, eps0: float):
        log = torch.clamp(z, min=0.0).add_(eps0).log_()
        time = (t_d - tau * log).relu_().round_()
        fires = (z > 0).logical_and_(time <= window - 1)
        x = time.neg_().add_(t_d).div_(tau).exp_().mul_(fires)
        ctx.save_for_backward(log, x, tau, t_d)
        return x

    @staticmethod
    def backward(ctx, grad):
        log, x, tau, t_d = ctx.saved_tensors
        weighted = grad * x
        time = t_d - tau * log  # the unrounded spike time
        inside = time > 0  # not clipped to t = 0
        grad_z = torch.where(inside, weighted * torch.exp(-log), 0.0)
        grad_t_d = torch.where(inside, 0.0, weighted).sum() / tau
        # where inside, q - t_d + tau L = q - t, the rounding residual; where clipped, -t_d
        lever = torch.where(inside, time.relu().round_().sub_(time), -t_d)
        grad_tau = (weighted * lever).sum() / tau**2
        return grad_z, grad_tau, grad_t_d, None, None
