"""ASF deploys without a surprise: its exported float graph on the emulator reproduces the
training forward pass spike for spike, and the converted network runs on Lava bit for bit
as on the emulator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pumice.convert.emulator import emulate_window
from pumice.convert.ir import Conv2d, CubaLI, CubaLIF, Dense, FixedConv2d, Flatten, SumPool2d
from pumice.convert.ir.windows import LAG, LAG_KEY
from pumice.convert.passes.quantize import QuantizeToLoihi
from pumice.train.asf.network import AsfNetwork
from pumice.train.asf.neurons import fire
from pumice.train.config import ConvLayer, DenseLayer, NetworkConfig, PoolLayer
from pumice.train.lif import LIFParameters, initial_state, lif_step
from pumice.train.sections.asf import AsfConfig

STEPS = 10
LAYERS = (ConvLayer(4, 3, padding=1), PoolLayer(2), DenseLayer(8), DenseLayer(3))


def _network(voltage_decay: float, dtype=torch.float64) -> AsfNetwork:
    torch.manual_seed(0)
    settings = AsfConfig(voltage_decay=voltage_decay, weight_scale=3.0)
    return AsfNetwork(NetworkConfig(LAYERS), settings, (2, 6, 6), STEPS).to(dtype)


def _spikes(samples: int = 6) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return (torch.rand(samples, 2, 6, 6, STEPS, generator=generator) < 0.4).double()


@pytest.mark.parametrize("voltage_decay", [0.0, 0.1], ids=["IF", "LIF"])
def test_emulated_export_reproduces_the_forward_pass_spike_for_spike(voltage_decay):
    net = _network(voltage_decay)
    x = _spikes()
    flow = net.simulate(x, record=True)
    graph = net.export_ir({"steps": STEPS})
    emulation = emulate_window(graph, x.numpy(), record_spikes=True)
    for name in net.layer_names():
        window = emulation.spikes[name][..., LAG : LAG + STEPS]
        np.testing.assert_array_equal(window, flow.trains[name].numpy(), err_msg=name)
        assert window.sum() > 0, name
    np.testing.assert_allclose(emulation.potentials["dense2"], flow.potential.numpy(), rtol=1e-12)
    output, counts = net(x)
    np.testing.assert_array_equal(emulation.predictions("dense2"), net.predict(output).numpy())
    for name, count in zip(net.layer_names(), counts, strict=True):
        np.testing.assert_allclose(emulation.counts[name].reshape(len(x), -1).mean(1), count)


def test_export_writes_the_trained_neurons_and_pooling():
    net = _network(0.1)
    graph = net.export_ir()
    assert graph.metadata == {LAG_KEY: LAG}
    assert list(graph.nodes) == [
        "input",
        "conv1_synapse",
        "conv1",
        "pool1_synapse",
        "pool1",
        "flatten1",
        "dense1_synapse",
        "dense1",
        "dense2_synapse",
        "dense2",
    ]
    kinds = [type(node) for node in graph.nodes.values()][1:]
    assert kinds == [Conv2d, CubaLIF, SumPool2d, CubaLIF, Flatten, Dense, CubaLIF, Dense, CubaLI]
    pool, pool_neurons = graph.nodes["pool1_synapse"], graph.nodes["pool1"]
    assert (pool.kernel, pool.stride, pool.weight) == ((2, 2), (2, 2), 0.25)
    assert (pool_neurons.threshold, pool_neurons.voltage_decay) == (0.8, 0.0)
    conv = graph.nodes["conv1"]
    assert (conv.threshold, conv.current_decay) == (1.0, 1.0)
    assert conv.voltage_decay == round(0.1 * 4096) / 4096  # on Loihi's 12-bit grid
    np.testing.assert_array_equal(
        graph.nodes["conv1_synapse"].weight, net.weights["conv1"].detach()
    )
    readout = graph.nodes["dense2"]
    assert (readout.current_decay, readout.voltage_decay) == (1.0, 0.0)


def test_average_pooling_quantises_to_a_depthwise_conv_of_quarter_weights():
    fixed = QuantizeToLoihi().apply(_network(0.0).export_ir()).graph
    pool = fixed.nodes["pool1_synapse"]
    assert type(pool) is FixedConv2d and pool.groups == 4
    np.testing.assert_array_equal(pool.weight, np.full((4, 1, 2, 2), 16))  # 0.25 * 64


@pytest.mark.parametrize("voltage_decay", [0.0, 0.05])
def test_in_place_neurons_equal_the_shared_lif_step(voltage_decay):
    current = torch.randn(12, 5, 7, generator=torch.Generator().manual_seed(2)) * 0.8
    parameters = LIFParameters(1.0 - voltage_decay, 1.0, "superspike", 1.0)
    state, expected = initial_state(current[0]), []
    for step in current:
        spikes, state = lif_step(step, state, parameters)
        expected.append(spikes)
    got = fire(current, 1.0, voltage_decay)
    assert torch.equal(got, torch.stack(expected)) and got.sum() > 0


@pytest.mark.lava
def test_converted_network_runs_on_lava_as_on_the_emulator():
    from bit_exact import assert_lava_matches_emulator

    from pumice.convert.ir.windows import pad_for_lag

    fixed = QuantizeToLoihi().apply(_network(0.1).export_ir({"steps": STEPS})).graph
    x = pad_for_lag(_spikes(2).numpy().astype(np.uint8))
    expected, _ = assert_lava_matches_emulator(fixed, x)
    assert all(expected.spikes[name].sum() > 0 for name in ("conv1", "pool1", "dense1"))
