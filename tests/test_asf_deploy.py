"""A trained ASF network takes the other families' road: convert, map, report, deploy."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from pumice.conversion import ConversionConfig, convert
from pumice.convert.ir import save_graph
from pumice.deployment import deploy_model
from pumice.hardware_report import map_model, report_model
from pumice.inference import run_graph
from pumice.model_inputs import load_inputs
from pumice.train.config import config_from_dict
from pumice.train.trainer import train

pytestmark = [pytest.mark.lava, pytest.mark.slow]

LAYERS = [
    {"type": "conv", "features": 4, "kernel": 3, "padding": 1},
    {"type": "pool", "kernel": 2},
    {"type": "dense", "features": 10},
]


@pytest.fixture(scope="module")
def fixed_model(tmp_path_factory):
    """A digits ASF network trained for two epochs, converted with lava-dl's 8 bits."""
    out = tmp_path_factory.mktemp("asf")
    config = config_from_dict(
        {
            "data": {"name": "digits", "steps": 8},
            "network": {"layers": LAYERS},
            "asf": {"ratio_mask": True},
            "train": {"epochs": 2, "batch_size": 16, "lr": 0.003},
        }
    )
    torch.manual_seed(0)
    result = train(config, out / "run", progress=False)
    metadata = {"data": dataclasses.asdict(config.data), "steps": 8}
    save_graph(result.model.export_ir(metadata), out / "model.pumice")
    fixed, _ = convert(ConversionConfig(out / "model.pumice", out / "model.fixed.pumice"))
    return fixed, out / "model.fixed.pumice", result.test_accuracy


def test_fixed_point_keeps_the_accuracy_and_lava_agrees(fixed_model):
    fixed, _, float_accuracy = fixed_model
    spikes, labels = load_inputs(fixed)
    emulated = run_graph(fixed, spikes, labels, "emulator", progress=False)
    assert emulated.accuracy > 0.6 and abs(emulated.accuracy - float_accuracy) < 0.1
    on_lava = run_graph(fixed, spikes[:8], labels[:8], "lava", progress=False)
    assert (on_lava.predictions == emulated.predictions[:8]).all()
    for name, counts in on_lava.counts.items():
        assert (counts == emulated.counts[name][:8]).all(), name


def test_map_report_and_deploy(fixed_model, tmp_path):
    _, path, _ = fixed_model
    mapping = map_model(path, "loihi1").to_json()
    assert mapping["cores_used"] >= 1
    assert set(mapping["layer_shapes"]) >= {"conv1", "pool1", "dense1"}
    _, report = report_model(path, "loihi1", samples=4, progress=False)
    assert report["samples"] == 4 and report["energy_per_inference_j"] > 0
    manifest = deploy_model(path, tmp_path / "bundle", "lava-sim", samples=3, run=True)
    assert manifest["results"]["samples"] == 3
