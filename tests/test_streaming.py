"""A data set streamed through the emulator gives what one run of all its spikes gives."""

from __future__ import annotations

import numpy as np
from graph_factory import random_graph

from pumice.convert.emulator import emulate_window
from pumice.data import Dataset, as_spikes
from pumice.streaming import run_dataset


def test_streamed_run_equals_one_run_of_every_spike():
    rng = np.random.default_rng(2)
    graph = random_graph(rng, conv=False)
    n_in = graph.nodes[graph.input].shape[0]
    data = Dataset(
        rng.random((23, n_in)).astype(np.float32),
        rng.integers(0, 2, 23),
        name="toy",
        num_classes=2,
    )
    run = run_dataset(graph, data, 9, seed=4, max_rate=0.6, batch_size=5, progress=False)
    whole = emulate_window(graph, as_spikes(data, 9, seed=4, max_rate=0.6))
    expected = whole.predictions(graph.output)
    np.testing.assert_array_equal(run.predictions, expected)
    assert run.samples == 23
    assert run.accuracy == float((expected == data.y).mean())
    for name, counts in whole.counts.items():
        per_neuron = counts.reshape(23, -1).mean(axis=1).mean()
        assert abs(run.spikes_per_neuron[name] - per_neuron) < 1e-9
