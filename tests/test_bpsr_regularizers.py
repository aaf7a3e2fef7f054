"""BPSR loss terms: values on known tensors, and gradients against finite differences."""

from __future__ import annotations

import math

import pytest
import torch

from pumice.train.bpsr.network import BpsrNetwork
from pumice.train.bpsr.neuron import HeterogeneousLIF
from pumice.train.bpsr.regularizers import classification_loss, spike_l2, weight_l1
from pumice.train.config import DenseLayer, NetworkConfig
from pumice.train.sections.bpsr import BpsrConfig
from pumice.train.surrogates import SURROGATES, gaussian


def test_spike_l2_sums_squared_counts_over_layers_samples_and_neurons():
    first = torch.tensor([[1.0, 2.0], [0.0, 3.0]])  # 2 samples, 2 neurons
    second = torch.tensor([[2.0], [1.0]])
    assert spike_l2([first, second]).item() == 1 + 4 + 0 + 9 + 4 + 1


def test_weight_l1_sums_absolute_weights():
    assert weight_l1([torch.tensor([[-1.0, 2.0]]), torch.tensor([[0.5, -0.25]])]).item() == 3.75


def test_classification_loss_is_cross_entropy_of_scaled_counts_summed_over_batch():
    output = torch.zeros(2, 2, 3)
    output[0, 0, :2] = 1  # sample 0: counts (2, 0), label 0
    output[1, 1, 0] = 1  # sample 1: counts (0, 1), label 0
    loss = classification_loss(output, torch.tensor([0, 0]), scale=0.5)
    expected = -math.log(math.exp(1) / (math.exp(1) + 1)) - math.log(1 / (1 + math.exp(0.5)))
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def _tiny_network(lambda_spike: float, lambda_weight: float) -> BpsrNetwork:
    torch.manual_seed(3)
    settings = BpsrConfig(
        lambda_spike=lambda_spike, lambda_weight=lambda_weight, readout_scale=0.7, weight_gain=2.0
    )
    layers = (DenseLayer(4, recurrent=True), DenseLayer(2))
    net = BpsrNetwork(NetworkConfig(layers), settings, (3,), steps=5).double()
    with torch.no_grad():
        for block in net.blocks:
            block.neuron.tau.uniform_(0.2, 0.9)
            block.neuron.bias.uniform_(-0.2, 0.4)
    return net


def test_loss_entries_are_the_weighted_terms_and_sum_to_the_loss():
    net = _tiny_network(lambda_spike=0.1, lambda_weight=0.01)
    x = (torch.rand(6, 3, 5, generator=torch.Generator().manual_seed(0)) < 0.5).double()
    labels = torch.tensor([0, 1, 0, 1, 1, 0])
    with torch.no_grad():
        output, counts = net(x)
        parts = net.loss(output, labels)
        weights = sum(float(w.abs().sum()) for w in net.synapse_weights())
    hidden = net._hidden_counts[0]
    assert hidden.shape == (6, 4)
    assert torch.allclose(counts[0], hidden.sum(1) / 4)
    assert parts["spike_l2"].item() == pytest.approx(0.1 * float((hidden**2).sum()))
    assert len(net.synapse_weights()) == 3  # input, recurrent and output matrices
    assert parts["weight_l1"].item() == pytest.approx(0.01 * 6 * weights)  # summed over 6 samples
    total = parts["classification"] + parts["spike_l2"] + parts["weight_l1"]
    assert parts["loss"].item() == pytest.approx(total.item())


def _smooth_spike(u: torch.Tensor, threshold: float, width: float) -> torch.Tensor:
    """A spike function whose true derivative is the Gaussian surrogate (the normal CDF)."""
    return 0.5 * (1 + torch.erf((u - threshold) / (width * math.sqrt(2))))


@pytest.mark.parametrize("part", ["classification", "spike_l2", "weight_l1", "loss"])
def test_gradients_match_finite_differences(monkeypatch, part):
    # With the Heaviside replaced by the function whose derivative the surrogate is, and
    # the reset gate left differentiable, the network is smooth: backpropagation through
    # time (recurrent weights, leaks, biases) must then equal finite differences.
    monkeypatch.setitem(SURROGATES, "gaussian", _smooth_spike)
    net = _tiny_network(lambda_spike=0.05, lambda_weight=0.02)
    for block in net.blocks:
        block.neuron.detach_reset = False
    x = (torch.rand(3, 3, 5, generator=torch.Generator().manual_seed(1)) < 0.6).double()
    labels = torch.tensor([1, 0, 1])

    def value() -> torch.Tensor:
        return net.loss(net(x)[0], labels)[part]

    params = dict(net.named_parameters())
    grads = torch.autograd.grad(value(), list(params.values()), allow_unused=True)
    # The spike term does not reach the output layer's parameters.
    grads = [
        torch.zeros_like(p) if g is None else g for p, g in zip(params.values(), grads, strict=True)
    ]
    eps = 1e-6
    for (name, param), grad in zip(params.items(), grads, strict=True):
        numeric = torch.zeros_like(param)
        for index in range(param.numel()):
            flat = param.data.view(-1)
            keep = flat[index].item()
            flat[index] = keep + eps
            up = value().item()
            flat[index] = keep - eps
            down = value().item()
            flat[index] = keep
            numeric.view(-1)[index] = (up - down) / (2 * eps)
        assert torch.allclose(grad, numeric, rtol=1e-5, atol=1e-8), name
    assert any(g.abs().sum() > 0 for g in grads)


def test_surrogate_derivative_is_a_gaussian_of_the_configured_width():
    u = torch.tensor([1.0, 1.3, 0.7, 0.99], requires_grad=True)
    fired = gaussian(u, 1.0, 0.3)
    assert fired.tolist() == [1.0, 1.0, 0.0, 0.0]  # fires at u >= threshold
    fired.sum().backward()
    peak = 1 / (0.3 * math.sqrt(2 * math.pi))
    expected = [peak, peak * math.exp(-0.5), peak * math.exp(-0.5), peak * math.exp(-0.5 / 900)]
    assert u.grad.tolist() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("detached", [True, False])
def test_reset_gate_is_ignored_by_the_backward_pass(detached):
    lif = HeterogeneousLIF((1,), threshold=1.0, tau_init=0.5, surrogate_width=0.5).double()
    # With a differentiable gate (detached = False) the test must tell the two apart.
    lif.detach_reset = detached
    current = torch.tensor([[[1.2, 0.9]]], dtype=torch.float64, requires_grad=True)
    trains = lif(current)
    assert trains.tolist() == [[[1.0, 0.0]]]
    (grad,) = torch.autograd.grad(trains[..., 1].sum(), current)
    # u(1) = tau * u(0) * (1 - s(0)) + I(1): with s(0) = 1 and the gate constant, u(1)
    # does not depend on I(0).
    assert (grad[..., 0].item() == 0.0) == detached
