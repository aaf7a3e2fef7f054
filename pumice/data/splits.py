"""Deterministic train/validation/test splits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pumice.data.dataset import Dataset
from pumice.errors import DataError

TEST_FRACTION = 0.2


@dataclass(frozen=True, eq=False)
class Splits:
    """The three disjoint parts of a dataset."""

    train: Dataset
    val: Dataset
    test: Dataset


def split_with_test(train: Dataset, test: Dataset, val_fraction: float, seed: int) -> Splits:
    """Keep the official ``test`` split; hold out ``val_fraction`` of ``train`` for validation."""
    order = np.random.default_rng(seed).permutation(len(train))
    n_val = _held_out(len(train), val_fraction, train.name)
    return Splits(train.subset(order[n_val:]), train.subset(order[:n_val]), test)


def split_three_way(data: Dataset, val_fraction: float, seed: int) -> Splits:
    """Hold out TEST_FRACTION of ``data`` for test, then ``val_fraction`` of the rest for val."""
    order = np.random.default_rng(seed).permutation(len(data))
    n_test = _held_out(len(data), TEST_FRACTION, data.name)
    n_val = _held_out(len(data) - n_test, val_fraction, data.name)
    test, val, train = np.split(order, [n_test, n_test + n_val])
    return Splits(data.subset(train), data.subset(val), data.subset(test))


def _held_out(n: int, fraction: float, name: str) -> int:
    """How many of ``n`` samples ``fraction`` holds out, at least one and leaving one."""
    if not 0 < fraction < 1:
        raise DataError(f"val_fraction must be between 0 and 1 (exclusive), got {fraction}")
    count = round(n * fraction)
    if not 1 <= count < n:
        raise DataError(
            f"dataset '{name}' is too small to hold out {fraction:g} of {n} samples: "
            "use more samples or another val_fraction"
        )
    return count
