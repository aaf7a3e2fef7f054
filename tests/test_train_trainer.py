"""The training loop on sklearn digits: metrics, results, atomic checkpoints and exact resume."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from pumice.data import load_splits
from pumice.errors import ConfigError, ModelError
from pumice.train.checkpoint import load_checkpoint, load_network
from pumice.train.config import (
    DataConfig,
    DenseLayer,
    NetworkConfig,
    OptimConfig,
    TrainConfig,
    load_config,
)
from pumice.train.device import select_device
from pumice.train.trainer import evaluate, train

TINY = TrainConfig(
    data=DataConfig(name="digits", steps=8),
    network=NetworkConfig((DenseLayer(32), DenseLayer(10))),
    train=OptimConfig(epochs=2, batch_size=32, lr=0.01, true_rate=0.5, false_rate=0.05),
)
RUN_FILES = {"run_config.toml", "metrics.jsonl", "checkpoint.pt", "result.json"}
METRIC_KEYS = {
    "epoch",
    "train_loss",
    "train_loss_parts",
    "train_accuracy",
    "val_accuracy",
    "spikes_per_neuron",
    "wall_s",
    "train_s",
}


def with_train(config: TrainConfig, **changes) -> TrainConfig:
    return dataclasses.replace(config, train=dataclasses.replace(config.train, **changes))


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    """One uninterrupted 2-epoch run, shared by the tests below."""
    out = tmp_path_factory.mktemp("two_epochs")
    return train(TINY, out, progress=False)


def read_metrics(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_run_writes_metrics_result_and_learns(two_epochs):
    out = two_epochs.out_dir
    assert {path.name for path in out.iterdir()} == RUN_FILES
    metrics = read_metrics(out)
    assert metrics == two_epochs.metrics
    assert [record["epoch"] for record in metrics] == [1, 2]
    for record in metrics:
        assert set(record) == METRIC_KEYS
        assert set(record["spikes_per_neuron"]) == {"dense1"}
        assert record["spikes_per_neuron"]["dense1"] > 0
        assert 0 < record["train_s"] < record["wall_s"]
    assert metrics[1]["train_loss"] < metrics[0]["train_loss"]
    assert metrics[1]["val_accuracy"] > 0.5  # chance is 0.1
    assert two_epochs.test_accuracy > 0.5
    result = json.loads((out / "result.json").read_text())
    assert result["test_accuracy"] == two_epochs.test_accuracy
    assert result["spikes_per_neuron"] == two_epochs.test_spikes_per_neuron
    assert result["epochs"] == 2
    assert load_config(out / "run_config.toml") == TINY


def test_evaluate_is_deterministic_and_matches_the_metrics(two_epochs):
    splits = load_splits("digits", val_fraction=0.1, seed=0)
    model = two_epochs.model
    first = evaluate(model, splits.val, steps=8, seed=0, batch_size=50)
    second = evaluate(model, splits.val, steps=8, seed=0, batch_size=200)
    assert first == second  # the encoding does not depend on the batch size
    accuracy, spikes = first
    assert accuracy == two_epochs.metrics[-1]["val_accuracy"]
    assert spikes == pytest.approx(two_epochs.metrics[-1]["spikes_per_neuron"])


def test_checkpoint_rebuilds_the_trained_network(two_epochs):
    checkpoint = load_checkpoint(two_epochs.out_dir / "checkpoint.pt")
    assert checkpoint.epoch == 2 and checkpoint.config == TINY
    network = load_network(two_epochs.out_dir / "checkpoint.pt")
    for key, value in two_epochs.model.state_dict().items():
        assert torch.equal(network.state_dict()[key], value), key


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(two_epochs, tmp_path):
    train(with_train(TINY, epochs=1), tmp_path, progress=False)
    assert len(read_metrics(tmp_path)) == 1
    resumed = train(TINY, tmp_path, resume=True, progress=False)
    assert {path.name for path in tmp_path.iterdir()} == RUN_FILES  # no temporary files left
    metrics = read_metrics(tmp_path)
    assert [record["epoch"] for record in metrics] == [1, 2]
    for got, expected in zip(metrics, two_epochs.metrics, strict=True):
        assert got["train_loss"] == expected["train_loss"]
        assert got["val_accuracy"] == expected["val_accuracy"]
    expected_state = two_epochs.model.state_dict()
    for key, value in resumed.model.state_dict().items():
        assert torch.equal(value, expected_state[key]), key
    assert resumed.test_accuracy == two_epochs.test_accuracy


def test_resume_of_a_finished_run_only_evaluates(two_epochs, tmp_path):
    for path in two_epochs.out_dir.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    result = train(TINY, tmp_path, resume=True, progress=False)
    assert len(read_metrics(tmp_path)) == 2
    assert result.test_accuracy == two_epochs.test_accuracy


def test_resume_with_a_different_config_is_refused(two_epochs, tmp_path):
    (tmp_path / "checkpoint.pt").write_bytes((two_epochs.out_dir / "checkpoint.pt").read_bytes())
    with pytest.raises(ConfigError, match=r"\[train\] lr: 0.01 -> 0.02") as info:
        train(with_train(TINY, lr=0.02, epochs=3), tmp_path, resume=True, progress=False)
    assert "\n" not in str(info.value)


def test_training_into_an_existing_run_is_refused(two_epochs):
    with pytest.raises(ConfigError, match="already holds a training run"):
        train(TINY, two_epochs.out_dir, progress=False)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "missing"])
def test_damaged_checkpoint_on_resume_is_a_clean_error(two_epochs, tmp_path, damage):
    data = (two_epochs.out_dir / "checkpoint.pt").read_bytes()
    if damage == "truncate":
        (tmp_path / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(ModelError) as info:
        train(TINY, tmp_path, resume=True, progress=False)
    message = str(info.value)
    assert "\n" not in message and "checkpoint.pt" in message


def test_output_layer_must_match_the_classes(tmp_path):
    config = dataclasses.replace(TINY, network=NetworkConfig((DenseLayer(32), DenseLayer(7))))
    with pytest.raises(ConfigError, match="has 10 classes: set its features to 10"):
        train(config, tmp_path, progress=False)


def test_device_selection():
    assert select_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert select_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA device"):
            select_device("cuda")
