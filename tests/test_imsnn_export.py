"""The exported IMSNN graph, emulated with the latency padding, equals the torch forward pass.

Hidden layers spike for spike over their windows; the output layer's ``v`` at the
window's last step equals the logits. Runs in float64 so that no spike sits on a
rounding difference from the threshold.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pumice.convert.emulator import emulate
from pumice.convert.ir.windows import layer_windows, pad_for_lag
from pumice.train.config import ConvLayer, DenseLayer, NetworkConfig
from pumice.train.imsnn.network import ImsnnNetwork
from pumice.train.sections.imsnn import ImsnnConfig

STEPS = 24
NETWORKS = {
    "dense": ((1, 6, 6), NetworkConfig((DenseLayer(20), DenseLayer(12), DenseLayer(5)))),
    "conv": (
        (2, 7, 7),
        NetworkConfig((ConvLayer(3, 3, stride=2, padding=1), DenseLayer(10), DenseLayer(5))),
    ),
}


@pytest.mark.parametrize("rule", ["imsnn", "snn"])
@pytest.mark.parametrize("kind", NETWORKS)
def test_emulated_export_equals_the_forward_pass(kind, rule):
    shape, layers = NETWORKS[kind]
    torch.manual_seed(3)
    imsnn = ImsnnConfig(rule=rule, height_std=0.6, mean_max=12.0, width_min=2.0, decay=0.8)
    net = ImsnnNetwork(layers, imsnn, shape, STEPS).double()
    spikes = (np.random.default_rng(0).random((6, *shape, STEPS)) < 0.3).astype(np.uint8)
    with torch.no_grad():
        logits, hidden = net.run(torch.from_numpy(spikes).double())
    graph = net.export_ir()
    windows = layer_windows(graph, STEPS)
    emulated = emulate(
        graph, pad_for_lag(spikes), record_spikes=True, record_state=True, windows=windows
    )
    assert list(hidden) == graph.hidden_neurons()
    for name, fired in hidden.items():
        start, stop = windows[name]
        expected = fired.movedim(1, -1).numpy().astype(np.uint8)
        assert 0.02 < expected.mean() < 0.6, f"{name}: the test needs some spikes, not all"
        np.testing.assert_array_equal(emulated.spikes[name][..., start:stop], expected, name)
        np.testing.assert_array_equal(emulated.counts[name], expected.sum(-1))
    _, stop = windows[graph.output]
    np.testing.assert_allclose(emulated.v[graph.output][..., stop - 1], logits.numpy(), rtol=1e-9)
