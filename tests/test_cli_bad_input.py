"""Bad input through the CLI: one-line error naming the problem, exit code 2, no traceback,
no half-written output."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from model_file_factory import write_pumice

from pumice.convert.ir import CubaLIF, Dense, Graph, Input


def _pumice(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pumice.cli", "-q", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _assert_clean_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("pumice: error:")]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in error_lines[0]


def _model(path, weight) -> None:
    write_pumice(  # writes invalid graphs too, which save_graph refuses
        path,
        Graph.chain(
            [
                ("input", Input((3,))),
                ("dense1_synapse", Dense(weight)),
                ("dense1", CubaLIF((2,), 1.25, 0.25, 0.03, np.zeros(1))),
            ],
            metadata={"steps": 5, "data": {"name": "digits"}},
        ),
    )


def test_truncated_model(tmp_path):
    _model(tmp_path / "m.pumice", np.ones((2, 3)))
    data = (tmp_path / "m.pumice").read_bytes()
    (tmp_path / "m.pumice").write_bytes(data[:100])
    result = _pumice("convert", "m.pumice", "--out", "out.pumice", cwd=tmp_path)
    _assert_clean_error(result, "m.pumice", "truncated")
    assert not (tmp_path / "out.pumice").exists()


def test_corrupted_model_bytes(tmp_path):
    (tmp_path / "junk.pumice").write_bytes(b"PK\x03\x04" + bytes(range(200)))
    result = _pumice("run", "junk.pumice", "--samples", "3", cwd=tmp_path)
    _assert_clean_error(result, "junk.pumice")


def test_nan_weights(tmp_path):
    weight = np.ones((2, 3))
    weight[0, 1] = np.nan
    _model(tmp_path / "nan.pumice", weight)
    result = _pumice("convert", "nan.pumice", "--out", "out.pumice", cwd=tmp_path)
    _assert_clean_error(result, "NaN", "dense1_synapse")
    assert not (tmp_path / "out.pumice").exists()


def test_config_with_unknown_key(tmp_path):
    (tmp_path / "bad.toml").write_text(
        '[data]\nname = "digits"\nsteps = 8\nlearning_rate = 3\n'
        '[[network.layers]]\ntype = "dense"\nfeatures = 10\n'
    )
    result = _pumice("train", "bad.toml", "--out", "run", cwd=tmp_path)
    _assert_clean_error(result, "learning_rate")
    assert not (tmp_path / "run" / "model.pumice").exists()


@pytest.mark.parametrize(
    "data_args",
    [("--data", "/no/such/file.npz"), ("--data", "mnist", "--root", "/no/such/dir")],
)
def test_data_path_that_does_not_exist(tmp_path, data_args):
    _model(tmp_path / "m.pumice", np.ones((2, 3)))
    result = _pumice("run", "m.pumice", *data_args, "--json", "r.json", cwd=tmp_path)
    _assert_clean_error(result, "/no/such/")
    assert not (tmp_path / "r.json").exists()


def test_lava_backend_refuses_float_model(tmp_path):
    _model(tmp_path / "m.pumice", np.ones((2, 3)))
    result = _pumice("run", "m.pumice", "--backend", "lava", "--samples", "2", cwd=tmp_path)
    _assert_clean_error(result, "fixed-point")
