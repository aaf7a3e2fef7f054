"""Spikes encoded a batch at a time equal the spikes encoded at once."""

from __future__ import annotations

import numpy as np
import pytest

from pumice.data import Dataset, as_spikes
from pumice.data.stream import spike_batches


@pytest.mark.parametrize("encoding", ["rate", "rank_order", "latency"])
def test_batches_put_together_equal_one_encoding(encoding):
    x = np.random.default_rng(0).random((11, 3, 4)).astype(np.float32)
    data = Dataset(x, np.zeros(11, dtype=np.int64), name="toy", num_classes=2)
    whole = as_spikes(data, 9, seed=3, max_rate=0.7, encoding=encoding)
    batches = list(spike_batches(data, 9, seed=3, batch_size=4, max_rate=0.7, encoding=encoding))
    assert [len(b) for b in batches] == [4, 4, 3]
    np.testing.assert_array_equal(np.concatenate(batches), whole)
    if encoding == "rate":
        assert 0 < whole.mean() < 1  # spikes were drawn, not all one value
