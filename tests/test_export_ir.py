"""SLAYER -> IR export: every block kind, and training masks become sparse layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from lava.lib.dl import slayer

from pumice.convert.emulator import emulate
from pumice.convert.ir import Conv2d, CubaLIF, Dense, Flatten, SumPool2d
from pumice.convert.passes import PASSES
from pumice.train.export_ir import export_network

NEURON = {"threshold": 1.0, "current_decay": 0.25, "voltage_decay": 0.03}


class _Net(torch.nn.Module):
    def __init__(self, blocks, input_shape):
        super().__init__()
        self.blocks = torch.nn.ModuleList(blocks)
        self.input_shape = input_shape


def test_every_block_kind_exports():
    net = _Net(
        [
            slayer.block.cuba.Conv(NEURON, 1, 3, 3, padding=1),
            slayer.block.cuba.Pool(NEURON, 2),
            slayer.block.cuba.Flatten(),
            slayer.block.cuba.Dense(NEURON, 3 * 4 * 4, 5),
        ],
        (1, 8, 8),
    )
    with torch.no_grad():
        x = torch.zeros(1, 1, 8, 8, 4)
        for block in net.blocks:
            x = block(x)
    graph = export_network(net)
    kinds = [type(n) for n in graph.nodes.values()][1:]
    assert kinds == [Conv2d, CubaLIF, SumPool2d, CubaLIF, Flatten, Dense, CubaLIF]
    assert graph.shapes()["dense1"] == (5,)
    assert graph.nodes["conv1"].current_decay == pytest.approx(0.25)
    assert graph.nodes["pool1_synapse"].kernel == (2, 2)


def test_training_mask_becomes_a_sparse_layer():
    torch.manual_seed(0)
    mask = torch.rand(6, 10) < 0.4
    block = slayer.block.cuba.Dense(NEURON, 10, 6, mask=mask, weight_scale=4)
    net = _Net([block], (10,))
    graph = export_network(net)
    dense = graph.nodes["dense1_synapse"]
    assert dense.sparse is True
    assert np.all(dense.weight[~mask.numpy()] == 0)  # masked synapses carry no weight
    fixed = PASSES["quantize"]().apply(graph).graph
    assert fixed.nodes["dense1_synapse"].sparse is True
    assert np.all(fixed.nodes["dense1_synapse"].weight[~mask.numpy()] == 0)
    spikes = (np.random.default_rng(0).random((4, 10, 12)) < 0.5).astype(np.uint8)
    assert emulate(fixed, spikes).counts["dense1"].shape == (4, 6)
