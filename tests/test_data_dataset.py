"""Dataset: shapes, kinds and the invariants checked at construction."""

import numpy as np
import pytest

from pumice.data import Dataset
from pumice.errors import DataError


def test_intensity_dataset_properties():
    data = Dataset(np.zeros((3, 1, 4, 4), np.float32), np.array([0, 1, 2]), "d", 3)
    assert len(data) == 3 and not data.is_spikes
    assert data.input_shape == (1, 4, 4) and data.num_steps is None


def test_spike_dataset_properties():
    data = Dataset(np.ones((2, 5, 9), np.uint8), np.array([1, 0]), "s", 2)
    assert data.is_spikes and data.input_shape == (5,) and data.num_steps == 9


def test_subset_keeps_name_and_classes():
    data = Dataset(np.linspace(0, 1, 5, dtype=np.float32)[:, None], np.arange(5), "d", 7)
    part = data.subset(np.array([4, 1]))
    np.testing.assert_array_equal(part.y, [4, 1])
    assert (part.name, part.num_classes, part.x[0, 0]) == ("d", 7, 1.0)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((3, 2), np.float32), np.array([0, 1]), "3 samples but 2 labels"),
        (np.zeros((2, 2), np.float32), np.array([0, -1]), "labels outside"),
        (np.zeros((2, 2), np.float32), np.array([0, 5]), "labels outside"),
        (np.zeros((2, 2), np.float32), np.array([0.0, 1.0]), "int64"),
        (np.full((2, 2), 1.5, np.float32), np.array([0, 1]), r"in \[0, 1\]"),
        (np.full((2, 2), np.nan, np.float32), np.array([0, 1]), r"in \[0, 1\]"),
        (np.full((2, 2, 3), 2, np.uint8), np.array([0, 1]), "0/1 spikes"),
        (np.zeros((2, 2), np.float64), np.array([0, 1]), "dtype float64"),
        (np.zeros((0, 2), np.float32), np.zeros(0, np.int64), "empty"),
    ],
)
def test_invalid_dataset(x, y, message):
    with pytest.raises(DataError, match=message):
        Dataset(x, y, "bad", 3)
