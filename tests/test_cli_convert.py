"""``pumice convert`` with bits, calibration and a hardware profile."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pumice.cli import main
from pumice.convert.ir import CubaLIF, Dense, Flatten, Graph, Input, load_graph, save_graph


def _digits_model(path, rng) -> None:
    save_graph(
        Graph.chain(
            [
                ("input", Input((1, 8, 8))),
                ("flatten1", Flatten()),
                ("dense1_synapse", Dense(rng.normal(0, 0.4, (20, 64)))),
                ("dense1", CubaLIF((20,), 1.25, 0.25, 0.03, np.zeros(1))),
                ("dense2_synapse", Dense(rng.normal(0, 0.6, (10, 20)))),
                ("dense2", CubaLIF((10,), 1.25, 0.25, 0.03, np.zeros(1))),
            ],
            metadata={"steps": 12, "data": {"name": "digits", "max_rate": 1.0}},
        ),
        path,
    )


@pytest.mark.parametrize("bits", [8, 3])
def test_convert_prints_steps_and_writes_json(tmp_path, capsys, bits):
    _digits_model(tmp_path / "m.pumice", np.random.default_rng(0))
    code = main(
        [
            "-q", "convert", str(tmp_path / "m.pumice"), "--out", str(tmp_path / "f.pumice"),
            "--bits", str(bits), "--calibrate", "digits", "--calibration-samples", "40",
            "--profile", "loihi1", "--prune", "0.5", "--json", str(tmp_path / "c.json"),
        ]
    )  # fmt: skip
    assert code == 0
    table = capsys.readouterr().out
    for step in ("load", "prune", "quantize", "check", "write"):
        assert step in table
    report = json.loads((tmp_path / "c.json").read_text())
    assert [s["step"] for s in report["steps"]] == ["load", "prune", "quantize", "check", "write"]
    load, prune = report["steps"][:2]
    assert prune["synapses"] <= load["synapses"] // 2 + 1  # the synapse count drops
    assert prune["sparsity"] >= 0.5
    assert all(0.0 <= s["accuracy"] <= 1.0 for s in report["steps"][:3])
    assert report["design_rules"]["ok"] is True
    fixed = load_graph(tmp_path / "f.pumice")
    assert fixed.domain() == "fixed"
    assert fixed.nodes["dense1_synapse"].num_weight_bits == bits


def test_bits_out_of_range_is_a_one_line_error(tmp_path, capsys):
    _digits_model(tmp_path / "m.pumice", np.random.default_rng(0))
    for bits in ("0", "9"):
        code = main(["convert", str(tmp_path / "m.pumice"), "--out", "x", "--bits", bits])
        assert code == 2
        err = capsys.readouterr().err
        assert f"argument --bits: must be an integer from 1 to 8, got {bits}" in err
        assert err.count("\n") == 1


def test_design_rule_violation_stops_before_writing(tmp_path, capsys):
    _digits_model(tmp_path / "m.pumice", np.random.default_rng(0))
    profile = tmp_path / "tiny.toml"
    text = (Path(__file__).resolve().parents[1] / "hw_profiles" / "loihi1.toml").read_text()
    profile.write_text(text.replace("input_axons_per_core = 4096", "input_axons_per_core = 16"))
    code = main(
        [
            "convert", str(tmp_path / "m.pumice"), "--out", str(tmp_path / "f.pumice"),
            "--profile", str(profile),
        ]
    )  # fmt: skip
    assert code == 2
    assert "fan_in" in capsys.readouterr().err
    assert not (tmp_path / "f.pumice").exists()
