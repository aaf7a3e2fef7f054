"""Deployment bundles: complete, run on the simulator from a fresh directory, clear on Loihi."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from graph_factory import random_graph

from pumice.convert.emulator import emulate
from pumice.convert.ir.windows import run_input
from pumice.deploy.bundle import write_bundle
from pumice.errors import ModelError

pytestmark = [pytest.mark.lava, pytest.mark.slow]


def _run(script, *args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


@pytest.fixture()
def bundle(tmp_path):
    rng = np.random.default_rng(7)
    graph = random_graph(rng, conv=False)
    steps = 12
    spikes = (rng.random((5, *graph.nodes[graph.input].shape, steps)) < 0.5).astype(np.uint8)
    labels = rng.integers(0, 2, 5)
    write_bundle(graph, tmp_path / "built", "loihi2", spikes, labels, {"mapping.json": {"a": 1}})
    moved = tmp_path / "elsewhere" / "bundle"
    shutil.copytree(tmp_path / "built", moved)  # the bundle does not depend on where it was made
    return graph, spikes, labels, moved


def test_bundle_runs_on_the_simulator_from_a_fresh_directory(bundle, tmp_path):
    graph, spikes, labels, folder = bundle
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in manifest["files"]:
        assert (folder / name).is_file(), name
    result = _run(folder / "run.py", "--target", "lava-sim", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    results = json.loads((folder / "results.json").read_text())
    padded, windows = run_input(graph, spikes)
    expected = emulate(graph, padded, windows=windows)
    assert results["predictions"] == expected.predictions(graph.output).tolist()
    assert results["samples"] == 5 and results["target"] == "lava-sim"


def test_loihi_target_without_extension_says_what_is_missing(bundle, tmp_path):
    *_, folder = bundle
    result = _run(folder / "run.py", cwd=tmp_path)  # the manifest's target: loihi2
    from lava.utils import loihi

    if loihi.is_installed():
        pytest.skip("lava-loihi is installed here")
    assert result.returncode == 3
    assert "lava-loihi" in result.stderr and "copy this folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / "results.json").exists()


def test_float_graph_is_refused(tmp_path):
    from test_quantize import _float_net

    with pytest.raises(ModelError, match="convert the model first"):
        write_bundle(_float_net(np.random.default_rng(0)), tmp_path, "loihi2", None, None)


def test_deploy_command_runs_on_the_simulator_and_explains_loihi(tmp_path, capsys):
    from test_cli_convert import _digits_model

    from pumice.cli import main

    _digits_model(tmp_path / "m.pumice", np.random.default_rng(0))
    assert (
        main(["-q", "convert", str(tmp_path / "m.pumice"), "--out", str(tmp_path / "f.pumice")])
        == 0
    )
    args = ["-q", "deploy", str(tmp_path / "f.pumice"), "--samples", "6", "--run"]
    assert main([*args, "--target", "lava-sim", "--out", str(tmp_path / "sim")]) == 0
    assert "accuracy" in capsys.readouterr().out
    mapping = json.loads((tmp_path / "sim" / "mapping.json").read_text())
    assert mapping["cores"]
    assert json.loads((tmp_path / "sim" / "results.json").read_text())["samples"] == 6
    from lava.utils import loihi

    if not loihi.is_installed():
        assert main([*args, "--target", "loihi2", "--out", str(tmp_path / "hw")]) == 2
        assert "lava-loihi" in capsys.readouterr().err
        assert (tmp_path / "hw" / "run.py").is_file()  # the bundle is there, ready to copy
