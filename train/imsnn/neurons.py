"""IMSNN neurons (Adams et al.): LIF with a SuperSpike surrogate, and the non-spiking output.

Hidden layers run the shared LIF (:mod:`pumice.train.lif`) without bias, over
(batch, T, *neurons) currents, the IMSNN synapses' layout::

    u(t) = alpha * u(t-1) * (1 - s(t-1)) + I(t)        s(t) = H(u(t) - threshold)

The reset factor ``1 - s(t-1)`` is detached: the backward pass treats the reset as a
constant (as SuperSpike does), so gradients flow only through the surrogate
``1 / (1 + beta |u - threshold|)^2``. This equals the IR's ``CubaLIF`` with
``current_decay = 1``, ``voltage_decay = 1 - alpha``: fires where ``v >= threshold``,
then ``v = 0``.

Output layer: ``u(t) = output_decay * u(t-1) + I(t)`` never fires; the logits are
``u`` at the last step (the IR's ``CubaLI`` ``v`` at the window's last step).
"""

from __future__ import annotations

import torch

from pumice.train.lif import LIFParameters, run_lif


def lif_spikes(current: torch.Tensor, decay: float, threshold: float, beta: float) -> torch.Tensor:
    """Spikes (batch, T, ...) of LIF neurons driven by ``current`` (batch, T, ...).

    The shared LIF runs time last; its spikes come back contiguous in the synapses' layout.
    """
    parameters = LIFParameters(decay, threshold, "superspike", beta)
    return run_lif(current.movedim(1, -1), parameters).movedim(-1, 1).contiguous()


def output_potential(current: torch.Tensor, decay: float) -> torch.Tensor:
    """``u`` at the last step of non-spiking neurons driven by ``current`` (batch, T, n)."""
    steps = current.shape[1]
    exponents = torch.arange(steps - 1, -1, -1, dtype=current.dtype, device=current.device)
    weights = torch.pow(torch.as_tensor(decay, dtype=current.dtype), exponents)
    return torch.einsum("btn,t->bn", current, weights)


def delay_one_step(spikes: torch.Tensor) -> torch.Tensor:
    """Spikes (batch, T, ...) shifted one step later (SLAYER's ``delay_shift``, Lava's buffer)."""
    return torch.cat([torch.zeros_like(spikes[:, :1]), spikes[:, :-1]], 1)
