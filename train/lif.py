"""The leaky integrate-and-fire neuron shared by the training families, as pure functions.

One step, with input current ``I(t)``, optional recurrent weights ``W_rec`` and bias
``b``::

    u(t) = u(t-1) * (1 - s(t-1)) * decay + (I(t) + W_rec s(t-1)) + b
    s(t) = H(u(t) - threshold)                      (fires where u >= threshold)

The reset gate ``1 - s(t-1)`` zeroes the potential of a neuron that just fired; it is
constant for the backward pass when :attr:`LIFParameters.detach_reset` is set (as in
SuperSpike and BPSR). The spike's gradient is the named surrogate's
(:mod:`pumice.train.surrogates`). The operations run in the order written: decay, add the
input, add the bias, as pumice's float emulator does, so both give the same spikes.

:func:`lif_step` advances one step; :func:`run_lif` runs a whole window, time last:
(batch, *neurons, T), SLAYER's layout and that of every family's input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch

from pumice.train.surrogates import spike_function


@dataclass(frozen=True)
class LIFParameters:
    """What a layer of LIF neurons is: leak, threshold, bias, surrogate, reset."""

    #: Factor the potential keeps per step: a number, or a tensor broadcast over the
    #: neurons (one per neuron or per channel).
    decay: float | torch.Tensor
    #: Firing threshold: a neuron fires where ``u >= threshold``.
    threshold: float
    #: Name of the spike function in :data:`~pumice.train.surrogates.SURROGATES`.
    surrogate: str
    #: The surrogate's shape parameter (SuperSpike's beta, the Gaussian's width).
    surrogate_parameter: float
    #: Current added every step, broadcast over the neurons; None for no bias.
    bias: torch.Tensor | None = None
    #: Treat the reset gate ``1 - s(t-1)`` as a constant in the backward pass.
    detach_reset: bool = True


class LIFState(NamedTuple):
    """The neurons after a step: membrane potential and spikes, both (batch, *neurons)."""

    potential: torch.Tensor
    spikes: torch.Tensor


def initial_state(like: torch.Tensor) -> LIFState:
    """Neurons at rest before the first step: no potential, no spikes, shaped like ``like``."""
    zeros = torch.zeros_like(like)
    return LIFState(zeros, zeros)


def lif_step(
    current: torch.Tensor,
    state: LIFState,
    parameters: LIFParameters,
    recurrent_weight: torch.Tensor | None = None,
) -> tuple[torch.Tensor, LIFState]:
    """Spikes of one step and the new state, for input ``current`` (batch, *neurons).

    ``recurrent_weight`` (n, n) adds ``W_rec s(t-1)`` over the flattened neurons:
    ``W_rec[i, k]`` from neuron k to neuron i.
    """
    drive = current
    if recurrent_weight is not None:
        feedback = state.spikes.flatten(1) @ recurrent_weight.T
        drive = drive + feedback.view_as(state.spikes)
    fired_before = state.spikes.detach() if parameters.detach_reset else state.spikes
    potential = state.potential * (1.0 - fired_before) * parameters.decay + drive
    if parameters.bias is not None:
        potential = potential + parameters.bias
    spike = spike_function(parameters.surrogate)
    spikes = spike(potential, parameters.threshold, parameters.surrogate_parameter)
    return spikes, LIFState(potential, spikes)


def run_lif(
    current: torch.Tensor,
    parameters: LIFParameters,
    recurrent_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Spikes (batch, *neurons, T) of neurons at rest driven by ``current`` of that shape.

    The recurrent input starts at the second step: no neuron has fired before the first.
    """
    steps = current.unbind(-1)
    state = initial_state(steps[0])
    trains = []
    for step, step_current in enumerate(steps):
        fired, state = lif_step(step_current, state, parameters, recurrent_weight if step else None)
        trains.append(fired)
    return torch.stack(trains, -1)
