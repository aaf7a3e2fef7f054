"""Bad ASF configs end in one line that names the problem: in Python and through the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pumice.errors import ConfigError
from pumice.train.config import dump_config, load_config
from pumice.train.families import build_network

LAYERS = """
[[network.layers]]
type = "conv"
features = 2
kernel = 3
padding = 1

[[network.layers]]
type = "pool"
kernel = {pool}

[[network.layers]]
type = "dense"
features = 10
"""


def _config(tmp_path: Path, steps: int = 8, pool: int = 2, asf: str = "") -> Path:
    text = f'[data]\nname = "digits"\nsteps = {steps}\n' + LAYERS.format(pool=pool)
    path = tmp_path / "asf.toml"
    path.write_text(text + "\n[asf]\n" + asf)
    return path


def test_an_asf_config_selects_the_family_and_survives_a_round_trip(tmp_path):
    config = load_config(_config(tmp_path, asf="voltage_decay = 0.05\nratio_mask = true\n"))
    assert config.family == "asf" and config.asf.ratio_mask
    again = tmp_path / "again.toml"
    again.write_text(dump_config(config))
    assert load_config(again) == config


BAD = [
    (
        {"asf": "spiking_output = true\n"},
        r"\[asf\] spiking_output must be false: ASF trains on the output layer's accumulated",
    ),
    ({"steps": 0}, r"\[data\] steps must be >= 1, got 0"),
    ({"asf": "threshold = 0.0\n"}, r"\[asf\] threshold must be > 0"),
    ({"asf": "ratio_momentum = 1.0\n"}, r"\[asf\] ratio_momentum must be in \[0, 1\)"),
    ({"asf": "[neuron]\nthreshold = 2.0\n"}, r"\[neuron\] sets SLAYER CUBA neurons"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=lambda v: str(v)[:30])
def test_bad_settings_are_refused_when_the_config_loads(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_config(tmp_path, **change))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"pool": 3},
            r"#2 \(pool\): window 3 \(stride 3\) does not divide its 8x8 input: the last 2 rows",
        ),
        ({"steps": 2}, r"\[data\] steps = 2 is too short for 2 hidden layers"),
    ],
)
def test_shapes_and_windows_that_cannot_work_are_refused_when_the_network_is_built(
    tmp_path, change, message
):
    config = load_config(_config(tmp_path, **change))
    with pytest.raises(ConfigError, match=message):
        build_network(config, (1, 8, 8))


def test_asf_with_another_family_is_refused(tmp_path):
    path = _config(tmp_path, asf="[bpsr]\n")
    with pytest.raises(ConfigError, match=r"give \[bpsr\] or \[asf\], not both"):
        load_config(path)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"asf": "spiking_output = true\n"}, "spiking_output must be false"),
        ({"steps": 0}, "steps must be >= 1"),
        ({"pool": 3}, "does not divide its 8x8 input"),
    ],
)
def test_the_cli_prints_one_line(tmp_path, change, fragment):
    path = _config(tmp_path, **change)
    result = subprocess.run(
        [sys.executable, "-m", "pumice.cli", "-q", "train", str(path), "--out", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("pumice: error:")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@pytest.mark.parametrize("name", ["asf_fmnist_conv", "asf_mnist5k_conv", "slayer_fmnist_conv"])
def test_the_shipped_conv_configs_build_the_papers_network(name):
    config = load_config(CONFIGS / f"{name}.toml")
    network = build_network(config, (1, 28, 28))
    assert network.layer_names() == ["conv1", "pool1", "conv2", "pool2", "dense1"]
    assert config.family == ("slayer" if name.startswith("slayer") else "asf")
    assert network.num_classes == 10
