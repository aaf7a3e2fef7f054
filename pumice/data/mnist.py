"""MNIST and Fashion-MNIST from a directory in the standard IDX layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pumice.data.dataset import Dataset
from pumice.data.idx import read_idx
from pumice.data.local_dir import existing_dir, required_dir
from pumice.errors import DataError

FASHION_MNIST_ROOT = Path("/usr/share/datasets/fashion-mnist")
NUM_CLASSES = 10
_LAYOUT = "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz and the two t10k-* files"


def load_fashion_mnist(root: str | Path | None = None) -> tuple[Dataset, Dataset]:
    """The (train, test) splits of Fashion-MNIST; ``root`` defaults to the Debian package's."""
    if root is None and not FASHION_MNIST_ROOT.is_dir():
        raise DataError(
            f"Fashion-MNIST is not in '{FASHION_MNIST_ROOT}': install it with "
            "'apt-get install dataset-fashion-mnist' or pass root, a directory holding " + _LAYOUT
        )
    return load_idx_dir(FASHION_MNIST_ROOT if root is None else root, "fashion-mnist")


def load_mnist(root: str | Path | None) -> tuple[Dataset, Dataset]:
    """The (train, test) splits of MNIST from ``root``, which is required."""
    return load_idx_dir(required_dir("mnist", root, _LAYOUT), "mnist")


def load_idx_dir(root: str | Path, name: str) -> tuple[Dataset, Dataset]:
    """The (train, test) splits of a directory in the MNIST layout, as (N, 1, H, W) images."""
    root = existing_dir(root, _LAYOUT)
    return _load_part(root, "train", name), _load_part(root, "t10k", name)


def _load_part(root: Path, part: str, name: str) -> Dataset:
    """One split (``train`` or ``t10k``) of an MNIST-layout directory."""
    images_path = _find(root, f"{part}-images-idx3-ubyte")
    labels_path = _find(root, f"{part}-labels-idx1-ubyte")
    images, labels = read_idx(images_path, ndim=3), read_idx(labels_path, ndim=1)
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise DataError(
            f"'{images_path}' and '{labels_path}' must hold unsigned bytes: use MNIST-layout files"
        )
    if len(images) != len(labels):
        raise DataError(
            f"'{images_path}' has {len(images)} images but '{labels_path}' has {len(labels)} "
            "labels: use files from the same release"
        )
    x = (images.astype(np.float32) / np.float32(255))[:, None]
    return Dataset(x, labels.astype(np.int64), name, NUM_CLASSES)


def _find(root: Path, stem: str) -> Path:
    """``root/stem.gz`` or else the uncompressed ``root/stem``."""
    for path in (root / f"{stem}.gz", root / stem):
        if path.is_file():
            return path
    raise DataError(f"'{root}' has no {stem}.gz (nor {stem}): pass a directory holding " + _LAYOUT)
