"""Rank-order, latency and level-crossing encoders on known inputs; encoding selection."""

from __future__ import annotations

import numpy as np
import pytest

from pumice.data import (
    Dataset,
    as_spikes,
    encode,
    latency_encode,
    level_crossing_encode,
    rank_order_encode,
)
from pumice.errors import ConfigError, DataError
from pumice.train.config import config_from_dict, dump_config, load_config


def _train(times: list[int | None], steps: int) -> np.ndarray:
    """Spike trains (inputs, steps) with one spike at each given step (None: silent)."""
    spikes = np.zeros((len(times), steps), dtype=np.uint8)
    for row, step in enumerate(times):
        if step is not None:
            spikes[row, step] = 1
    return spikes


def test_rank_order_larger_values_fire_earlier_ties_together():
    x = np.array([[0.9, 0.1, 0.5, 0.0, 0.5]])
    # firing values ranked 0.9 -> 0, 0.5 and 0.5 -> 1 (tie), 0.1 -> 3; n = 4 over 4 steps
    expected = _train([0, 3, 1, None, 1], steps=4)
    np.testing.assert_array_equal(rank_order_encode(x, steps=4), expected[None])


def test_rank_order_spreads_ranks_over_the_window():
    x = np.linspace(0.8, 0.1, 8)[None]  # 8 distinct values, descending
    spikes = rank_order_encode(x, steps=4)
    np.testing.assert_array_equal(spikes[0], _train([0, 0, 1, 1, 2, 2, 3, 3], steps=4))


def test_rank_order_ranks_each_sample_over_all_its_inputs():
    x = np.array([[[0.2, 0.4], [0.6, 0.8]], [[0.8, 0.0], [0.3, -1.0]]])
    spikes = rank_order_encode(x, steps=2)
    assert spikes.shape == (2, 2, 2, 2) and spikes.dtype == np.uint8
    np.testing.assert_array_equal(spikes[0].reshape(4, 2), _train([1, 1, 0, 0], steps=2))
    # second sample: only 0.8 and 0.3 fire (zero and negative inputs never do)
    np.testing.assert_array_equal(spikes[1].reshape(4, 2), _train([0, None, 1, None], steps=2))


def test_rank_order_min_intensity_and_silent_samples():
    x = np.array([[0.9, 0.3, 0.2], [0.0, 0.0, 0.0]])
    spikes = rank_order_encode(x, steps=3, min_intensity=0.25)
    np.testing.assert_array_equal(spikes[0], _train([0, 1, None], steps=3))
    assert not spikes[1].any()


def test_latency_exact_steps():
    x = np.array([1.0, 0.5, 0.25, 0.0, 0.875, 1.5])
    # t = floor((1 - x) * 4 + 0.5): 0, 2, 3, silent, 1 (0.5 rounds later), 0 (clipped)
    np.testing.assert_array_equal(latency_encode(x, steps=5), _train([0, 2, 3, None, 1, 0], 5))


def test_latency_threshold_silences_values_at_or_below_it():
    x = np.array([[0.5, 0.51, 0.2]])
    spikes = latency_encode(x, steps=3, min_intensity=0.5)
    assert spikes.shape == (1, 3, 3)
    np.testing.assert_array_equal(spikes[0], _train([None, 1, None], 3))


def test_latency_single_step_fires_every_positive_input_at_once():
    np.testing.assert_array_equal(latency_encode(np.array([0.1, 0.0, 1.0]), 1), [[1], [0], [1]])


def test_level_crossing_up_and_down_with_hysteresis():
    signal = np.array([0.0, 0.5, 1.0, 2.5, 2.0, 1.4, 1.0, 3.0])
    spikes = level_crossing_encode(signal, delta=1.0)
    assert spikes.shape == (2, 8) and spikes.dtype == np.uint8
    np.testing.assert_array_equal(spikes[0], [0, 0, 1, 1, 0, 0, 0, 1])
    np.testing.assert_array_equal(spikes[1], [0, 0, 0, 0, 0, 0, 1, 0])


def test_level_crossing_bins_samples_into_steps():
    signal = np.array([0.0, 0.5, 1.0, 2.5, 2.0, 1.4, 1.0, 3.0])
    spikes = level_crossing_encode(signal, delta=1.0, steps=4)
    np.testing.assert_array_equal(spikes, [[0, 1, 0, 1], [0, 0, 0, 1]])


def test_level_crossing_falls_several_levels_at_once():
    spikes = level_crossing_encode(np.array([0.0, -2.5, -0.5, -0.5]), delta=1.0)
    np.testing.assert_array_equal(spikes, [[0, 0, 1, 0], [0, 1, 0, 0]])


