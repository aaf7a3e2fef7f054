"""A user's spike dataset saved as ``numpy.savez(path, x=spikes, y=labels)``."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from pumice.data.dataset import Dataset
from pumice.errors import DataError

_SAVE = "save it with numpy.savez(path, x=spikes, y=labels)"


def load_npz(path: str | Path, num_classes: int | None = None) -> Dataset:
    """Spikes ``x`` (N, *input_shape, T) of 0/1 and integer labels ``y`` (N,) from ``path``.

    ``num_classes`` is the number of classes of the model the data is for: labels outside
    ``0..num_classes - 1`` are refused, naming that range (default: the labels' own).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file '{path}' does not exist: pass an existing .npz file")
    arrays = _read(path)
    missing = [key for key in ("x", "y") if key not in arrays]
    if missing:
        raise DataError(f"'{path}' has no array {' or '.join(missing)}: {_SAVE}")
    x, y = arrays["x"], arrays["y"]
    if x.ndim < 3 or x.dtype.kind not in "biuf" or np.any((x != 0) & (x != 1)):
        raise DataError(
            f"'{path}': x must hold only 0/1 spikes shaped (samples, *input_shape, steps), "
            f"got {x.dtype} of shape {x.shape}: encode it first"
        )
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise DataError(f"'{path}': y must be 1-D integer labels, got {y.dtype} of shape {y.shape}")
    if len(x) != len(y):
        raise DataError(f"'{path}' has {len(x)} samples in x but {len(y)} labels in y: {_SAVE}")
    if num_classes is None:
        num_classes = int(y.max(initial=0)) + 1
    elif len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise DataError(
            f"'{path}' has labels {y.min()}..{y.max()}, but the model has {num_classes} "
            f"outputs (classes 0..{num_classes - 1}): relabel the data as 0..{num_classes - 1}"
        )
    return Dataset(x.astype(np.uint8), y.astype(np.int64), path.stem, num_classes)


def _read(path: Path) -> dict[str, np.ndarray]:
    """The arrays ``x`` and ``y`` (those present) of the .npz archive at ``path``."""
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise DataError(f"'{path}' holds a single array, not an .npz archive: {_SAVE}")
        with archive:
            return {key: archive[key] for key in ("x", "y") if key in archive.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as err:
        raise DataError(f"'{path}' is not a readable .npz archive ({err}): {_SAVE}") from err
