"""The memory check before a run counts what the run holds: the emulator's own batch (it
lowers the batch of a long run) and float draws only for rate encoding."""

from __future__ import annotations

import math

import numpy as np
from ttfs_factory import float_ttfs_graph

from pumice.convert.emulator import BATCH_BYTES, fitting_batch
from pumice.run_memory import BATCH, run_bytes


def test_a_long_run_is_counted_at_the_batch_the_emulator_runs():
    graph = float_ttfs_graph(np.random.default_rng(0), conv=True)
    samples, steps = 10_000, 200_000
    assert fitting_batch(graph, steps, BATCH) < BATCH
    spikes = samples * math.prod(graph.shapes()[graph.input]) * steps
    need = run_bytes(graph, samples, steps, encoded=False)
    assert spikes < need <= spikes + BATCH_BYTES
    draws = run_bytes(graph, samples, steps, encoded=True) - need
    assert draws == 8 * spikes  # one float64 per input and step while rate encoding