def test_level_crossing_encodes_leading_axes_independently():
    rng = np.random.default_rng(0)
    signals = rng.normal(size=(3, 2, 30)).cumsum(axis=-1)
    spikes = level_crossing_encode(signals, delta=0.7, steps=10)
    assert spikes.shape == (3, 2, 2, 10)
    for index in np.ndindex(3, 2):
        np.testing.assert_array_equal(
            spikes[index], level_crossing_encode(signals[index], 0.7, steps=10)
        )
    assert not level_crossing_encode(np.full(9, 4.2), delta=0.1).any()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rank_order_encode(np.ones(3), 4), "at least 2 axes"),
        (lambda: rank_order_encode(np.ones((1, 3)), 0), "steps must be an integer >= 1"),
        (lambda: rank_order_encode(np.ones((1, 3)), 4, min_intensity=1.0), "min_intensity"),
        (lambda: latency_encode(np.array([np.nan]), 4), "NaN"),
        (lambda: latency_encode(np.ones(2), 2.5), "steps must be an integer >= 1"),
        (lambda: latency_encode(np.ones(2), 3, min_intensity=-0.1), r"min_intensity .* \[0, 1\)"),
        (lambda: level_crossing_encode(np.ones(4), delta=0.0), "delta must be a finite number > 0"),
        (lambda: level_crossing_encode(np.ones(4), delta=np.inf), "delta"),
        (lambda: level_crossing_encode(np.float64(1.0), delta=1.0), "at least 1 axes"),
        (lambda: level_crossing_encode(np.ones((2, 0)), delta=1.0), "no samples"),
        (lambda: level_crossing_encode(np.ones(4), delta=1.0, steps=0), "steps must be"),
        (lambda: encode(np.ones((1, 2)), 3, "phase"), "unknown encoding 'phase'"),
    ],
)
def test_bad_arguments_raise_a_clear_data_error(call, message):
    with pytest.raises(DataError, match=message):
        call()


def test_encode_and_as_spikes_select_the_encoder():
    x = np.array([[0.9, 0.2, 0.0, 0.6]], dtype=np.float32)
    np.testing.assert_array_equal(encode(x, 5, "rank_order"), rank_order_encode(x, 5))
    np.testing.assert_array_equal(encode(x, 5, "latency"), latency_encode(x, 5))
    data = Dataset(x, np.array([0]), "tiny", 1)
    np.testing.assert_array_equal(
        as_spikes(data, 5, seed=0, encoding="latency", min_intensity=0.5),
        latency_encode(x, 5, min_intensity=0.5),
    )
    rate = as_spikes(data, 400, seed=3)
    assert rate[0, 2].sum() == 0 and 300 < rate[0, 0].sum() < 400  # Bernoulli, p = 0.9


def test_spike_batches_encode_with_the_configured_encoding():
    from pumice.train.spike_batches import spike_batches

    x = np.random.default_rng(1).random((5, 1, 2, 3)).astype(np.float32)
    data = Dataset(x, np.arange(5) % 2, "tiny", 2)
    rng = np.random.default_rng(0)
    batches = list(spike_batches(data, 6, 2, rng, encoding="rank_order"))
    spikes = np.concatenate([batch.numpy() for batch, _ in batches])
    np.testing.assert_array_equal(spikes, rank_order_encode(x, 6))
    spike_data = Dataset(rank_order_encode(x, 6), data.y, "spiky", 2)
    with pytest.raises(DataError, match=r"encoding = 'latency' cannot apply"):
        next(spike_batches(spike_data, 6, 2, rng, encoding="latency"))


_CONFIG = """
[data]
name = "fashion-mnist"
steps = 20
encoding = "{encoding}"
min_intensity = 0.1

[[network.layers]]
type = "dense"
features = 10
"""


def test_config_encoding_round_trips(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(_CONFIG.format(encoding="rank_order"))
    config = load_config(path)
    assert config.data.encoding == "rank_order" and config.data.min_intensity == 0.1
    again = tmp_path / "again.toml"
    again.write_text(dump_config(config))
    assert load_config(again) == config
    defaults = config_from_dict(
        {
            "data": {"name": "digits", "steps": 4},
            "network": {"layers": [{"type": "dense", "features": 10}]},
        }
    )
    assert defaults.data.encoding == "rate" and defaults.data.samples is None


def test_config_rejects_an_unknown_encoding(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(_CONFIG.format(encoding="phase"))
    with pytest.raises(ConfigError, match=r"\[data\] encoding must be one of 'rate', "):
        load_config(path)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("min_intensity", 1.0, r"min_intensity must be in \[0, 1\)"),
        ("level_delta", 0.0, "level_delta must be > 0"),
        ("samples", 0, "samples must be >= 1"),
    ],
)
def test_config_rejects_bad_encoder_settings(key, value, message):
    table = {"data": {"name": "digits", "steps": 4, key: value}}
    table["network"] = {"layers": [{"type": "dense", "features": 10}]}
    with pytest.raises(ConfigError, match=message):
        config_from_dict(table)
