"""Every bad input ends in one line: a table of probes per subcommand.

Each probe runs the CLI in a folder of small inputs and must give exit code 2 and
exactly one line on stderr, ``pumice: error: ...`` holding the expected words, with
nothing on stdout, no file written and every input byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from pumice.cli import main
from pumice.convert.ir import CubaLIF, Dense, Flatten, Graph, Input, save_graph
from pumice.convert.passes.quantize import QuantizeToLoihi

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "digits_demo.toml"


def _digits_graph() -> Graph:
    rng = np.random.default_rng(0)
    return Graph.chain(
        [
            ("input", Input((1, 8, 8))),
            ("flatten1", Flatten()),
            ("dense1_synapse", Dense(rng.normal(0, 0.4, (20, 64)))),
            ("dense1", CubaLIF((20,), 1.25, 0.25, 0.03, np.zeros(1))),
            ("dense2_synapse", Dense(rng.normal(0, 0.6, (10, 20)))),
            ("dense2", CubaLIF((10,), 1.25, 0.25, 0.03, np.zeros(1))),
        ],
        metadata={"steps": 12, "data": {"name": "digits", "max_rate": 1.0}},
    )


def _spikes(rng, samples: int, shape=(1, 8, 8), steps: int = 12) -> np.ndarray:
    return (rng.random((samples, *shape, steps)) < 0.3).astype(np.uint8)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A folder of inputs: float and fixed models, .npz files, a file, a folder."""
    folder = tmp_path_factory.mktemp("inputs")
    graph = _digits_graph()
    save_graph(graph, folder / "float.pumice")
    save_graph(QuantizeToLoihi().apply(graph).graph, folder / "fixed.pumice")
    rng = np.random.default_rng(1)
    np.savez(folder / "mine.npz", x=_spikes(rng, 12), y=rng.integers(0, 10, 12))
    np.savez(folder / "tiny.npz", x=_spikes(rng, 3), y=rng.integers(0, 10, 3))
    np.savez(folder / "high.npz", x=_spikes(rng, 10), y=np.arange(5, 15))
    np.savez(folder / "negative.npz", x=_spikes(rng, 10), y=np.arange(-3, 7))
    np.savez(folder / "shape.npz", x=_spikes(rng, 4, (12,)), y=np.zeros(4, dtype=int))
    (folder / "notes.txt").write_text("a regular file\n")
    (folder / "results").mkdir()
    (folder / "results" / "keep.txt").write_text("not pumice's\n")
    (folder / "run").mkdir()
    (folder / "run" / "config.toml").write_text(DEMO_CONFIG.read_text())
    (folder / "run" / "run_config.toml").write_text(DEMO_CONFIG.read_text())
    return folder


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its bytes."""
    seen = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            seen[os.path.relpath(Path(root) / name, folder)] = "folder"
        for name in files:
            path = Path(root) / name
            seen[os.path.relpath(path, folder)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def _assert_one_line_error(inputs: Path, monkeypatch, capsys, args: list[str], expected: str):
    monkeypatch.chdir(inputs)
    before = _snapshot(inputs)
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("pumice: error: "), err
    assert "Traceback" not in err
    assert expected in err, err
    assert _snapshot(inputs) == before, "a probe changed or wrote a file"


RUN = [
    (["--seed", "-1"], "argument --seed: must be an integer from 0 to 4294967295, got -1"),
    (["--seed", "x"], "argument --seed: must be an integer from 0 to 4294967295, got 'x'"),
    (["--steps", "0"], "argument --steps: must be an integer >= 1, got 0"),
    (["--steps", "1000000000000"], "GiB, more than the"),
    (["--samples", "0"], "argument --samples: must be an integer >= 1, got 0"),
    (["--samples", "-1"], "argument --samples: must be an integer >= 1, got -1"),
    (["--samples", "100000"], "--samples 100000 is more than the 359 samples of digits test"),
    (["--max-rate", "0"], "argument --max-rate: must be a number > 0 and <= 1, got 0"),
    (["--max-rate", "nan"], "argument --max-rate: must be a number > 0 and <= 1, got nan"),
    (["--max-rate", "2"], "argument --max-rate: must be a number > 0 and <= 1, got 2"),
    (["--split", "dev"], "argument --split: invalid choice: 'dev'"),
    (["--backend", "gpu"], "argument --backend: invalid choice: 'gpu'"),
    (["--dt", "0"], "argument --dt: must be a number > 0, got 0"),
    (["--dt", "1e-4"], "--dt (dt) applies to NIR files only"),
    (["--input-shape", "2,0"], "argument --input-shape: must be positive integers"),
    (["--input-shape", "2,6,5"], "--input-shape (input_shape) applies to lava-dl .net files"),
    (["--json", "float.pumice"], "--json 'float.pumice' is the model, which it would overwrite"),
    (["--spikes", "float.pumice"], "--spikes 'float.pumice' is the model"),
    (["--json", "results"], "--json 'results' is an existing folder"),
    (["--json", "notes.txt/r.json"], "'notes.txt' is a file, so nothing can be created under it"),
    (["--json", "a.json", "--spikes", "a.json"], "--spikes and --json both name 'a.json'"),
    (["--data", "mine.npz", "--json", "mine.npz"], "--json 'mine.npz' is --data"),
    (["--data", "high.npz"], "labels 5..14, but the model has 10 outputs (classes 0..9)"),
    (["--data", "negative.npz"], "labels -3..6, but the model has 10 outputs (classes 0..9)"),
    (["--data", "tiny.npz", "--split", "test"], "too few to split into train, val and test"),
    (["--data", "mine.npz", "--steps", "5"], "--steps applies to intensity data only"),
    (["--data", "mine.npz", "--max-rate", "0.5"], "--max-rate applies to intensity data only"),
    (["--data", "mine.npz", "--root", "."], "--root is read for named datasets only"),
    (["--data", "mine.npz", "--samples", "13"], "--samples 13 is more than the 12 samples"),
    (["--data", "shape.npz"], "holds samples of shape (12,), but the model's input is (1, 8, 8)"),
    (["--data", "nothing.npz"], "data file 'nothing.npz' does not exist"),
    (["--data", "cifar"], "unknown dataset 'cifar'"),
    (["--backend", "lava"], "the Lava backend runs fixed-point graphs only"),
    (["--bogus"], "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize(("args", "expected"), RUN, ids=[" ".join(a) for a, _ in RUN])
def test_run(inputs, monkeypatch, capsys, args, expected):
    _assert_one_line_error(inputs, monkeypatch, capsys, ["run", "float.pumice", *args], expected)


MODELS = [
    (["run", "results"], "model 'results' is a directory, not a model file"),
    (["run", "missing.pumice"], "model file 'missing.pumice' does not exist"),
    (["run", "notes.txt"], "unknown format '.txt'"),
    (["run", "mine.npz"], "unknown format '.npz'"),
    (["map", "results", "--profile", "loihi2"], "is a directory, not a model file"),
]


@pytest.mark.parametrize(("args", "expected"), MODELS, ids=[" ".join(a) for a, _ in MODELS])
def test_model_paths(inputs, monkeypatch, capsys, args, expected):
    _assert_one_line_error(inputs, monkeypatch, capsys, args, expected)


MAP = [
    (["--profile", "loihi9"], "loihi9"),
    (["--profile", "loihi2", "--json", "fixed.pumice"], "--json 'fixed.pumice' is the model"),
    (["--profile", "loihi2", "--json", "results"], "is an existing folder"),
    (["--profile", "loihi2", "--dt", "1e-3"], "--dt (dt) applies to NIR files only"),
    ([], "the following arguments are required: --profile"),
]


@pytest.mark.parametrize(("args", "expected"), MAP, ids=[" ".join(a) or "none" for a, _ in MAP])
def test_map(inputs, monkeypatch, capsys, args, expected):
    _assert_one_line_error(inputs, monkeypatch, capsys, ["map", "fixed.pumice", *args], expected)


REPORT = [
    (["--json", "ok.json", "--png", "notes.txt/r.png"], "'notes.txt' is a file"),
    (["--json", "fixed.pumice"], "--json 'fixed.pumice' is the model"),
    (["--png", "fixed.pumice"], "--png 'fixed.pumice' is the model"),
    (["--json", "same", "--png", "same"], "--png and --json both name 'same'"),
    (["--samples", "0"], "argument --samples: must be an integer >= 1, got 0"),
    (["--steps", "0"], "argument --steps: must be an integer >= 1, got 0"),
    (["--seed", "-1"], "argument --seed: must be an integer from 0 to 4294967295, got -1"),
    (["--data", "high.npz"], "labels 5..14, but the model has 10 outputs"),
    (["--data", "mine.npz", "--steps", "20"], "--steps applies to intensity data only"),
    (["--backend", "lava"], "the Lava backend runs fixed-point graphs only"),
]


@pytest.mark.parametrize(("args", "expected"), REPORT, ids=[" ".join(a) for a, _ in REPORT])
def test_report(inputs, monkeypatch, capsys, args, expected):
    model = "float.pumice" if "lava" in args else "fixed.pumice"
    command = ["report", model, "--profile", "loihi1", *args]
    _assert_one_line_error(inputs, monkeypatch, capsys, command, expected)


CONVERT = [
    (["--out", "float.pumice"], "--out 'float.pumice' is the model, which it would overwrite"),
    (["--out", "f.pumice", "--json", "float.pumice"], "--json 'float.pumice' is the model"),
    (["--out", "f.h5"], "--out 'f.h5': unknown format '.h5'; pumice writes .pumice, .net"),
    (["--out", "results"], "--out 'results' is an existing folder"),
    (["--out", "notes.txt/f.pumice"], "'notes.txt' is a file"),
    (["--out", "f.nir"], "NIR has no fixed-point types and this conversion quantises"),
    (["--out", "f.pumice", "--bits", "0"], "argument --bits: must be an integer from 1 to 8"),
    (["--out", "f.pumice", "--bits", "9"], "argument --bits: must be an integer from 1 to 8"),
    (["--out", "f.pumice", "--scale", "3"], "argument --scale: must be a power of two >= 1"),
    (["--out", "f.pumice", "--prune", "1"], "argument --prune: must be a number >= 0 and < 1"),
    (["--out", "f.pumice", "--max-isi", "0"], "argument --max-isi: must be an integer >= 1"),
    (
        ["--out", "f.pumice", "--isi-tolerance", "-1"],
        "argument --isi-tolerance: must be a number >= 0",
    ),
    (
        ["--out", "f.pumice", "--calibrate", "digits", "--calibration-samples", "0"],
        "argument --calibration-samples: must be an integer >= 1, got 0",
    ),
    (
        ["--out", "f.pumice", "--calibrate", "digits", "--calibration-samples", "5000"],
        "--calibration-samples 5000 is more than the 144 samples of digits val split",
    ),
    (
        ["--out", "f.pumice", "--calibrate", "tiny.npz", "--split", "val"],
        "too few to split into train, val and test: drop --split",
    ),
    (
        ["--out", "f.pumice", "--calibrate", "mine.npz", "--json", "mine.npz"],
        "--json 'mine.npz' is --calibrate",
    ),
    (["--out", "f.pumice", "--keep-intermediate", "results"], "that pumice did not write"),
    (["--out", "f.pumice", "--keep-intermediate", "notes.txt"], "is an existing file"),
    (["--out", "f.pumice", "--to", "quantise"], "argument --to: invalid choice: 'quantise'"),
    (["--out", "f.pumice", "--split", "val"], "--split chooses calibration data: add --calibrate"),
    (
        ["--out", "f.pumice", "--calibration-samples", "9"],
        "--calibration-samples chooses calibration data",
    ),
    (["--out", "f.pumice", "--profile", "loihi9"], "loihi9"),
]


@pytest.mark.parametrize(("args", "expected"), CONVERT, ids=[" ".join(a) for a, _ in CONVERT])
def test_convert(inputs, monkeypatch, capsys, args, expected):
    _assert_one_line_error(
        inputs, monkeypatch, capsys, ["convert", "float.pumice", *args], expected
    )


DEPLOY = [
    (["--out", "notes.txt"], "--out 'notes.txt' is an existing file, not a folder"),
    (["--out", "results"], "--out 'results' is a folder that pumice did not write"),
    (["--out", "."], "--out '.' holds the model"),
    (["--out", "b", "--samples", "0"], "argument --samples: must be an integer >= 1, got 0"),
    (["--out", "b", "--target", "loihi3"], "argument --target: invalid choice: 'loihi3'"),
    (["--out", "b", "--data", "negative.npz"], "labels -3..6"),
]


@pytest.mark.parametrize(("args", "expected"), DEPLOY, ids=[" ".join(a) for a, _ in DEPLOY])
def test_deploy(inputs, monkeypatch, capsys, args, expected):
    _assert_one_line_error(inputs, monkeypatch, capsys, ["deploy", "fixed.pumice", *args], expected)


def test_deploy_refuses_a_float_model(inputs, monkeypatch, capsys):
    args = ["deploy", "float.pumice", "--out", "b"]
    _assert_one_line_error(inputs, monkeypatch, capsys, args, "convert the model first")


TRAIN_AND_DEMO = [
    (["train", "run/run_config.toml", "--out", "run"], "keep your config outside the run folder"),
    (["train", "run/config.toml", "--out", "notes.txt"], "is an existing file, not a folder"),
    (["demo", "--lava-samples", "0"], "argument --lava-samples: must be an integer >= 1, got 0"),
    (["demo", "--lava-samples", "-1"], "argument --lava-samples: must be an integer >= 1"),
    (["demo", "--out", "notes.txt"], "is an existing file, not a folder"),
]


@pytest.mark.parametrize(
    ("args", "expected"), TRAIN_AND_DEMO, ids=[" ".join(a) for a, _ in TRAIN_AND_DEMO]
)
def test_train_and_demo(inputs, monkeypatch, capsys, args, expected):
    _assert_one_line_error(inputs, monkeypatch, capsys, args, expected)
