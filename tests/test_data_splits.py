"""Deterministic, disjoint train/val/test splits."""

import numpy as np
import pytest

from pumice.data import Dataset, Splits, load_splits, split_three_way, split_with_test
from pumice.errors import DataError


def _numbered(n: int, name: str = "n") -> Dataset:
    """A dataset whose label is the index of the sample, so splits can be traced back."""
    return Dataset(np.zeros((n, 2), np.float32), np.arange(n), name, n)


def _ids(splits: Splits) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return splits.train.y, splits.val.y, splits.test.y


def test_three_way_sizes_and_disjoint():
    train, val, test = _ids(split_three_way(_numbered(1000), 0.1, seed=3))
    assert (len(train), len(val), len(test)) == (720, 80, 200)
    assert not set(train) & set(val) and not set(train) & set(test) and not set(val) & set(test)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val, test])), np.arange(1000))


def test_same_seed_same_split_other_seed_other_split():
    data = _numbered(500)
    first, again, other = (split_three_way(data, 0.1, seed) for seed in (7, 7, 8))
    for a, b in zip(_ids(first), _ids(again), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.test.y, other.test.y)
    assert not np.array_equal(first.val.y, other.val.y)


def test_split_with_test_keeps_official_test():
    train, test = _numbered(100, "train"), _numbered(30, "test")
    splits = split_with_test(train, test, 0.25, seed=0)
    assert splits.test is test
    assert (len(splits.train), len(splits.val)) == (75, 25)
    assert not set(splits.train.y) & set(splits.val.y)
    np.testing.assert_array_equal(np.sort(np.r_[splits.train.y, splits.val.y]), np.arange(100))
    again = split_with_test(train, test, 0.25, seed=0)
    np.testing.assert_array_equal(again.val.y, splits.val.y)
    assert not np.array_equal(split_with_test(train, test, 0.25, seed=1).val.y, splits.val.y)


def test_load_splits_digits_deterministic():
    first, again = load_splits("digits", seed=5), load_splits("digits", seed=5)
    assert (len(first.train), len(first.val), len(first.test)) == (1294, 144, 359)
    np.testing.assert_array_equal(first.train.x, again.train.x)
    np.testing.assert_array_equal(first.test.y, again.test.y)
    assert not np.array_equal(load_splits("digits", seed=6).test.y, first.test.y)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_bad_val_fraction(fraction):
    with pytest.raises(DataError, match="val_fraction must be between 0 and 1"):
        split_three_way(_numbered(100), fraction, seed=0)


def test_too_few_samples():
    with pytest.raises(DataError, match="'tiny' is too small to hold out"):
        split_three_way(_numbered(3, "tiny"), 0.1, seed=0)
