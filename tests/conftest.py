"""Shared test set-up: the tests folder's helper modules are importable by name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from installed_tree import install_checkout  # noqa: E402


@pytest.fixture(scope="session")
def installed_pumice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout installed regularly (not editable) into a folder, built once per session.

    Run code against it with :func:`installed_tree.run_python`.
    """
    return install_checkout(tmp_path_factory.mktemp("installed"))
