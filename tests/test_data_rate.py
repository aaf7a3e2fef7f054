"""Rate (Bernoulli) encoding and as_spikes."""

import numpy as np
import pytest

from pumice.data import Dataset, as_spikes, rate_encode
from pumice.errors import DataError


def test_mean_firing_matches_intensity():
    x = np.linspace(0, 1, 11, dtype=np.float32).reshape(1, 11)
    spikes = rate_encode(x, steps=4000, rng=0)
    assert spikes.shape == (1, 11, 4000) and spikes.dtype == np.uint8
    # a Bernoulli mean over 4000 draws has a standard deviation of at most 0.008
    np.testing.assert_allclose(spikes.mean(axis=-1), x, atol=0.04)


def test_max_rate_scales_firing():
    spikes = rate_encode(np.ones(50), steps=1000, rng=1, max_rate=0.25)
    assert abs(spikes.mean() - 0.25) < 0.02


def test_zeros_never_fire_ones_always_fire():
    assert not rate_encode(np.zeros((3, 4)), steps=50, rng=0).any()
    assert not rate_encode(np.full(4, -2.0), steps=50, rng=0).any()
    assert rate_encode(np.ones((3, 4)), steps=50, rng=0).all()
    assert rate_encode(np.full(4, 3.0), steps=50, rng=0).all()


def test_seed_is_deterministic():
    x = np.random.default_rng(2).random((5, 6))
    np.testing.assert_array_equal(rate_encode(x, 20, 9), rate_encode(x, 20, 9))
    np.testing.assert_array_equal(
        rate_encode(x, 20, np.random.default_rng(9)), rate_encode(x, 20, 9)
    )
    assert not np.array_equal(rate_encode(x, 20, 9), rate_encode(x, 20, 10))


@pytest.mark.parametrize("steps", [0, -1, 2.5, True])
def test_bad_steps(steps):
    with pytest.raises(DataError, match="steps must be an integer >= 1"):
        rate_encode(np.ones(2), steps, 0)


@pytest.mark.parametrize("max_rate", [0.0, -0.5, 1.5])
def test_bad_max_rate(max_rate):
    with pytest.raises(DataError, match=r"max_rate must be in \(0, 1\]"):
        rate_encode(np.ones(2), 3, 0, max_rate=max_rate)


def test_as_spikes_encodes_intensities():
    data = Dataset(np.ones((2, 1, 3, 3), np.float32), np.array([0, 1]), "img", 2)
    spikes = as_spikes(data, steps=4, seed=0)
    assert spikes.shape == (2, 1, 3, 3, 4) and spikes.all()


def test_as_spikes_passes_spikes_through_and_checks_steps():
    data = Dataset(np.eye(3, dtype=np.uint8)[None].repeat(2, 0), np.array([0, 1]), "sp", 2)
    assert as_spikes(data, steps=3, seed=0) is data.x
    with pytest.raises(DataError, match="3 time steps but steps=5"):
        as_spikes(data, steps=5, seed=0)
