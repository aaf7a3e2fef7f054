"""The shared LIF step and surrogates: dynamics, gradients, and bit-exact agreement with
the loops the IMSNN and BPSR families were first trained with."""

from __future__ import annotations

import math

import pytest
import torch

from pumice.errors import ConfigError
from pumice.train.bpsr.neuron import HeterogeneousLIF
from pumice.train.imsnn.neurons import lif_spikes
from pumice.train.lif import LIFParameters, initial_state, lif_step, run_lif
from pumice.train.surrogates import gaussian, spike_function, superspike

DOUBLE = torch.float64


def test_surrogates_fire_at_threshold_and_pass_their_derivative_back():
    u = torch.tensor([1.0, 1.2, 0.9, 0.5], dtype=DOUBLE, requires_grad=True)
    for spike in (superspike, gaussian):
        assert spike(u, 1.0, 2.0).tolist() == [1.0, 1.0, 0.0, 0.0]
    (grad,) = torch.autograd.grad(superspike(u, 1.0, 10.0).sum(), u)
    assert grad.tolist() == pytest.approx([1.0, 1 / 9, 1 / 4, 1 / 36])
    (grad,) = torch.autograd.grad(gaussian(u, 1.0, 0.5).sum(), u)
    peak = 1 / (0.5 * math.sqrt(2 * math.pi))
    assert grad.tolist() == pytest.approx([peak * math.exp(-2 * d**2) for d in (0, 0.2, 0.1, 0.5)])


def test_surrogates_are_found_by_name():
    assert spike_function("superspike") is superspike
    assert spike_function("gaussian") is gaussian
    with pytest.raises(ConfigError, match="unknown surrogate 'sigmoid': choose one of"):
        spike_function("sigmoid")


def _parameters(**changes) -> LIFParameters:
    settings = {"decay": 0.5, "threshold": 1.0, "surrogate": "superspike"}
    return LIFParameters(**{**settings, "surrogate_parameter": 10.0, **changes})


def test_step_leaks_integrates_fires_and_resets():
    state = initial_state(torch.zeros(1, 1, dtype=DOUBLE))
    potentials, trains = [], []
    for current in (0.6, 0.6, 0.0, 2.0, 0.5):
        fired, state = lif_step(torch.full((1, 1), current, dtype=DOUBLE), state, _parameters())
        potentials.append(state.potential.item())
        trains.append(fired.item())
    assert trains == [0, 0, 0, 1, 0]
    assert potentials == pytest.approx([0.6, 0.9, 0.45, 2.225, 0.5])  # reset, then input


def test_per_neuron_decay_bias_and_recurrent_input():
    decay = torch.tensor([1.0, 0.0], dtype=DOUBLE)
    bias = torch.tensor([0.25, 0.0], dtype=DOUBLE)
    recurrent = torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=DOUBLE)  # neuron 0 -> neuron 1
    current = torch.tensor([[[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]], dtype=DOUBLE)
    trains = run_lif(current, _parameters(decay=decay, bias=bias), recurrent)
    # Neuron 0 keeps its potential: 0.75, 1.5 (fires), then 0 + 0.25. Neuron 1 forgets
    # and has no input but neuron 0's spike one step later.
    assert trains.tolist() == [[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]]


@pytest.mark.parametrize("detach", [True, False])
def test_reset_gate_is_constant_for_the_backward_pass_only_when_detached(detach):
    current = torch.tensor([[[1.2, 0.9]]], dtype=DOUBLE, requires_grad=True)
    trains = run_lif(current, _parameters(decay=0.5, detach_reset=detach))
    assert trains.tolist() == [[[1.0, 0.0]]]
    (grad,) = torch.autograd.grad(trains[..., 1].sum(), current)
    # u(1) = u(0) * (1 - s(0)) * decay + I(1): with the gate constant and s(0) = 1, u(1)
    # does not depend on I(0).
    assert (grad[..., 0].item() == 0.0) == detach


def _first_imsnn_loop(current, decay, threshold, beta):
    """The IMSNN family's loop before the shared step, time on axis 1."""

    class SuperSpike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, distance, beta):
            ctx.save_for_backward(distance)
            ctx.beta = beta
            return (distance >= 0).to(distance.dtype)

        @staticmethod
        def backward(ctx, grad):
            (distance,) = ctx.saved_tensors
            return grad / (1 + ctx.beta * distance.abs()) ** 2, None

    potential = torch.zeros_like(current[:, 0])
    keep = torch.ones_like(potential)
    spikes = []
    for step_current in current.unbind(1):
        potential = decay * potential * keep + step_current
        fired = SuperSpike.apply(potential - threshold, beta)
        spikes.append(fired)
        keep = 1 - fired.detach()
    return torch.stack(spikes, 1)


def _first_bpsr_loop(current, tau, bias, threshold, width, recurrent_weight):
    """The BPSR family's loop before the shared step, time last."""

    class GaussianSpike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, u):
            ctx.save_for_backward(u)
            return (u >= threshold).to(u.dtype)

        @staticmethod
        def backward(ctx, grad):
            (u,) = ctx.saved_tensors
            density = torch.exp(-0.5 * ((u - threshold) / width) ** 2)
            return grad * (density / (width * math.sqrt(2 * math.pi)))

    u = torch.zeros_like(current[..., 0])
    fired = torch.zeros_like(u)
    trains = []
    for t in range(current.shape[-1]):
        drive = current[..., t]
        if t > 0:
            drive = drive + (fired.flatten(1) @ recurrent_weight.T).view_as(fired)
        u = u * (1.0 - fired.detach()) * tau + drive + bias
        fired = GaussianSpike.apply(u)
        trains.append(fired)
    return torch.stack(trains, dim=-1)


def _gradients(output, inputs, seed):
    weights = torch.rand(output.shape, generator=torch.Generator().manual_seed(seed))
    return torch.autograd.grad((output * weights).sum(), inputs)


def test_imsnn_spikes_and_gradients_are_bit_identical_to_its_first_loop():
    generator = torch.Generator().manual_seed(3)
    current = (torch.rand(4, 12, 3, 5, 5, generator=generator) * 0.8).requires_grad_()
    new = lif_spikes(current, 0.9, 1.0, 10.0)
    old = _first_imsnn_loop(current, 0.9, 1.0, 10.0)
    assert torch.equal(new, old) and 0 < int(new.sum()) < new.numel()
    assert torch.equal(_gradients(new, current, 4)[0], _gradients(old, current, 4)[0])


def test_bpsr_spikes_and_gradients_are_bit_identical_to_its_first_loop():
    generator = torch.Generator().manual_seed(5)
    neuron = HeterogeneousLIF((6,), threshold=1.0, tau_init=0.5, surrogate_width=0.5)
    with torch.no_grad():
        neuron.tau.copy_(torch.rand(6, generator=generator))
        neuron.bias.copy_(torch.rand(6, generator=generator) * 0.4 - 0.2)
    recurrent = (torch.randn(6, 6, generator=generator) * 0.5).requires_grad_()
    current = (torch.rand(4, 6, 15, generator=generator) * 0.9).requires_grad_()
    inputs = (current, recurrent, neuron.tau, neuron.bias)
    new = neuron(current, recurrent)
    old = _first_bpsr_loop(current, neuron.tau, neuron.bias, 1.0, 0.5, recurrent)
    assert torch.equal(new, old) and 0 < int(new.sum()) < new.numel()
    for mine, first in zip(_gradients(new, inputs, 6), _gradients(old, inputs, 6), strict=True):
        assert torch.equal(mine, first)
