"""``--help`` documents every option of every subcommand; ``-q`` works anywhere; stdout
holds only pumice's own output (third-party import noise goes elsewhere)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pumice.cli import build_parser, main

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "digits_demo.toml"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


SUBCOMMANDS = _subcommands()


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_argument_is_documented(name):
    parser = SUBCOMMANDS[name]
    for action in parser._actions:
        assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
    text = parser.format_help()
    for action in parser._actions:
        for flag in action.option_strings or [action.dest]:
            assert flag in text, (name, flag)


def test_the_commands_share_their_data_and_model_options():
    data = {"--data", "--root", "--split", "--samples", "--seed", "--steps", "--max-rate"}
    for name in ("run", "report", "deploy"):
        flags = {f for a in SUBCOMMANDS[name]._actions for f in a.option_strings}
        assert data | {"--dt", "--input-shape", "-q"} <= flags, name
    convert = {f for a in SUBCOMMANDS["convert"]._actions for f in a.option_strings}
    assert {"--calibrate", "--calibration-samples", "--split", "--seed", "--dt"} <= convert
    assert {"--dt", "--input-shape"} <= {
        f for a in SUBCOMMANDS["map"]._actions for f in a.option_strings
    }


def test_help_exits_zero_and_names_positionals(capsys):
    for name in SUBCOMMANDS:
        assert main([name, "--help"]) == 0
        text = capsys.readouterr().out
        assert "positional arguments" in text or name == "demo", name


def _model(path):
    from pumice.convert.ir import FixedCubaLIF, FixedDense, Graph, Input, save_graph

    rng = np.random.default_rng(0)
    save_graph(
        Graph.chain(
            [
                ("input", Input((6,))),
                ("dense1_synapse", FixedDense(rng.integers(-40, 120, (4, 6)))),
                ("dense1", FixedCubaLIF((4,), 1024, 512, 60, np.zeros(4, dtype=np.int64))),
            ]
        ),
        path,
    )
    np.savez(path.with_name("x.npz"), x=np.ones((3, 6, 5), np.uint8), y=np.zeros(3, int))


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_is_accepted_before_and_after_the_subcommand(tmp_path, capsys, where):
    _model(tmp_path / "m.pumice")
    args = ["run", str(tmp_path / "m.pumice"), "--data", str(tmp_path / "x.npz")]
    assert main(["-q", *args] if where == "before" else [*args, "-q"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no progress bar
    assert out.splitlines()[0].split() == ["backend", "emulator"]


def _pumice(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pumice.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_training_prints_only_its_table_on_stdout(tmp_path):
    config = CONFIG.read_text().replace("epochs = 12", "epochs = 1")
    (tmp_path / "tiny.toml").write_text(config.replace("features = 64", "features = 8"))
    quiet = _pumice("train", "tiny.toml", "--out", "q", "-q", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert [line.split()[0] for line in quiet.stdout.splitlines()] == [
        "test",
        "spikes/neuron",
        "model",
        "metrics",
    ]
    assert "Prophesee" not in quiet.stdout + quiet.stderr
    assert "No CUDA runtime" not in quiet.stdout


def test_lava_dl_import_noise_goes_to_stderr_without_quiet(tmp_path):
    code = "from pumice.cli import _import_training; _import_training(quiet=False)"
    loud = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert loud.returncode == 0, loud.stderr
    assert loud.stdout == "" and "Prophesee" in loud.stderr
