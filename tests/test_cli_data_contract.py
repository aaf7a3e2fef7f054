"""The data options mean the same in every subcommand (pumice.model_inputs).

A user's ``.npz`` runs whole, gives T itself, and is subset only by ``--split`` and
``--samples``; named datasets run their test split with the model's T; ``report`` and
``deploy`` cap their defaults but take an explicit ``--samples`` exactly.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pumice.cli import main
from pumice.convert.ir import FixedCubaLIF, FixedDense, Flatten, Graph, Input, save_graph
from pumice.model_inputs import DataOptions, model_inputs

STEPS = 9


def _model(path=None, metadata=None) -> Graph:
    rng = np.random.default_rng(0)

    def lif(n):
        return FixedCubaLIF((n,), 1024, 512, 60, np.zeros(n, dtype=np.int64))

    graph = Graph.chain(
        [
            ("input", Input((1, 8, 8))),
            ("flatten1", Flatten()),
            ("dense1_synapse", FixedDense(rng.integers(-40, 120, (16, 64)))),
            ("dense1", lif(16)),
            ("dense2_synapse", FixedDense(rng.integers(-60, 160, (10, 16)))),
            ("dense2", lif(10)),
        ],
        metadata=metadata or {},
    )
    if path is not None:
        save_graph(graph, path)
    return graph


def _npz(path, samples: int, steps: int = STEPS, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = (rng.random((samples, 1, 8, 8, steps)) < 0.4).astype(np.uint8)
    y = rng.integers(0, 10, samples)
    np.savez(path, x=x, y=y)
    return x, y


def test_a_users_npz_runs_whole_and_gives_t(tmp_path):
    x, y = _npz(tmp_path / "mine.npz", 39)
    inputs = model_inputs(_model(), DataOptions(data=str(tmp_path / "mine.npz")))
    np.testing.assert_array_equal(inputs.spikes, x)
    np.testing.assert_array_equal(inputs.labels, y)
    assert inputs.steps == STEPS and "all 39 samples" in inputs.source


@pytest.mark.parametrize(("split", "size"), [("train", 28), ("val", 3), ("test", 8)])
def test_split_takes_a_deterministic_part_only_when_asked(tmp_path, split, size):
    x, _ = _npz(tmp_path / "mine.npz", 39)
    options = DataOptions(data=str(tmp_path / "mine.npz"), split=split)
    first, second = (model_inputs(_model(), options) for _ in range(2))
    assert len(first.labels) == size
    np.testing.assert_array_equal(first.spikes, second.spikes)
    parts = [
        model_inputs(_model(), DataOptions(data=options.data, split=s))
        for s in "train val test".split()
    ]
    rows = sorted(tuple(p.spikes[i].ravel()) for p in parts for i in range(len(p.labels)))
    assert rows == sorted(tuple(sample.ravel()) for sample in x)  # the parts cover the file


def test_samples_are_exactly_the_first_n(tmp_path):
    x, _ = _npz(tmp_path / "mine.npz", 39)
    inputs = model_inputs(_model(), DataOptions(data=str(tmp_path / "mine.npz"), samples=39))
    assert len(inputs.labels) == 39
    inputs = model_inputs(_model(), DataOptions(data=str(tmp_path / "mine.npz"), samples=5))
    np.testing.assert_array_equal(inputs.spikes, x[:5])
    assert inputs.source.endswith("first 5 of 39")


def test_the_models_own_npz_runs_its_test_split(tmp_path):
    _npz(tmp_path / "train.npz", 39)
    data = {"name": str(tmp_path / "train.npz"), "val_fraction": 0.1, "seed": 0}
    own = model_inputs(_model(metadata={"data": data}), DataOptions())
    assert len(own.labels) == 8 and "test split" in own.source


def test_named_intensity_data_takes_steps_from_the_model_or_the_option(tmp_path):
    graph = _model(metadata={"steps": 7, "data": {"name": "digits", "max_rate": 1.0}})
    assert model_inputs(graph, DataOptions(samples=4)).steps == 7
    assert model_inputs(graph, DataOptions(samples=4, steps=11)).steps == 11
    with pytest.raises(Exception, match="does not record its time steps T.*pass --steps"):
        model_inputs(_model(), DataOptions(data="digits", samples=4))


def test_limits_cap_defaults_but_not_explicit_counts(tmp_path):
    _npz(tmp_path / "mine.npz", 30)
    data = str(tmp_path / "mine.npz")
    assert len(model_inputs(_model(), DataOptions(data=data, sample_limit=20)).labels) == 20
    with pytest.raises(Exception, match="--samples 31 is more than the 30 samples"):
        model_inputs(_model(), DataOptions(data=data, samples=31, sample_limit=20))


def test_run_report_deploy_convert_share_the_contract(tmp_path, capsys):
    _model(tmp_path / "m.pumice")
    _npz(tmp_path / "mine.npz", 23)
    data = str(tmp_path / "mine.npz")
    model = str(tmp_path / "m.pumice")
    assert main(["-q", "run", model, "--data", data, "--json", str(tmp_path / "r.json")]) == 0
    run = json.loads((tmp_path / "r.json").read_text())
    assert (run["samples"], run["steps"], run["lag_steps"]) == (23, STEPS, 0)
    assert "'" in run["data"] and "all 23 samples" in run["data"]
    report = ["report", model, "--profile", "loihi2", "--data", data, "--json"]
    assert main([*report, str(tmp_path / "t.json"), "-q"]) == 0
    assert json.loads((tmp_path / "t.json").read_text())["samples"] == 23
    assert main(["deploy", model, "--data", data, "--out", str(tmp_path / "b"), "-q"]) == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert (manifest["samples"], manifest["steps"]) == (20, STEPS)  # deploy's default cap
    assert (
        main(["deploy", model, "--data", data, "--samples", "23", "--out", str(tmp_path / "b")])
        == 0
    )
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["samples"] == 23
    convert = ["convert", model, "--out", str(tmp_path / "c.pumice"), "--calibrate", data]
    assert main([*convert, "--json", str(tmp_path / "c.json"), "-q"]) == 0
    assert "all 23 samples" in json.loads((tmp_path / "c.json").read_text())["calibration_data"]
    capsys.readouterr()
