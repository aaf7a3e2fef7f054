"""ASF trains through the shared trainer: it learns sklearn digits, and a resumed run is the
run it continues (the layer ratios travel in the checkpoint)."""

from __future__ import annotations

import json

import pytest
import torch

from pumice.train.config import config_from_dict
from pumice.train.trainer import train

LAYERS = [
    {"type": "conv", "features": 8, "kernel": 3, "padding": 1},
    {"type": "pool", "kernel": 2},
    {"type": "dense", "features": 32},
    {"type": "dense", "features": 10},
]


def _config(epochs: int, **asf):
    return config_from_dict(
        {
            "data": {"name": "digits", "steps": 12},
            "network": {"layers": LAYERS},
            "asf": {"ratio_mask": True, **asf},
            "train": {"epochs": epochs, "batch_size": 16, "lr": 0.003},
        }
    )


@pytest.mark.parametrize("voltage_decay", [0.0, 0.05], ids=["IF", "LIF"])
def test_asf_learns_digits(tmp_path, voltage_decay):
    result = train(_config(4, voltage_decay=voltage_decay), tmp_path / "run", progress=False)
    assert result.test_accuracy > 0.85  # chance is 0.10
    losses = [record["train_loss"] for record in result.metrics]
    assert losses[-1] < losses[0]
    spikes = result.test_spikes_per_neuron
    assert list(spikes) == ["conv1", "pool1", "dense1"] and min(spikes.values()) > 0
    ratios = result.model.ratios
    assert ratios.shape == (3,) and bool(((ratios > 0) & (ratios != 1)).all())


@pytest.mark.slow
def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path):
    straight = train(_config(2, ratio_momentum=0.4), tmp_path / "straight", progress=False)
    train(_config(1, ratio_momentum=0.4), tmp_path / "resumed", progress=False)
    resumed = train(
        _config(2, ratio_momentum=0.4), tmp_path / "resumed", resume=True, progress=False
    )
    assert torch.equal(resumed.model.ratios, straight.model.ratios)
    for name, weight in straight.model.weights.items():
        assert torch.equal(resumed.model.weights[name], weight), name
    result = json.loads((tmp_path / "resumed" / "result.json").read_text())
    assert result["test_accuracy"] == straight.test_accuracy
