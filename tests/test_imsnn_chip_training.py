"""Training IMSNN with what a chip holds: shared tunings, the ISI cap and bins, plain input.

The shared-tuning synapse must equal the per-synapse one with its tunings copied over
their blocks (forward and every gradient), the cap and bins must be what the IR computes,
and the exported float graph must reproduce the trained network's logits.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from pumice.convert.emulator import emulate_window
from pumice.errors import ConfigError
from pumice.toml_dataclass import InvalidValue
from pumice.train.config import DenseLayer, NetworkConfig
from pumice.train.imsnn.dense import IsiDense
from pumice.train.imsnn.isi_range import IsiRange
from pumice.train.imsnn.network import ImsnnNetwork
from pumice.train.imsnn.plain import PlainDense
from pumice.train.imsnn.shared_dense import SharedTuningDense
from pumice.train.sections.imsnn import ImsnnConfig

RANGES = [IsiRange(), IsiRange(12, 1), IsiRange(12, 4)]


@pytest.mark.parametrize("isi_range", RANGES, ids=["all", "cap", "bins"])
@pytest.mark.parametrize("rule", ["imsnn", "imsnnc"])
def test_shared_tuning_equals_per_synapse_tuning_copied_over_blocks(isi_range, rule):
    torch.manual_seed(0)
    batch, steps, inputs, out, groups = 3, 30, 7, 6, 2
    height = torch.randn(out, inputs) * 0.5
    mean, width = torch.rand(groups, inputs) * 10 + 1, torch.rand(groups, inputs) * 3 + 1
    spikes = (torch.rand(batch, steps, inputs) < 0.3).float().requires_grad_(True)
    copy = spikes.detach().clone().requires_grad_(True)
    shared = SharedTuningDense(height, mean, width, rule, "x", isi_range)
    full = IsiDense(
        height,
        mean.repeat_interleave(out // groups, 0),
        width.repeat_interleave(out // groups, 0),
        rule,
        "x",
        isi_range,
    )
    weights = torch.randn(batch, steps, out)
    current_shared, current_full = shared(spikes), full(copy)
    (current_shared * weights).sum().backward()
    (current_full * weights).sum().backward()
    torch.testing.assert_close(current_shared, current_full, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(spikes.grad, copy.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(shared.height.grad, full.height.grad, atol=1e-5, rtol=1e-5)
    assert spikes.grad.abs().max() > 0


def test_isi_range_bins_to_centres_with_a_straight_through_gradient():
    isi_range = IsiRange(12, 4)
    phi = torch.tensor([0.0, 1.0, 4.0, 5.0, 12.0, 13.0, 30.0], requires_grad=True)
    centre = isi_range.centre(phi)
    assert centre.tolist() == [0.0, 2.5, 2.5, 6.5, 10.5, 13.0, 30.0]
    assert isi_range.kept(centre).tolist() == [1, 1, 1, 1, 1, 0, 0]
    centre.sum().backward()
    assert phi.grad.tolist() == [1.0] * 7


def test_capped_per_synapse_dense_drops_long_isis():
    height, mean, width = torch.ones(1, 1), torch.full((1, 1), 5.0), torch.full((1, 1), 2.0)
    spikes = torch.zeros(1, 20, 1)
    spikes[0, [2, 4, 15], 0] = 1  # ISIs 3, 2, 11
    capped = IsiDense(height, mean, width, isi_range=IsiRange(8))(spikes)[0, :, 0]
    assert capped[2] > 0 and capped[4] > 0 and capped[15] == 0


def _network(**imsnn) -> ImsnnNetwork:
    torch.manual_seed(3)
    network = NetworkConfig((DenseLayer(8), DenseLayer(4)))
    config = ImsnnConfig(mean_max=10.0, width_min=1.0, width_max=4.0, **imsnn)
    return ImsnnNetwork(network, config, (6,), 16)


@pytest.mark.parametrize(
    "imsnn",
    [
        {"tuning": "presynaptic", "max_isi": 12, "isi_bins": 3},
        {"tuning": "groups", "groups": 2},
        {"input_isi": False, "max_isi": 16, "isi_bins": 4},
    ],
    ids=["presynaptic-binned", "groups", "hidden-only-binned"],
)
def test_exported_float_graph_reproduces_the_trained_logits(imsnn):
    network = _network(**imsnn)
    with torch.no_grad():  # heights large enough that the hidden layer fires
        for synapse in network.synapses:
            parameter = synapse.height if hasattr(synapse, "height") else synapse.weight
            parameter.mul_(20)
    spikes = (torch.rand(5, 6, 16) < 0.4).float()
    logits, hidden = network.run(spikes)
    assert hidden["dense1"].sum() > 0
    graph = network.export_ir({"steps": 16})
    result = emulate_window(graph, spikes.numpy().astype(np.uint8))
    np.testing.assert_allclose(result.potentials["dense2"], logits.detach().numpy(), atol=1e-4)


def test_chip_settings_choose_the_synapse_modules():
    presynaptic = _network(tuning="presynaptic")
    assert all(isinstance(s, SharedTuningDense) for s in presynaptic.synapses)
    assert presynaptic.synapses[0].mean.shape == (1, 6)
    hidden_only = _network(input_isi=False, max_isi=16, isi_bins=4)
    first, second = hidden_only.synapses
    assert isinstance(first, PlainDense) and isinstance(second, IsiDense)
    assert second.isi_range == IsiRange(16, 4)
    export = hidden_only.export_ir({"steps": 16}).nodes["dense2_synapse"]
    assert (export.max_isi, export.bin_width, export.groups) == (16, 4, 4)


def test_chip_settings_that_cannot_work_are_refused():
    with pytest.raises(InvalidValue, match="isi_bins needs max_isi, a multiple of it"):
        ImsnnConfig(isi_bins=3, max_isi=10)
    with pytest.raises(InvalidValue, match="isi_bins needs max_isi"):
        ImsnnConfig(isi_bins=3)
    with pytest.raises(ConfigError, match="groups = 3 does not divide layer 'dense1'"):
        _network(tuning="groups", groups=3)
    assert dataclasses.replace(ImsnnConfig(), max_isi=20, isi_bins=5).bin_width == 4
