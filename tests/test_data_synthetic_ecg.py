"""The seeded synthetic ECG beat set: deterministic, balanced, level-crossing encoded, separable."""

from __future__ import annotations

import numpy as np
import pytest

from pumice.data import level_crossing_encode, load_splits, load_synthetic_ecg
from pumice.data.synthetic_ecg import CLASSES, synthetic_ecg_signals
from pumice.errors import DataError


def test_signals_are_seeded_and_balanced():
    signals, labels = synthetic_ecg_signals(9, seed=4)
    again, _ = synthetic_ecg_signals(9, seed=4)
    other, _ = synthetic_ecg_signals(9, seed=5)
    assert signals.shape == (9, 1, 252)
    np.testing.assert_array_equal(signals, again)
    assert not np.allclose(signals, other)
    np.testing.assert_array_equal(labels, [0, 1, 2] * 3)


def test_morphologies_differ_as_documented():
    signals, labels = synthetic_ecg_signals(300, seed=0)
    peak = 90  # the R peak sits 0.25 s (90 samples at 360 Hz) into the window
    mean = {label: signals[labels == label, 0].mean(axis=0) for label in range(len(CLASSES))}
    assert mean[0][peak] > 0.6 and mean[1][peak] > 0.6 and mean[2][peak] > 1.0  # tall V
    p_wave = peak - round(0.2 * 360)
    assert mean[0][p_wave] > 0.1 and abs(mean[2][p_wave]) < 0.06  # no P in ventricular beats
    assert mean[1][peak - round(0.11 * 360)] < -0.05  # early inverted P
    assert mean[1][0] > 0.1 > mean[0][0]  # the previous T wave still fading
    assert mean[2][peak + round(0.3 * 360)] < -0.2 and mean[0][peak + 90] > 0.2  # T inverted


def test_dataset_is_level_crossing_encoded():
    data = load_synthetic_ecg(steps=20, level_delta=0.05, samples=6, seed=1)
    signals, labels = synthetic_ecg_signals(6, seed=1)
    assert data.x.shape == (6, 2, 20) and data.name == "synthetic-ecg" and data.num_classes == 3
    np.testing.assert_array_equal(data.x, level_crossing_encode(signals, 0.05, 20)[:, 0])
    np.testing.assert_array_equal(data.y, labels)


def test_classes_are_separable_from_the_spikes():
    data = load_synthetic_ecg(steps=40, level_delta=0.05, samples=450, seed=0)
    x = data.x.reshape(len(data), -1).astype(float)
    train, test = slice(0, 300), slice(300, None)
    centroids = np.stack([x[train][data.y[train] == c].mean(axis=0) for c in range(3)])
    distance = ((x[test, None, :] - centroids[None]) ** 2).sum(axis=-1)
    assert (distance.argmin(axis=1) == data.y[test]).mean() > 0.9


def test_load_splits_sizes_the_set_and_rejects_a_root(tmp_path):
    splits = load_splits("synthetic-ecg", steps=16, samples=60, seed=2)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (43, 5, 12)
    assert splits.train.x.shape[1:] == (2, 16)
    assert len(load_splits("synthetic-ecg", steps=8).train) + 120 + 48 == 600
    with pytest.raises(DataError, match="root is only used by"):
        load_splits("synthetic-ecg", root=str(tmp_path), steps=16)
    with pytest.raises(DataError, match="synthetic-ecg needs steps"):
        load_splits("synthetic-ecg")
    with pytest.raises(DataError, match="samples must be an integer >= 3"):
        load_splits("synthetic-ecg", steps=8, samples=2)


def test_samples_is_refused_by_data_sets_without_it():
    with pytest.raises(DataError, match="samples is only used by .*: drop it for 'digits'"):
        load_splits("digits", samples=10)
