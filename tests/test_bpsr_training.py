"""BPSR training: the spike regulariser lowers the hidden firing; the shipped configs build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from pumice.train.bpsr.network import BpsrNetwork
from pumice.train.config import config_from_dict, load_config
from pumice.train.families import build_network
from pumice.train.trainer import train

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _config(lambda_spike: float):
    return config_from_dict(
        {
            "data": {"name": "digits", "steps": 8},
            "network": {
                "layers": [
                    {"type": "dense", "features": 32, "recurrent": True},
                    {"type": "dense", "features": 10},
                ]
            },
            "train": {"epochs": 3, "batch_size": 16, "lr": 0.01, "optimizer": "adamw"},
            "bpsr": {"lambda_spike": lambda_spike},
        }
    )


def test_larger_lambda_spike_gives_fewer_hidden_spikes(tmp_path):
    free = train(_config(0.0), tmp_path / "free", progress=False)
    sparse = train(_config(0.01), tmp_path / "sparse", progress=False)
    assert sparse.test_spikes_per_neuron["dense1"] < 0.5 * free.test_spikes_per_neuron["dense1"]
    assert free.test_accuracy > 0.4  # both learn the digits (10 classes)
    assert sparse.test_accuracy > 0.4
    record = json.loads((tmp_path / "sparse" / "metrics.jsonl").read_text().splitlines()[0])
    assert set(record["train_loss_parts"]) == {"classification", "spike_l2", "weight_l1"}
    assert record["train_loss_parts"]["spike_l2"] > 0
    assert record["train_loss_parts"]["weight_l1"] == 0  # lambda_weight = 0


@pytest.mark.parametrize(
    ("name", "input_shape", "recurrent"),
    [
        ("bpsr_fmnist_rank_order", (1, 28, 28), [False, False]),
        ("bpsr_mnist_rmlp", (1, 28, 28), [True, False, False]),
        ("bpsr_ecg_level_crossing", (2,), [True, False, False]),
    ],
)
def test_shipped_configs_build_bpsr_networks(name, input_shape, recurrent):
    config = load_config(CONFIGS / f"{name}.toml")
    net = build_network(config, input_shape)
    assert config.family == "bpsr" and isinstance(net, BpsrNetwork)
    assert [block.recurrent_weight is not None for block in net.blocks] == recurrent
    spikes = torch.zeros(2, *input_shape, config.data.steps)
    output, counts = net(spikes)
    assert output.shape == (2, net.num_classes, config.data.steps)
    assert len(counts) == len(recurrent) - 1
