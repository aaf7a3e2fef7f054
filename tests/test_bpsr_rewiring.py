"""BPSR rewiring: which synapses flip, momentum, target sparsity, checkpoints and export."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from bpsr_factory import train_rewired

from pumice.convert.ir import Dense, RecurrentCubaLIF, load_graph, save_graph
from pumice.train.bpsr.rewiring import Rewiring
from pumice.train.checkpoint import (
    Checkpoint,
    load_checkpoint,
    network_from_checkpoint,
    save_checkpoint,
)
from pumice.train.config import config_from_dict
from pumice.train.families import build_network
from pumice.train.sections.bpsr import BpsrConfig

# Pre neurons j at the origin, on the x axis and on the z axis; post neurons i at the
# origin and on the y axis: distances ||c_i - c_j|| = [[0, 1, 1], [1, sqrt 2, sqrt 2]].
PRE = torch.tensor([[0.0, 0, 0], [1, 0, 0], [0, 0, 1]])
POST = torch.tensor([[0.0, 0, 0], [0, 1, 0]])


def _rewiring(**settings) -> Rewiring:
    defaults = {"prune_threshold": 0.1, "growth_threshold": 0.5, "growth_distance": 1.0}
    return Rewiring(PRE, POST, BpsrConfig(**{**defaults, **settings}), max_threshold=1.0)


def test_prune_and_grow_flip_the_expected_synapses():
    rewiring = _rewiring(growth_momentum=0.0)  # momentum = this step's gradient
    rewiring.mask.copy_(torch.tensor([[True, True, True], [False, False, False]]))
    weight = torch.tensor([[0.05, 0.5, 0.05], [0.3, 0.02, 0.4]])
    grad = torch.tensor([[0.6, 0.0, 0.2], [1.6, 1.8, 0.0]])
    # growth thresholds 0.5 + distance: [[0.5, 1.5, 1.5], [1.5, 1.914, 1.914]]
    rewiring.step(weight, grad)
    expected = [
        [True, True, False],  # (0,0) small but strong trend: kept; (0,2) small: pruned
        [True, False, False],  # (1,0) grows; (1,1) too far to grow; (1,2) absent, no trend
    ]
    assert rewiring.mask.tolist() == expected
    assert torch.equal(weight, torch.tensor([[0.05, 0.5, 0.0], [0.3, 0.0, 0.0]]))
    assert rewiring.sparsity == pytest.approx(0.5)


def test_momentum_is_a_moving_average_of_the_gradient():
    rewiring = _rewiring(growth_momentum=0.75, growth_threshold=10.0)
    first, second = torch.full((2, 3), 2.0), torch.full((2, 3), -4.0)
    rewiring.step(torch.ones(2, 3), first)
    rewiring.step(torch.ones(2, 3), second)
    assert torch.allclose(rewiring.momentum, torch.full((2, 3), 0.75 * 0.5 - 1.0))


def test_target_sparsity_adapts_the_pruning_threshold():
    rewiring = _rewiring(target_sparsity=0.9, threshold_rate=0.5, growth_threshold=10.0)
    weight = torch.tensor([[0.05, 0.5, 0.5], [0.5, 0.5, 0.5]])
    rewiring.step(weight, None)
    # one of six synapses pruned: sparsity 1/6 is below the target, so Theta_w grows
    grown = 0.1 * math.exp(0.5 * (0.9 - 1 / 6))
    assert float(rewiring.prune_threshold) == pytest.approx(grown, rel=1e-6)
    while rewiring.sparsity < 1.0:  # Theta_w climbs until it passes 0.5 and prunes the rest
        rewiring.step(weight, None)
    above = float(rewiring.prune_threshold)
    rewiring.step(weight, None)  # now sparsity 1 is above the target: Theta_w shrinks
    assert float(rewiring.prune_threshold) == pytest.approx(above * math.exp(-0.05), rel=1e-6)


def test_adapted_threshold_is_capped():
    settings = BpsrConfig(prune_threshold=0.1, growth_threshold=10.0, target_sparsity=0.9)
    rewiring = Rewiring(PRE, POST, settings, max_threshold=0.2)
    weight = torch.tensor([[0.05, 0.5, 0.5], [0.5, 0.5, 0.5]])
    for _ in range(100):
        rewiring.step(weight, None)
    assert float(rewiring.prune_threshold) == pytest.approx(0.2)
    assert rewiring.sparsity == pytest.approx(1 / 6)


CONFIG = {
    "data": {"name": "digits", "steps": 6},
    "network": {
        "layers": [
            {"type": "dense", "features": 12, "recurrent": True},
            {"type": "dense", "features": 4},
        ]
    },
    "train": {"optimizer": "adamw", "lr": 0.05},
    "bpsr": {
        "rewiring": True,
        "prune_threshold": 0.3,
        "growth_threshold": 0.2,
        "lambda_weight": 0.01,
        "lambda_spike": 0.01,
    },
}


def _trained_rewired_network():
    return train_rewired(CONFIG, seed=0)


def test_masks_survive_a_checkpoint_round_trip(tmp_path):
    config, net, optimizer = _trained_rewired_network()
    sparsity = net.sparsity()
    assert set(sparsity) == {"dense1_synapse", "dense1.recurrent", "dense2_synapse"}
    assert all(0 < value < 1 for value in sparsity.values())
    checkpoint = Checkpoint(1, config, (10,), net.state_dict(), optimizer.state_dict(), {}, [])
    save_checkpoint(tmp_path / "checkpoint.pt", checkpoint)
    restored = network_from_checkpoint(load_checkpoint(tmp_path / "checkpoint.pt"))
    expected = net.state_dict()
    state = restored.state_dict()
    assert state.keys() == expected.keys()
    for key in ("mask", "momentum", "pre_coordinates", "post_coordinates", "prune_threshold"):
        assert f"rewiring.dense1_recurrent_weight.{key}" in state
    for key, value in expected.items():
        assert torch.equal(state[key], value), key
    assert restored.sparsity() == sparsity


def test_exported_pruned_synapses_are_exact_zeros_marked_sparse(tmp_path):
    _, net, _ = _trained_rewired_network()
    save_graph(net.export_ir(), tmp_path / "model.pumice")
    graph = load_graph(tmp_path / "model.pumice")
    exported = {
        "dense1_weight": graph.nodes["dense1_synapse"],
        "dense2_weight": graph.nodes["dense2_synapse"],
    }
    recurrent = graph.nodes["dense1"]
    assert isinstance(recurrent, RecurrentCubaLIF) and recurrent.sparse
    for key, node in exported.items():
        assert isinstance(node, Dense) and node.sparse
        mask = net.rewiring[key].mask.numpy()
        assert np.all(node.weight[~mask] == 0.0)
        assert np.all(node.weight[mask] != 0.0)
    mask = net.rewiring["dense1_recurrent_weight"].mask.numpy()
    assert np.all(recurrent.recurrent_weight[~mask] == 0.0)
    assert np.all(recurrent.recurrent_weight[mask] != 0.0)
    trained = net.blocks[0].recurrent_weight.detach().double().numpy()
    np.testing.assert_array_equal(recurrent.recurrent_weight[mask], trained[mask])


def test_after_step_clamps_weights_biases_and_leaks():
    config = config_from_dict({**CONFIG, "bpsr": {"threshold": 2.0}})
    net = build_network(config, (10,))
    block = net.blocks[0]
    with torch.no_grad():
        block.weight[0, 0] = 5.0
        block.recurrent_weight[1, 1] = -3.0
        block.neuron.tau[0], block.neuron.tau[1] = 1.5, -0.2
        block.neuron.bias[2] = -4.0
    net.after_step()
    assert block.weight[0, 0].item() == 2.0  # clamped to [-threshold, threshold]
    assert block.recurrent_weight[1, 1].item() == -2.0
    assert block.neuron.tau[:2].tolist() == [1.0, 0.0]
    assert block.neuron.bias[2].item() == -2.0
    assert len(net.rewiring) == 0
