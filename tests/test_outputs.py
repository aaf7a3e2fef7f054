"""Outputs are written all-or-nothing, and a refused write is one line naming the file."""

from __future__ import annotations

import errno
import json
import os
import stat
import threading

import numpy as np
import pytest

from pumice.atomic import atomic_open, atomic_write_text
from pumice.errors import OutputError
from pumice.outputs import check_outputs, file_output, folder_output, staged


def _full_disk(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_hidden_behind_another_error_is_named(tmp_path):
    target = tmp_path / "model.pumice"
    target.write_text("old")
    with pytest.raises(OutputError, match=r"cannot write '.*model.pumice': No space left"):
        with atomic_open(target, "wb"):
            try:
                _full_disk()
            finally:  # what zip and HDF5 writers do on their way out
                raise ValueError("seek of closed file")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.pumice"]


def test_other_errors_pass_through_unchanged(tmp_path):
    with pytest.raises(KeyError):
        with atomic_open(tmp_path / "x"):
            raise KeyError("a bug, not a refused write")
    assert list(tmp_path.iterdir()) == []


def test_staged_outputs_appear_together(tmp_path):
    outputs = [file_output("--json", tmp_path / "r.json"), file_output("--png", tmp_path / "r.png")]
    with staged(outputs) as temp:
        atomic_write_text(temp["--json"], "{}")
        atomic_write_text(temp["--png"], "png")
        assert not (tmp_path / "r.json").exists()  # nothing shows before the end
        assert temp["--png"].suffix == ".png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.png"]


def test_a_failure_while_staging_writes_nothing(tmp_path, monkeypatch):
    (tmp_path / "r.json").write_text("earlier report")
    outputs = [file_output("--json", tmp_path / "r.json"), file_output("--png", tmp_path / "r.png")]
    with pytest.raises(OutputError, match=r"cannot write '.*r\.png': No space left on device"):
        with staged(outputs) as temp:
            atomic_write_text(temp["--json"], "{}")
            monkeypatch.setattr("os.fsync", _full_disk)
            atomic_write_text(temp["--png"], "png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
    assert (tmp_path / "r.json").read_text() == "earlier report"


def test_a_staged_folder_replaces_the_old_one_whole(tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "stale.json").write_text("{}")
    with staged([folder_output("--out", bundle, lambda p: True)]) as temp:
        (temp["--out"] / "manifest.json").write_text("{}")
    assert sorted(p.name for p in bundle.iterdir()) == ["manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused_before_work(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OutputError, match=r"--json .*cannot write in .*locked"):
        check_outputs([file_output("--json", locked / "r.json")], {})


def _fixed_model(path):
    from pumice.convert.ir import FixedCubaLIF, FixedDense, Graph, Input, save_graph

    rng = np.random.default_rng(0)
    graph = Graph.chain(
        [
            ("input", Input((6,))),
            ("dense1_synapse", FixedDense(rng.integers(-40, 120, (4, 6)))),
            ("dense1", FixedCubaLIF((4,), 1024, 512, 60, np.zeros(4, dtype=np.int64))),
        ]
    )
    save_graph(graph, path)
    x = (rng.random((5, 6, 8)) < 0.5).astype(np.uint8)
    np.savez(path.with_name("x.npz"), x=x, y=rng.integers(0, 4, 5))


def test_a_redeploy_leaves_no_stale_file_and_a_failed_one_leaves_the_old(tmp_path, monkeypatch):
    from pumice.deployment import deploy_model

    _fixed_model(tmp_path / "m.pumice")
    data = str(tmp_path / "x.npz")
    bundle = tmp_path / "bundle"
    deploy_model(tmp_path / "m.pumice", bundle, data=data)
    (bundle / "results.json").write_text(json.dumps({"accuracy": 0.5}))  # an earlier --run
    deploy_model(tmp_path / "m.pumice", bundle, data=data, samples=3)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert sorted(p.name for p in bundle.iterdir()) == sorted([*manifest["files"], "manifest.json"])
    assert manifest["samples"] == 3

    monkeypatch.setattr("pumice.deploy.bundle.shutil.copyfile", _full_disk)  # run.py comes last
    with pytest.raises(OutputError, match="No space left on device"):
        deploy_model(tmp_path / "m.pumice", bundle, data=data, samples=2)
    assert json.loads((bundle / "manifest.json").read_text()) == manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "m.pumice", "x.npz"]


def test_a_report_whose_png_fails_writes_no_json(tmp_path, monkeypatch):
    from pumice.hardware_report import report_model

    _fixed_model(tmp_path / "m.pumice")
    monkeypatch.setattr("pumice.convert.traffic.plot_report", _full_disk)
    with pytest.raises(OutputError, match=r"cannot write '.*r\.json, .*r\.png': No space left"):
        report_model(
            tmp_path / "m.pumice",
            "loihi2",
            str(tmp_path / "x.npz"),
            json_path=tmp_path / "r.json",
            png_path=tmp_path / "r.png",
            progress=False,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pumice", "x.npz"]


def test_a_write_refused_outside_pumices_writers_is_one_line(tmp_path, monkeypatch, capsys):
    from pumice import cli

    def appending_on_a_full_disk(args):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "metrics.jsonl"))

    monkeypatch.setattr(cli, "_cmd_map", appending_on_a_full_disk)
    assert cli.main(["map", "m.pumice", "--profile", "loihi2"]) == 2
    err = capsys.readouterr().err
    expected = f"cannot write '{tmp_path / 'metrics.jsonl'}': No space left on device"
    assert err == f"pumice: error: {expected}\n"


def _read_fifo_in_background(fifo):
    """Read ``fifo`` to its end on a thread; returns the thread and a list to hold the bytes."""
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    return reader, got


def test_a_device_or_pipe_output_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    check_outputs([file_output("--json", fifo)], {})
    reader, got = _read_fifo_in_background(fifo)
    with staged([file_output("--json", fifo)]) as temp:
        assert temp["--json"].parent != tmp_path  # never staged beside a device
        atomic_write_text(temp["--json"], '{"a": 1}')
    reader.join(timeout=10)
    assert got == [b'{"a": 1}']
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_device_that_refuses_the_write_is_one_line_and_nothing_is_left(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader, _ = _read_fifo_in_background(fifo)
    monkeypatch.setattr("shutil.copyfileobj", _full_disk)
    with pytest.raises(OutputError, match=r"cannot write '.*pipe': No space left on device"):
        with staged([file_output("--json", fifo)]) as temp:
            atomic_write_text(temp["--json"], "{}")
    reader.join(timeout=10)
    assert not temp["--json"].exists()
    assert stat.S_ISFIFO(fifo.stat().st_mode)
