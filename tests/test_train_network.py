"""SpikingNetwork: SLAYER blocks built from the config, output shapes and honest spike counts."""

from __future__ import annotations

import math

import pytest
import torch
from lava.lib.dl import slayer

from pumice.errors import ConfigError
from pumice.train.config import (
    ConvLayer,
    DenseLayer,
    FlattenLayer,
    NetworkConfig,
    NeuronConfig,
    PoolLayer,
)
from pumice.train.errors import InputShapeError
from pumice.train.network import SpikingNetwork, predict

cuba = slayer.block.cuba
NEURON = NeuronConfig(threshold=1.0, current_decay=0.5, voltage_decay=0.1)
DENSE = NetworkConfig((DenseLayer(20), DenseLayer(10)))
CONV = NetworkConfig(
    (ConvLayer(4, 3, padding=1), PoolLayer(2), FlattenLayer(), DenseLayer(12), DenseLayer(10))
)
STEPS = 12


def build(network: NetworkConfig, shape=(1, 8, 8)) -> SpikingNetwork:
    torch.manual_seed(0)
    return SpikingNetwork(network, NEURON, shape, STEPS)


def input_spikes(batch: int = 6, shape=(1, 8, 8)) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return (torch.rand((batch, *shape, STEPS), generator=generator) < 0.4).float()


def test_dense_network_on_images_flattens_first():
    net = build(DENSE)
    assert [type(block) for block in net.blocks] == [cuba.Flatten, cuba.Dense, cuba.Dense]
    assert net.blocks[1].synapse.weight.shape[:2] == (20, 64)
    assert net.input_shape == (1, 8, 8) and net.steps == STEPS and net.num_classes == 10
    assert net.layer_names() == ["dense1"]
    output, counts = net(input_spikes())
    assert output.shape == (6, 10, STEPS)
    assert len(counts) == 1 and counts[0].shape == (6,)


def test_dense_network_on_vectors_has_no_flatten():
    net = build(DENSE, shape=(64,))
    assert [type(block) for block in net.blocks] == [cuba.Dense, cuba.Dense]
    output, _ = net(input_spikes(shape=(64,)))
    assert output.shape == (6, 10, STEPS)


def test_conv_network_shapes_and_names():
    net = build(CONV)
    kinds = [type(block) for block in net.blocks]
    assert kinds == [cuba.Conv, cuba.Pool, cuba.Flatten, cuba.Dense, cuba.Dense]
    assert net.blocks[3].synapse.weight.shape[:2] == (12, 4 * 4 * 4)
    assert net.layer_names() == ["conv1", "pool1", "dense1"]
    output, counts = net(input_spikes())
    assert output.shape == (6, 10, STEPS)
    assert [count.shape for count in counts] == [(6,)] * 3


def test_blocks_keep_slayer_defaults():
    net = build(CONV)
    for block in net.blocks:
        if hasattr(block, "neuron"):
            assert block.delay_shift is True
            assert block.delay is None
            assert block.synapse.weight_norm_enabled is False
            assert block.synapse._pre_hook_fx == block.neuron.quantize_8bit
            assert block.neuron.threshold == 1.0
            assert not block.neuron.current_decay.requires_grad


def reference_forward(net: SpikingNetwork, spikes: torch.Tensor):
    """Re-run the blocks piece by piece: synapse, neuron, then the one-step axon delay."""
    emitted = []
    x = spikes
    for block in net.blocks:
        if not hasattr(block, "neuron"):
            x = block(x)
            continue
        s = block.neuron(block.synapse(x))
        emitted.append(s)
        x = torch.cat([torch.zeros_like(s[..., :1]), s[..., :-1]], dim=-1)
    return emitted


@pytest.mark.parametrize("network", [DENSE, CONV], ids=["dense", "conv"])
def test_hidden_counts_are_the_spikes_the_neurons_emitted(network):
    net = build(network)
    spikes = input_spikes()
    with torch.no_grad():
        output, counts = net(spikes)
        emitted = reference_forward(net, spikes)
    assert torch.equal(output, emitted[-1])
    for count, layer in zip(counts, emitted[:-1], strict=True):
        neurons = math.prod(layer.shape[1:-1])
        expected = layer.flatten(1).sum(1) / neurons
        assert torch.equal(count, expected)
        assert count.sum() > 0  # the comparison is not trivially 0 == 0
    assert output.sum() > 0


def test_counts_do_not_depend_on_the_batch():
    net = build(CONV)
    spikes = input_spikes()
    with torch.no_grad():
        _, whole = net(spikes)
        _, single = net(spikes[2:3])
    assert torch.allclose(whole[0][2:3], single[0])


def test_gradients_reach_every_trainable_weight():
    net = build(CONV)
    output, _ = net(input_spikes())
    output.sum().backward()
    for name, parameter in net.named_parameters():
        if parameter.requires_grad:
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_predict_takes_most_spikes_and_lowest_index_on_ties():
    output = torch.zeros(2, 3, 4)
    output[0, 2, :3] = 1
    output[0, 1, :2] = 1
    output[1, 0, 0] = output[1, 2, 1] = 1
    assert predict(output).tolist() == [2, 0]


@pytest.mark.parametrize(
    ("layers", "shape", "message"),
    [
        ((FlattenLayer(), ConvLayer(2, 3), DenseLayer(10)), (1, 8, 8), r"#2 \(conv\): needs"),
        ((ConvLayer(2, 3), DenseLayer(10)), (64,), r"#1 \(conv\): needs \(channels"),
        ((DenseLayer(5), FlattenLayer(), DenseLayer(10)), (1, 8, 8), r"#2 \(flatten\): needs"),
        ((ConvLayer(2, 9), DenseLayer(10)), (1, 8, 8), r"#1 \(conv\): .* empty output"),
        ((PoolLayer(9), DenseLayer(10)), (1, 8, 8), r"#1 \(pool\): window 9 .* empty output"),
    ],
)
def test_impossible_layer_sequences(layers, shape, message):
    with pytest.raises(ConfigError, match=message):
        SpikingNetwork(NetworkConfig(layers), NEURON, shape, STEPS)


def test_wrong_input_shape_is_rejected():
    net = build(DENSE)
    with pytest.raises(InputShapeError, match="expected input spikes"):
        net(input_spikes(shape=(1, 7, 8)))
