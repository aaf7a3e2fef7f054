"""``pumice convert`` as named steps: intermediate graphs, time per step, --from and --to."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_cli_convert import _digits_model

from pumice.cli import main
from pumice.convert.ir import load_graph
from pumice.convert.steps.registry import STANDARD_STEPS
from pumice.convert.steps.runner import steps_to_run
from pumice.errors import ModelError

_OPTIONS = ["--prune", "0.3", "--leak", "shift", "--profile", "loihi1"]


def _convert(tmp_path, model, out, *extra) -> dict:
    report = tmp_path / f"{out.stem}.json"
    code = main(["-q", "convert", str(model), "--out", str(out), "--json", str(report), *extra])
    assert code == 0
    return json.loads(report.read_text())


def _same_graph(a, b) -> None:
    assert list(a.nodes) == list(b.nodes)
    for name, node in a.nodes.items():
        assert type(node) is type(b.nodes[name])
        for field, value in node.arrays().items():
            np.testing.assert_array_equal(value, b.nodes[name].arrays()[field])


def test_every_step_leaves_a_runnable_graph_and_its_time(tmp_path, capsys):
    _digits_model(tmp_path / "m.pumice", np.random.default_rng(0))
    kept = tmp_path / "steps"
    report = _convert(
        tmp_path, tmp_path / "m.pumice", tmp_path / "f.pumice", *_OPTIONS,
        "--keep-intermediate", str(kept),
    )  # fmt: skip
    ran = [row["step"] for row in report["steps"]]
    assert ran == ["load", "prune", "quantize", "shift_leak", "check", "write"]
    assert set(report["skipped"]) == {"lower_isi", "trim_isi_bins"}
    assert all(row["wall_s"] >= 0 for row in report["steps"])
    written = sorted(path.name for path in kept.iterdir())
    expected = [f"{STANDARD_STEPS.index(s):02d}_{s}.pumice" for s in ran if s != "write"]
    assert written == expected
    for path in kept.iterdir():
        capsys.readouterr()
        assert main(["-q", "run", str(path), "--samples", "20"]) == 0
        assert "accuracy" in capsys.readouterr().out
    _same_graph(load_graph(kept / "05_shift_leak.pumice"), load_graph(tmp_path / "f.pumice"))
    assert load_graph(kept / "02_prune.pumice").domain() == "float"


def test_from_and_to_cut_the_run_at_named_steps(tmp_path):
    _digits_model(tmp_path / "m.pumice", np.random.default_rng(0))
    kept = tmp_path / "steps"
    _convert(
        tmp_path, tmp_path / "m.pumice", tmp_path / "full.pumice", *_OPTIONS,
        "--keep-intermediate", str(kept),
    )  # fmt: skip
    early = _convert(
        tmp_path, tmp_path / "m.pumice", tmp_path / "early.pumice", *_OPTIONS, "--to", "quantize"
    )
    assert [row["step"] for row in early["steps"]] == ["load", "prune", "quantize", "write"]
    _same_graph(load_graph(tmp_path / "early.pumice"), load_graph(kept / "03_quantize.pumice"))
    late = _convert(
        tmp_path, kept / "03_quantize.pumice", tmp_path / "late.pumice", *_OPTIONS,
        "--from", "shift_leak",
    )  # fmt: skip
    assert [row["step"] for row in late["steps"]] == ["load", "shift_leak", "check", "write"]
    _same_graph(load_graph(tmp_path / "late.pumice"), load_graph(tmp_path / "full.pumice"))


def test_step_names_are_checked():
    assert steps_to_run(None, None) == list(STANDARD_STEPS)
    assert steps_to_run("prune", "prune") == ["load", "prune", "write"]
    with pytest.raises(ModelError, match="unknown conversion step 'quantise': choose one of"):
        steps_to_run("quantise", None)
    with pytest.raises(ModelError, match="step 'check' comes after step 'prune'"):
        steps_to_run("check", "prune")


def test_an_unknown_step_on_the_command_line_is_one_usage_error(tmp_path, capsys):
    assert main(["convert", "m.pumice", "--out", "f.pumice", "--to", "quantise"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pumice: error: argument --to: invalid choice: 'quantise'")
    assert err.count("\n") == 1
