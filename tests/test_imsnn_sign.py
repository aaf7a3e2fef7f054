"""The sign test (the paper's Table 2 ordering): spikes per neuron IMSNN < SNN < IMSNNc.

Same data, seed, network, initial heights and budget for the three rules; only the
learning rule differs. On sklearn digits (64-32-10, T = 20, 6 epochs) seeds 0, 1 and 2
all gave about 1.0 < 2.5 < 6.5 hidden spikes per neuron at 80-94 % test accuracy. The
same ISI network trained with the ungated ISI gradient, or with none, lands at 2.2-3.0:
the ordering comes from the gate, not from the Gaussian synapse itself.
"""

from __future__ import annotations

import pytest

from pumice.train.config import DataConfig, DenseLayer, NetworkConfig, OptimConfig, TrainConfig
from pumice.train.sections.imsnn import ImsnnConfig
from pumice.train.trainer import train


def _config(rule: str) -> TrainConfig:
    return TrainConfig(
        data=DataConfig(name="digits", steps=20, max_rate=0.3),
        network=NetworkConfig((DenseLayer(32), DenseLayer(10))),
        train=OptimConfig(epochs=6, batch_size=32, lr=0.003, seed=0),
        imsnn=ImsnnConfig(rule=rule, mean_max=20.0),
    )


@pytest.mark.slow
def test_spikes_per_neuron_imsnn_below_snn_below_imsnnc(tmp_path):
    results = {
        rule: train(_config(rule), tmp_path / rule, progress=False)
        for rule in ("imsnn", "snn", "imsnnc")
    }
    spikes = {rule: result.test_spikes_per_neuron["dense1"] for rule, result in results.items()}
    for rule, result in results.items():
        assert result.test_accuracy > 0.7, f"{rule} did not learn: {result.test_accuracy}"
    assert spikes["imsnn"] < spikes["snn"] < spikes["imsnnc"], spikes
