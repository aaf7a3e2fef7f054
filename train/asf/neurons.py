"""The neurons of an ASF network: exactly the IR's float ``CubaLIF`` that Lava runs.

Each step, with the current decay at 1 (the synaptic current of a step is its input)::

    v(t) = v(t-1) * (1 - s(t-1)) * (1 - voltage_decay) + I(t)      s(t) = H(v(t) - V_th)

the paper's IF neuron at ``voltage_decay = 0``, its LIF above: it fires where
``v >= V_th``, then ``v = 0`` (Wu et al. eqs. 2-4). This is the shared LIF step
(:func:`pumice.train.lif.lif_step`, bias-free) in the same operation order, run in place
and without autograd: ASF's gradient comes from the counts, so no step needs keeping, and
updating one potential in place is about twice as fast as the shared step's new tensors
per step, the largest cost of an ASF epoch. The tests hold it to the shared step and to
the IR's float semantics spike for spike.
"""

from __future__ import annotations

import torch


@torch.no_grad()
def fire(current: torch.Tensor, threshold: float, voltage_decay: float) -> torch.Tensor:
    """Spikes (T, B, *neurons) of neurons at rest driven by ``current`` of that shape."""
    keep = 1.0 - voltage_decay
    potential = torch.zeros_like(current[0])
    spikes = torch.empty(current.shape, dtype=torch.bool, device=current.device)
    for step in range(current.shape[0]):
        if voltage_decay:
            potential.mul_(keep)
        potential.add_(current[step])
        torch.ge(potential, threshold, out=spikes[step])
        potential.masked_fill_(spikes[step], 0.0)
    return spikes.to(current.dtype)


def delay_one_step(spikes: torch.Tensor) -> torch.Tensor:
    """Spikes (T, B, ...) one step later (Lava's synaptic buffer, SLAYER's ``delay_shift``)."""
    return torch.cat([torch.zeros_like(spikes[:1]), spikes[:-1]])
