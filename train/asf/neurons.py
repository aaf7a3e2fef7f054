"""The neurons of an ASF network: exactly the IR's float ``CubaLIF`` that Lava runs.

Each step, with the current decay at 1 (the synaptic current of a step is its input)::

    v(t) = v(t-1) * (1 - s(t-1)) * (1 - voltage_decay) + I(t)      s(t) = H(v(t) - V_th)

that is the shared LIF step (:func:`pumice.train.lif.lif_step`) with ``decay = 1 -
voltage_decay``: the paper's IF neuron at ``voltage_decay = 0``, its LIF above; fires
where ``v >= V_th``, then ``v = 0`` (Wu et al. eqs. 2-4). It runs without autograd: ASF's
gradient comes from the counts, not from this loop.
"""

from __future__ import annotations

import torch

from pumice.train.lif import LIFParameters, initial_state, lif_step

#: The shared step's spike function; its surrogate gradient is never used here.
_SPIKE = "superspike"


@torch.no_grad()
def fire(current: torch.Tensor, threshold: float, voltage_decay: float) -> torch.Tensor:
    """Spikes (T, B, *neurons) of neurons at rest driven by ``current`` of that shape."""
    parameters = LIFParameters(1.0 - voltage_decay, threshold, _SPIKE, 1.0)
    state = initial_state(current[0])
    spikes = torch.empty_like(current)
    for step in range(current.shape[0]):
        spikes[step], state = lif_step(current[step], state, parameters)
    return spikes


def delay_one_step(spikes: torch.Tensor) -> torch.Tensor:
    """Spikes (T, B, ...) one step later (Lava's synaptic buffer, SLAYER's ``delay_shift``)."""
    return torch.cat([torch.zeros_like(spikes[:1]), spikes[:-1]])
