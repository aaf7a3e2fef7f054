"""CLI on files from other tools: a lava-dl .net converted and run on the user's own .npz spikes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_netx_reference import NEURON, slayer_net_file

from pumice.cli import main

pytestmark = pytest.mark.slow


def test_netx_file_converts_and_runs_on_npz_spikes(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from lava.lib.dl import slayer

    torch.manual_seed(0)
    block = slayer.block.cuba.Dense(NEURON, 12, 4, weight_scale=4)
    slayer_net_file([block], (12,), tmp_path / "m.net")
    rng = np.random.default_rng(0)
    steps = 10
    x = (rng.random((40, 12, steps)) < 0.5).astype(np.uint8)
    np.savez(tmp_path / "spikes.npz", x=x, y=rng.integers(0, 4, 40))

    assert (
        main(["-q", "convert", str(tmp_path / "m.net"), "--out", str(tmp_path / "m.pumice")]) == 0
    )
    code = main(
        [
            "-q", "run", str(tmp_path / "m.pumice"), "--data", str(tmp_path / "spikes.npz"),
            "--json", str(tmp_path / "r.json"),
        ]
    )  # fmt: skip
    assert code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert {"accuracy", "samples", "steps", "backend", "spikes_per_neuron", "wall_s"} <= set(report)
    assert report["backend"] == "emulator" and report["steps"] == steps
    assert report["samples"] == 40  # a user's .npz runs whole, T from its last axis
    assert 0.0 <= report["accuracy"] <= 1.0
    assert "accuracy" in capsys.readouterr().out


def test_unknown_model_format_is_refused(tmp_path, capsys):
    (tmp_path / "m.h5").write_bytes(b"")
    assert main(["convert", str(tmp_path / "m.h5"), "--out", str(tmp_path / "o.pumice")]) == 2
    assert "unknown format '.h5'" in capsys.readouterr().err
