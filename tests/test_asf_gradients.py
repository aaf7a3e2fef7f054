"""ASF's weight gradients are the paper's equations (7)-(9), computed here by hand.

A 4-3-3-2 IF network over T = 8 steps is simulated in numpy, loop by loop, independently of
the family's code; its counts FI, FO and layer ratios S^n give dL/dFO by eqs. (7) and (8)
and dL/dw by eq. (9), which must equal the gradients the ASF network's backward pass
leaves on its weights.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pumice.train.asf.network import AsfNetwork
from pumice.train.config import DenseLayer, NetworkConfig
from pumice.train.sections.asf import AsfConfig

STEPS = 8
THRESHOLD = 1.0
SIZES = (4, 3, 3, 2)


def _network(**settings) -> AsfNetwork:
    layers = tuple(DenseLayer(n) for n in SIZES[1:])
    config = AsfConfig(threshold=THRESHOLD, **settings)
    network = AsfNetwork(NetworkConfig(layers), config, (SIZES[0],), STEPS).double()
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for weight in network.weights.values():  # mostly excitatory: every layer fires
            weight.copy_(torch.rand(weight.shape, generator=generator, dtype=torch.float64) - 0.2)
        network.weights["dense1"][0] = -0.5  # one inhibited neuron: FI < 0, which masks drop
    return network


def _if_layer(current: np.ndarray) -> np.ndarray:
    """IF neurons (batch, n, T): v += I(t); spike where v >= V_th, then v = 0."""
    v = np.zeros(current.shape[:-1])
    spikes = np.zeros(current.shape)
    for t in range(current.shape[-1]):
        v = v + current[..., t]
        spikes[..., t] = v >= THRESHOLD
        v[spikes[..., t] == 1] = 0.0
    return spikes


def _by_hand(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, masked: bool):
    """dL/dW of every layer by the paper's equations, one number at a time."""
    batch = len(x)
    received = [x]  # what each layer's synapse received, spikes (batch, n, T)
    total_input, spike_count, delivered = [], [], [x.sum(-1)]
    for weight in weights[:-1]:
        current = np.einsum("ji,bit->bjt", weight, received[-1])
        spikes = _if_layer(current)
        total_input.append(current.sum(-1))  # FI = sum_t I(t)
        spike_count.append(spikes.sum(-1))  # FO = sum_t s(t)
        late = np.concatenate([np.zeros_like(spikes[..., :1]), spikes[..., :-1]], -1)
        received.append(late)  # Lava's synaptic delay: the last step arrives after T
        delivered.append(late.sum(-1))
    potential = np.einsum("ji,bi->bj", weights[-1], delivered[-1])  # V^N(T) = FI^N
    scale = STEPS * THRESHOLD
    target = np.eye(SIZES[-1])[y]
    gains = []
    for fi, fo in zip(total_input, spike_count, strict=True):
        keep = fi >= fo if masked else np.ones(fi.shape, bool)
        ratio = fo[keep].sum() / fi[keep].sum()  # S^n, shared by the layer
        gains.append(ratio * (fi > 0) if masked else np.full(fi.shape, ratio))
    # eq. (7): dL/dFO^{N-1}_i = sum_j 1/(T V_th) (FI^N_j / (T V_th) - Y_j) w^N_ji
    output_error = (potential / scale - target) / scale  # dL/dFI^N
    grad_fo = np.zeros((batch, SIZES[-2]))
    for b in range(batch):
        for i in range(SIZES[-2]):
            grad_fo[b, i] = sum(output_error[b, j] * weights[-1][j, i] for j in range(SIZES[-1]))
    grads_fo = [grad_fo]
    # eq. (8): dL/dFO^n_i = sum_j dL/dFO^{n+1}_j S^{n+1}_j w^{n+1}_ji
    for layer in range(len(weights) - 2, 0, -1):
        upper, gain, weight = grads_fo[0], gains[layer], weights[layer]
        below = np.zeros((batch, weight.shape[1]))
        for b in range(batch):
            for i in range(weight.shape[1]):
                below[b, i] = sum(
                    upper[b, j] * gain[b, j] * weight[j, i] for j in range(weight.shape[0])
                )
        grads_fo.insert(0, below)
    # eq. (9): dL/dw^n_ji = dL/dFO^n_j S^n_j FO^{n-1}_i, summed over the batch
    grads = []
    for layer, weight in enumerate(weights):
        if layer == len(weights) - 1:
            upstream = output_error  # the output's FI is its potential: no ratio
        else:
            upstream = grads_fo[layer] * gains[layer]
        grad = np.zeros_like(weight)
        for j in range(weight.shape[0]):
            for i in range(weight.shape[1]):
                grad[j, i] = sum(upstream[b, j] * delivered[layer][b, i] for b in range(batch))
        grads.append(grad)
    return grads, gains


@pytest.mark.parametrize("masked", [False, True], ids=["paper", "authors_mask"])
def test_weight_gradients_equal_equations_7_to_9(masked):
    network = _network(ratio_mask=masked)
    generator = torch.Generator().manual_seed(4)
    x = (torch.rand(5, SIZES[0], STEPS, generator=generator) < 0.6).double()
    y = torch.tensor([0, 1, 1, 0, 1])
    output, _ = network(x)
    network.loss(output, y)["loss"].backward()

    weights = [w.detach().numpy() for w in network.weights.values()]
    expected, gains = _by_hand(weights, x.numpy(), y.numpy(), masked)
    for name, grad in zip(network.weights, expected, strict=True):
        np.testing.assert_allclose(network.weights[name].grad.numpy(), grad, rtol=1e-12, atol=1e-14)
        assert np.abs(grad).max() > 0, name  # every layer's gradient carries something
    np.testing.assert_allclose(network.ratios.numpy(), [g.max() for g in gains], rtol=1e-12)
    if masked:
        assert (gains[0][:, 0] == 0).all()  # the inhibited neuron passes no gradient


def test_ratio_momentum_mixes_the_previous_ratio():
    network = _network(ratio_momentum=0.4)
    x = torch.rand(5, SIZES[0], STEPS, generator=torch.Generator().manual_seed(4)) < 0.6
    network(x.double())
    first = network.ratios.clone()  # 0.6 S_batch + 0.4 * 1 (the start value)
    fresh = _network()
    fresh(x.double())
    np.testing.assert_allclose(first.numpy(), 0.6 * fresh.ratios.numpy() + 0.4, rtol=1e-12)
    network(x.double())
    np.testing.assert_allclose(
        network.ratios.numpy(), 0.6 * fresh.ratios.numpy() + 0.4 * first.numpy(), rtol=1e-12
    )


def test_evaluation_keeps_the_ratios_and_builds_no_graph():
    network = _network()
    x = (torch.rand(2, SIZES[0], STEPS) < 0.5).double()
    network.eval()
    network(x)
    assert torch.equal(network.ratios, torch.ones(2))
    with torch.no_grad():
        output, _ = network(x)
    assert output.grad_fn is None
