"""The directory a loader of a data set that pumice does not bundle reads from."""

from __future__ import annotations

from pathlib import Path

from pumice.errors import DataError


def required_dir(name: str, root: str | Path | None, layout: str) -> Path:
    """``root`` as a path; a clear error when it is missing or not a directory.

    ``layout`` describes what the directory must hold, e.g. "the four MNIST IDX files".
    """
    if root is None:
        raise DataError(f"{name} is not bundled: pass root, a directory holding " + layout)
    return existing_dir(root, layout)


def existing_dir(root: str | Path, layout: str) -> Path:
    """``root`` as a path, which must be an existing directory holding ``layout``."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data path '{root}' does not exist: pass a directory holding " + layout)
    return root
