"""Emulator (compiled kernels and numpy reference) vs Lava fixed_pt on random graphs:
identical spikes, u and v, every layer and step."""

from __future__ import annotations

import numpy as np
import pytest
from bit_exact import assert_lava_matches_emulator
from graph_factory import random_graph, random_pooled_graph

from pumice.convert.emulator import emulate

pytestmark = [pytest.mark.lava, pytest.mark.slow]

#: 50 graphs: even seeds get a Conv front end, odd seeds are dense only.
SEEDS = range(50)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_graph_bit_exact(seed):

    rng = np.random.default_rng(seed)
    graph = random_graph(rng, conv=seed % 2 == 0)
    in_shape = graph.nodes[graph.input].shape
    samples, steps = 2, int(rng.integers(8, 16))
    spikes = (rng.random((samples, *in_shape, steps)) < rng.uniform(0.2, 0.8)).astype(np.uint8)

    expected, actual = assert_lava_matches_emulator(graph, spikes)
    total = sum(int(c.sum()) for c in expected.counts.values())
    assert total == sum(int(c.sum()) for c in actual.counts.values())


def test_fuzz_covers_every_variant():
    """The graphs hold conv, dense, sparse, shift-leak layers, all sign modes, both exponents."""
    from pumice.convert import lava_arithmetic as la
    from pumice.convert.ir import FixedConv2d, FixedDense, FixedShiftLIF

    seen = set()
    for seed in SEEDS:
        graph = random_graph(np.random.default_rng(seed), conv=seed % 2 == 0)
        for node in graph.nodes.values():
            if isinstance(node, FixedShiftLIF):
                seen.add("shift leak")
            if isinstance(node, FixedConv2d):
                seen.add("conv")
            if isinstance(node, FixedDense):
                seen.add("sparse" if node.sparse else "dense")
                seen.add(la.sign_mode(node.weight))
                seen.add("negative exp" if node.weight_exp < 0 else "non-negative exp")
    assert seen >= {
        "conv", "dense", "sparse", "mixed", "excitatory", "inhibitory",
        "negative exp", "non-negative exp", "shift leak",
    }  # fmt: skip


@pytest.mark.parametrize("seed", range(8))
def test_random_pooled_graph_bit_exact(seed):
    """Conv, sum pooling (a grouped conv), dense into a LIF or a non-spiking readout."""
    rng = np.random.default_rng(200 + seed)
    graph = random_pooled_graph(rng)
    in_shape = graph.nodes[graph.input].shape
    spikes = (rng.random((2, *in_shape, 12)) < rng.uniform(0.2, 0.8)).astype(np.uint8)
    assert_lava_matches_emulator(graph, spikes)


@pytest.mark.parametrize("seed", range(6))
def test_counts_counted_inside_lava_equal_the_emulator(seed):
    """Lava's in-process spike counters (no spike trains read back) match the emulator."""
    from pumice.convert.ir.windows import layer_windows, pad_for_lag
    from pumice.deploy.lava_run import run_on_lava

    rng = np.random.default_rng(100 + seed)
    graph = random_graph(rng, conv=seed % 2 == 0)
    steps = 10
    spikes = (rng.random((3, *graph.nodes[graph.input].shape, steps)) < 0.6).astype(np.uint8)
    padded, windows = pad_for_lag(spikes), layer_windows(graph, steps)
    expected = emulate(graph, padded, windows=windows)
    actual = run_on_lava(graph, padded, windows=windows)
    assert actual.spikes is None
    for name, counts in expected.counts.items():
        np.testing.assert_array_equal(actual.counts[name], counts, err_msg=name)
