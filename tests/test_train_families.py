"""Network families: the optional [imsnn]/[bpsr] sections select the network a config trains."""

from __future__ import annotations

from pathlib import Path

import pytest

from pumice.errors import ConfigError
from pumice.train.config import dump_config, load_config

BASE = """
[data]
name = "digits"
steps = 16

[[network.layers]]
type = "dense"
features = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("extra", "family"),
    [
        ("", "slayer"),
        ("[imsnn]\nmean_max = 8.0\n", "imsnn"),
        ("[bpsr]\n", "bpsr"),
        ("[asf]\n", "asf"),
    ],
)
def test_section_selects_family_and_survives_a_round_trip(tmp_path, extra, family):
    config = load_config(write(tmp_path, BASE + extra))
    assert config.family == family
    again = load_config(write(tmp_path, dump_config(config)))
    assert again == config


def test_both_family_sections_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"\[imsnn\] or \[bpsr\], not both"):
        load_config(write(tmp_path, BASE + "[imsnn]\nmean_max = 8.0\n[bpsr]\n"))


def test_isi_mean_longer_than_the_window_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"mean_max 20.0 is longer than the time window"):
        load_config(write(tmp_path, BASE + "[imsnn]\nmean_max = 20.0\n"))


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("[imsnn]\nwidth_min = 0.0\n", "width_min must be > 0"),
        ('[imsnn]\nrule = "hebb"\n', "rule must be one of"),
        ("[bpsr]\ntau_init = 1.5\n", r"tau_init must be in \[0, 1\]"),
        ('[train]\noptimizer = "sgd"\n', "optimizer must be one of"),
    ],
)
def test_bad_family_values_name_the_key(tmp_path, section, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, BASE + section))


@pytest.mark.parametrize("family", ["[imsnn]\nmean_max = 8.0\n", "[bpsr]\n", "[asf]\n"])
@pytest.mark.parametrize(
    ("slayer_only", "problem"),
    [
        ("[neuron]\nthreshold = 2.0\n", r"\[neuron\] sets SLAYER CUBA neurons"),
        ("[train]\ntrue_rate = 0.5\n", r"\[train\] true_rate applies to SLAYER networks only"),
    ],
)
def test_slayer_only_settings_are_refused_for_other_families(
    tmp_path, family, slayer_only, problem
):
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, BASE + family + slayer_only))
