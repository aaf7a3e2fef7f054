"""BPSR export: the IR graph emulated reproduces the torch forward pass spike for spike."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pumice.convert.emulator import emulate
from pumice.convert.ir import Conv2d, CubaLIF, Dense, Flatten, RecurrentCubaLIF
from pumice.convert.ir.windows import layer_windows, pad_for_lag
from pumice.errors import ConfigError
from pumice.train.bpsr.network import BpsrNetwork
from pumice.train.config import (
    ConvLayer,
    DenseLayer,
    FlattenLayer,
    NetworkConfig,
    NeuronConfig,
    PoolLayer,
    config_from_dict,
    dump_config,
    load_config,
)
from pumice.train.network import SpikingNetwork
from pumice.train.sections.bpsr import BpsrConfig

STEPS = 8
LAYERS = (ConvLayer(3, 3, padding=1), DenseLayer(10, recurrent=True), DenseLayer(4))


def _network(rewiring: bool) -> BpsrNetwork:
    torch.manual_seed(1)
    settings = BpsrConfig(rewiring=rewiring, prune_threshold=0.2)
    net = BpsrNetwork(NetworkConfig(LAYERS), settings, (2, 5, 5), STEPS).double()
    with torch.no_grad():
        for block in net.blocks:
            block.neuron.tau.uniform_(0.0, 1.0)
            block.neuron.bias.uniform_(-0.5, 0.8)
            # one bias above the threshold per layer: it fires in the lead-in step
            block.neuron.bias.view(-1)[0] = 1.1
    return net


@pytest.mark.parametrize("rewiring", [False, True])
def test_emulated_export_reproduces_the_forward_pass_spike_for_spike(rewiring):
    net = _network(rewiring)
    x = (torch.rand(5, 2, 5, 5, STEPS, generator=torch.Generator().manual_seed(2)) < 0.3).double()
    if rewiring:  # one rewiring step: pruned synapses are zero in torch and in the IR
        net.after_step()
        assert all(value > 0 for value in net.sparsity().values())
    graph = net.export_ir({"steps": STEPS})
    emulation = emulate(
        graph,
        pad_for_lag(x.numpy()),
        windows=layer_windows(graph, STEPS),
        record_spikes=True,
    )
    # Each block's trains hold the lead-in step and the window: the emulator's T + 1 steps.
    trains = x
    for name, block in zip(net.block_names(), net.blocks, strict=True):
        full = block(trains).detach()
        np.testing.assert_array_equal(emulation.spikes[name], full.numpy(), err_msg=name)
        trains = full[..., :-1]
    assert all(emulation.spikes[name][..., 0].sum() > 0 for name in net.block_names())
    output, counts = net(x)
    np.testing.assert_array_equal(emulation.counts["dense2"], output.detach().sum(-1).numpy())
    for name, count in zip(net.layer_names(), counts, strict=True):
        per_neuron = emulation.counts[name].reshape(5, -1).mean(1)
        np.testing.assert_allclose(per_neuron, count.numpy(), rtol=1e-12)
        assert per_neuron.sum() > 0
    predictions = emulation.predictions("dense2")
    np.testing.assert_array_equal(predictions, net.predict(output).numpy())


def test_export_writes_per_neuron_leaks_biases_and_recurrent_weights():
    net = _network(rewiring=False)
    graph = net.export_ir()
    assert list(graph.nodes) == [
        "input",
        "conv1_synapse",
        "conv1",
        "flatten1",
        "dense1_synapse",
        "dense1",
        "dense2_synapse",
        "dense2",
    ]
    assert isinstance(graph.nodes["conv1_synapse"], Conv2d)
    assert isinstance(graph.nodes["flatten1"], Flatten)
    conv, dense, recurrent = (
        graph.nodes["conv1"],
        graph.nodes["dense1_synapse"],
        graph.nodes["dense1"],
    )
    assert type(conv) is CubaLIF and isinstance(recurrent, RecurrentCubaLIF)
    assert isinstance(dense, Dense) and not dense.sparse and not recurrent.sparse
    tau = net.blocks[0].neuron.tau.detach().numpy()  # one per channel, shared by positions
    assert conv.voltage_decay.shape == (3, 5, 5)
    np.testing.assert_array_equal(conv.voltage_decay, np.broadcast_to(1 - tau, (3, 5, 5)))
    assert conv.current_decay == 1.0 and conv.threshold == 1.0
    block = net.blocks[1]
    np.testing.assert_array_equal(recurrent.voltage_decay, 1 - block.neuron.tau.detach().numpy())
    np.testing.assert_array_equal(recurrent.bias, block.neuron.bias.detach().numpy())
    np.testing.assert_array_equal(recurrent.recurrent_weight, block.recurrent_weight.detach())
    assert recurrent.recurrent_weight.shape == (10, 10)


@pytest.mark.parametrize(
    ("layers", "shape", "match"),
    [
        (
            (PoolLayer(2), DenseLayer(4)),
            (1, 6, 6),
            r"#1 \(pool\): the BPSR family has dense, conv and flatten",
        ),
        ((FlattenLayer(), ConvLayer(2, 3), DenseLayer(4)), (1, 6, 6), r"#2 \(conv\): needs"),
        ((ConvLayer(2, 9), DenseLayer(4)), (1, 6, 6), r"#1 \(conv\): .* empty output"),
    ],
)
def test_bpsr_network_refuses_layers_it_cannot_build(layers, shape, match):
    with pytest.raises(ConfigError, match=match):
        BpsrNetwork(NetworkConfig(layers), BpsrConfig(), shape, STEPS)


def test_slayer_family_refuses_a_recurrent_dense_layer():
    layers = NetworkConfig((DenseLayer(6, recurrent=True), DenseLayer(4)))
    with pytest.raises(ConfigError, match="dense layer of 6 neurons has recurrent = true"):
        SpikingNetwork(layers, NeuronConfig(), (8,), STEPS)


def test_recurrent_key_round_trips_through_a_config_file(tmp_path):
    table = {
        "data": {"name": "digits", "steps": STEPS},
        "network": {
            "layers": [
                {"type": "dense", "features": 6, "recurrent": True},
                {"type": "dense", "features": 4},
            ]
        },
        "bpsr": {"rewiring": True, "target_sparsity": 0.5},
    }
    config = config_from_dict(table)
    path = tmp_path / "config.toml"
    path.write_text(dump_config(config))
    loaded = load_config(path)
    assert loaded == config and loaded.family == "bpsr"
    assert loaded.network.layers[0].recurrent and not loaded.network.layers[1].recurrent
    bad = {**table, "network": {"layers": [{"type": "dense", "features": 4, "recurrent": 1}]}}
    with pytest.raises(ConfigError, match="recurrent must be a boolean"):
        config_from_dict(bad)
