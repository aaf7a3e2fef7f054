"""One trainer per run directory: a second is refused while one runs, a crashed one's lock
is taken over, and the user's config file in the run directory is never rewritten."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from pumice.cli import main
from pumice.errors import ConfigError
from pumice.train.config import (
    DataConfig,
    DenseLayer,
    NetworkConfig,
    OptimConfig,
    TrainConfig,
    dump_config,
    load_config,
)
from pumice.train.run_lock import LOCK_NAME, RunBusyError, run_lock
from pumice.train.trainer import CONFIG_NAME, train

TINY = TrainConfig(
    data=DataConfig(name="digits", steps=4),
    network=NetworkConfig((DenseLayer(16), DenseLayer(10))),
    train=OptimConfig(epochs=1, batch_size=64, lr=0.01, true_rate=0.5, false_rate=0.05),
)
HOLDER = (
    "import sys\n"
    "from pumice.train.run_lock import run_lock\n"
    "with run_lock(sys.argv[1]):\n"
    "    print('locked', flush=True)\n"
    "    sys.stdin.read()\n"
)


@pytest.fixture
def holder(tmp_path):
    """A process holding the lock on ``tmp_path / 'run'``, as a running trainer does."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "run")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "locked\n"
    yield process
    if process.poll() is None:
        process.communicate("", timeout=30)


def test_a_second_trainer_is_refused_while_one_runs(tmp_path, holder):
    out = tmp_path / "run"
    assert (out / LOCK_NAME).read_text() == f"{holder.pid}\n"
    with pytest.raises(RunBusyError, match=rf"in use by another training \(process {holder.pid}\)"):
        train(TINY, out, progress=False)
    assert sorted(path.name for path in out.iterdir()) == [LOCK_NAME]  # nothing written


def test_the_cli_refuses_in_one_line_with_exit_2(tmp_path, holder, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text(dump_config(TINY))
    assert main(["-q", "train", str(config), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"process {holder.pid}" in err and "Traceback" not in err
    assert sorted(path.name for path in (tmp_path / "run").iterdir()) == [LOCK_NAME]


def test_the_lock_of_a_killed_trainer_is_taken_over(tmp_path, holder):
    out = tmp_path / "run"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert (out / LOCK_NAME).read_text() == f"{holder.pid}\n"  # left behind by the crash
    with run_lock(out) as lock:
        assert lock.stale_owner == holder.pid
        assert (out / LOCK_NAME).read_text() == f"{os.getpid()}\n"
    assert not (out / LOCK_NAME).exists()  # removed on release
    with run_lock(out) as lock:
        assert lock.stale_owner is None


def test_the_lock_is_reentrant_in_one_thread_and_refuses_another(tmp_path):
    out = tmp_path / "run"
    refused = []

    def other_thread():
        try:
            with run_lock(out):
                pass
        except RunBusyError as exc:
            refused.append(str(exc))

    with run_lock(out), run_lock(out):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert (out / LOCK_NAME).exists()
    assert refused and "in this process" in refused[0]
    assert not (out / LOCK_NAME).exists()


def test_a_file_as_run_directory_is_refused(tmp_path):
    (tmp_path / "run").write_text("not a directory")
    with pytest.raises(ConfigError, match="is a file, not a directory"):
        with run_lock(tmp_path / "run"):
            pass


def _spike_data_config(tmp_path) -> TrainConfig:
    """:data:`TINY` on 80 random spike trains of two classes (an ``.npz``), for speed."""
    rng = np.random.default_rng(0)
    data = tmp_path / "spikes.npz"
    np.savez(data, x=(rng.random((80, 6, 4)) < 0.3).astype(np.uint8), y=rng.integers(0, 2, 80))
    layers = (DenseLayer(8), DenseLayer(2))
    return dataclasses.replace(
        TINY, data=DataConfig(name=str(data), steps=4), network=NetworkConfig(layers)
    )


def test_the_users_config_in_the_run_directory_is_not_rewritten(tmp_path, capsys):
    config = _spike_data_config(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    user = run / "config.toml"
    user.write_text("# my experiment: keep this comment\n" + dump_config(config))
    before = user.read_bytes()
    assert main(["-q", "train", str(user), "--out", str(run)]) == 0
    assert user.read_bytes() == before
    assert load_config(run / CONFIG_NAME) == config
    assert not (run / LOCK_NAME).exists()
    copy = (run / CONFIG_NAME).read_bytes()
    # resumed from the run's own copy (with more epochs): that file is left as it is
    longer = dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=2))
    (run / CONFIG_NAME).write_text("# edited\n" + dump_config(longer))
    edited = (run / CONFIG_NAME).read_bytes()
    assert main(["-q", "train", str(run / CONFIG_NAME), "--out", str(run), "--resume"]) == 0
    assert (run / CONFIG_NAME).read_bytes() == edited != copy
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 2
    assert user.read_bytes() == before
    capsys.readouterr()
