"""Training config files: valid files parse, every kind of mistake is a one-line ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from pumice.errors import ConfigError
from pumice.train.config import (
    ConvLayer,
    DenseLayer,
    FlattenLayer,
    PoolLayer,
    dump_config,
    load_config,
    save_config,
)

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

VALID = """
[data]
name = "digits"
steps = 16

[neuron]
threshold = 1.0
current_decay = 0.5

[[network.layers]]
type = "conv"
features = 4
kernel = 3
padding = 1

[[network.layers]]
type = "pool"
kernel = 2

[[network.layers]]
type = "flatten"

[[network.layers]]
type = "dense"
features = 10

[train]
epochs = 2
lr = 1e-2
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def load_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    assert "run.toml" in message
    return message


def test_valid_config_parses_with_defaults(tmp_path):
    config = load_config(write(tmp_path, VALID))
    assert config.data.name == "digits"
    assert config.data.steps == 16
    assert config.data.root is None
    assert config.data.val_fraction == 0.1
    assert config.neuron.threshold == 1.0
    assert config.neuron.current_decay == 0.5
    assert config.neuron.voltage_decay == 0.03  # default
    assert config.network.layers == (
        ConvLayer(features=4, kernel=3, stride=1, padding=1),
        PoolLayer(kernel=2, stride=None),
        FlattenLayer(),
        DenseLayer(features=10),
    )
    assert config.train.epochs == 2
    assert config.train.lr == 0.01
    assert isinstance(config.train.lr, float)
    assert config.train.device == "cpu"


def test_integer_is_accepted_for_a_float_field(tmp_path):
    config = load_config(write(tmp_path, VALID.replace("threshold = 1.0", "threshold = 2")))
    assert config.neuron.threshold == 2.0
    assert isinstance(config.neuron.threshold, float)


@pytest.mark.parametrize("name", ["digits_demo.toml", "digits_conv.toml", "fmnist_784_500_10.toml"])
def test_shipped_configs_load_and_round_trip(name, tmp_path):
    config = load_config(CONFIGS / name)
    assert isinstance(config.network.layers[-1], DenseLayer)
    assert config.network.layers[-1].features == 10
    save_config(config, tmp_path / "copy.toml")
    assert load_config(tmp_path / "copy.toml") == config


def test_dump_keeps_optional_values(tmp_path):
    text = VALID.replace("steps = 16", 'steps = 16\nroot = "/data/x"').replace(
        "kernel = 2", "kernel = 2\nstride = 1"
    )
    config = load_config(write(tmp_path, text))
    assert config.data.root == "/data/x"
    assert config.network.layers[1].stride == 1
    assert 'root = "/data/x"' in dump_config(config)
    (tmp_path / "again.toml").write_text(dump_config(config))
    assert load_config(tmp_path / "again.toml") == config


def test_unknown_top_level_section(tmp_path):
    message = load_error(tmp_path, VALID + "\n[optimizer]\nlr = 1\n")
    assert "'optimizer'" in message
    assert "data, neuron, network, train" in message


def test_unknown_key_in_a_section(tmp_path):
    message = load_error(tmp_path, VALID.replace("epochs = 2", "epochs = 2\nlearning_rate = 1"))
    assert "[train]" in message
    assert "'learning_rate'" in message
    assert "lr" in message and "batch_size" in message  # the allowed keys are listed


def test_unknown_key_in_a_layer(tmp_path):
    message = load_error(tmp_path, VALID.replace("kernel = 2", "kernel = 2\nsize = 3"))
    assert "[[network.layers]] #2 (pool)" in message
    assert "'size'" in message
    assert "kernel, stride" in message


def test_unknown_key_in_network(tmp_path):
    message = load_error(
        tmp_path,
        VALID.replace("[[network.layers]]", "[network]\nname = 'x'\n\n[[network.layers]]", 1),
    )
    assert "[network]" in message
    assert "'name'" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("steps = 16", "steps = 0", "[data] steps must be >= 1, got 0"),
        ("steps = 16", 'steps = "16"', "[data] steps must be an integer"),
        ("steps = 16", "steps = true", "[data] steps must be an integer"),
        ("steps = 16", "steps = 16.0", "[data] steps must be an integer"),
        ("current_decay = 0.5", "current_decay = 1.5", "[neuron] current_decay must be in [0, 1]"),
        ("threshold = 1.0", "threshold = -1.0", "[neuron] threshold must be > 0"),
        ('type = "flatten"', 'type = "dropout"', "type must be one of dense, conv, pool, flatten"),
        ('type = "flatten"', "type = [1]", "#3 type must be one of dense, conv, pool, flatten"),
        ("kernel = 3", "kernel = 0", "#1 (conv) kernel must be >= 1"),
        ("features = 4", "", "#1 (conv) missing required key 'features'"),
        ("lr = 1e-2", "lr = 0", "[train] lr must be > 0"),
        ("lr = 1e-2", "lr = nan", "[train] lr must be a finite number"),
        ("lr = 1e-2", 'device = "gpu"', "[train] device must be one of 'cpu', 'cuda', 'auto'"),
        ("lr = 1e-2", "true_rate = 0.1\nfalse_rate = 0.2", "false_rate must be below true_rate"),
        ('name = "digits"', "", "[data] missing required key 'name'"),
    ],
)
def test_bad_values_are_rejected(tmp_path, old, new, expected):
    assert old in VALID
    message = load_error(tmp_path, VALID.replace(old, new))
    assert expected in message


def test_section_must_be_a_table(tmp_path):
    text = "train = 3\n" + VALID.split("[train]")[0]
    assert "[train] must be a table, got an integer" in load_error(tmp_path, text)


def test_last_layer_must_be_dense(tmp_path):
    text = VALID.rsplit("[[network.layers]]", 1)[0] + "\n[train]\nepochs = 1\n"
    assert "must end with a dense output layer" in load_error(tmp_path, text)


def test_missing_section(tmp_path):
    text = VALID.split("[[network.layers]]", 1)[0]
    assert "missing required section [network]" in load_error(tmp_path, text)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml")


def test_invalid_toml(tmp_path):
    assert "invalid TOML" in load_error(tmp_path, "[data\nname = 1")
