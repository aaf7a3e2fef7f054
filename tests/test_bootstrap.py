"""scripts/*.sh and .ci/run: syntax, and bootstrap's stamp and stage order on a stub venv."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ["scripts/bootstrap.sh", "scripts/test.sh", "scripts/demo.sh", ".ci/run"]
STUB_PYTHON = '#!/bin/sh\necho "$*" >> "$(dirname "$0")/calls"\n'


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_is_executable_strict_bash(script):
    path = ROOT / script
    assert os.access(path, os.X_OK)
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    subprocess.run(["bash", "-n", str(path)], check=True)


@pytest.fixture
def sandbox(tmp_path):
    """A copy of bootstrap.sh and pyproject.toml with a stub .venv/bin/python that logs calls.

    PATH holds only the tools the script needs, so no apt-get and no real pip can run.
    """
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").write_text(STUB_PYTHON)
    (venv_bin / "python").chmod(0o755)
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ["bash", "sh", "cat", "sha256sum", "cut", "dirname"]:
        (tools / tool).symlink_to(shutil.which(tool))
    return tmp_path


def run_bootstrap(sandbox: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(sandbox / "scripts" / "bootstrap.sh")],
        cwd="/",
        env={"PATH": str(sandbox / "tools")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_bootstrap_runs_stages_in_order_then_stamps(sandbox):
    first = run_bootstrap(sandbox)
    calls = (sandbox / ".venv" / "bin" / "calls").read_text().splitlines()
    assert all(call.startswith("-m pip install -qq --no-warn-conflicts ") for call in calls)
    assert "torch==2.14.1 torchvision==0.29.1 numpy<2" in calls[0]
    assert "--no-deps --ignore-requires-python lava-nc==0.10.0 lava-dl==0.6.0" in calls[1]
    assert calls[-1].endswith("--no-deps -e .")
    assert len(calls) == 6
    assert first.stdout.splitlines()[-1] == "bootstrap: done"
    stamp = (sandbox / ".venv" / ".bootstrap-stamp").read_text().strip()
    script = (sandbox / "scripts" / "bootstrap.sh").read_bytes()
    assert stamp == hashlib.sha256(script + (sandbox / "pyproject.toml").read_bytes()).hexdigest()

    second = run_bootstrap(sandbox)
    assert second.stdout == "bootstrap: up to date (.venv)\n"
    assert len((sandbox / ".venv" / "bin" / "calls").read_text().splitlines()) == 6

    with (sandbox / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n")
    run_bootstrap(sandbox)
    assert len((sandbox / ".venv" / "bin" / "calls").read_text().splitlines()) == 12
