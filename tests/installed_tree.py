"""A regular (not editable) install of this checkout into a folder, to test the installed layout.

Put the folder on ``PYTHONPATH`` (see :func:`run_python`): a package found there wins over
an editable install's finder, which setuptools appends to the end of ``sys.meta_path``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
#: Top-level files the build reads besides the package folders.
BUILD_FILES = ("pyproject.toml", "README.md")


def install_checkout(workdir: Path) -> Path:
    """``pip install --no-deps --no-build-isolation --target`` of the checkout; the target folder.

    The build runs on a copy of what it reads (pyproject.toml, README.md, the folders of
    ``[tool.setuptools.package-dir]``), so a stale ``build/`` of the checkout never leaks in.
    """
    source, target = workdir / "source", workdir / "site"
    source.mkdir()
    for name in BUILD_FILES:
        shutil.copy2(ROOT / name, source / name)
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    skip = shutil.ignore_patterns("__pycache__")
    for folder in set(setuptools["package-dir"].values()):
        shutil.copytree(ROOT / folder, source / folder, ignore=skip)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    options = ["--no-deps", "--no-build-isolation", "--no-index", "--target", str(target)]
    subprocess.run([*pip, *options, str(source)], check=True, capture_output=True, timeout=300)
    return target


def run_python(tree: Path, code: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``code`` in this interpreter with only ``tree`` on ``PYTHONPATH``, from ``cwd``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
