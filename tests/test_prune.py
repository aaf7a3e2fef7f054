"""Magnitude pruning: exact sparsity, masks survive quantisation, synapse counts drop."""

from __future__ import annotations

import numpy as np
import pytest
from test_quantize import _float_net

from pumice.convert.emulator import emulate
from pumice.convert.ir import Dense, FixedDense
from pumice.convert.passes import PASSES
from pumice.convert.passes.prune import magnitude_mask
from pumice.errors import PumiceError


@pytest.mark.parametrize("sparsity", [0.0, 0.3, 0.5, 0.9])
def test_target_sparsity_per_layer(sparsity):
    graph = _float_net(np.random.default_rng(0))
    result = PASSES["prune"](sparsity=sparsity).apply(graph)
    pruned, changed = result.graph, result.changed
    assert changed
    for name, fraction in result.report["pruning"]["sparsity"].items():
        weight = pruned.nodes[name].weight
        assert fraction == pytest.approx(1 - np.count_nonzero(weight) / weight.size)
        assert abs(fraction - sparsity) <= 1 / weight.size + 1e-12
    assert isinstance(pruned.nodes["dense1_synapse"], Dense)
    assert pruned.nodes["dense1_synapse"].sparse is True


def test_smallest_weights_go_first():
    weight = np.array([[0.1, -0.5, 0.02], [-0.03, 0.4, 1.0]])
    mask = magnitude_mask(weight, sparsity=0.5, threshold=None)
    np.testing.assert_array_equal(mask, [[False, True, False], [False, True, True]])
    by_threshold = magnitude_mask(weight, sparsity=None, threshold=0.1)
    np.testing.assert_array_equal(by_threshold, [[True, True, False], [False, True, True]])


def test_mask_survives_quantisation_and_zero_pruning_is_identity():
    graph = _float_net(np.random.default_rng(1))
    pruned = PASSES["prune"](sparsity=0.5).apply(graph).graph
    fixed = PASSES["quantize"]().apply(pruned).graph
    dense = fixed.nodes["dense1_synapse"]
    assert isinstance(dense, FixedDense) and dense.sparse
    removed = pruned.nodes["dense1_synapse"].weight == 0
    assert np.all(dense.weight[removed] == 0)  # pruned synapses carry no weight
    assert np.count_nonzero(dense.weight) <= np.count_nonzero(~removed)
    same = PASSES["prune"](sparsity=0.0).apply(graph).graph
    spikes = (np.random.default_rng(2).random((8, 1, 6, 6, 12)) < 0.5).astype(np.uint8)
    for name, counts in emulate(graph, spikes).counts.items():
        np.testing.assert_array_equal(emulate(same, spikes).counts[name], counts)


@pytest.mark.parametrize(
    "kwargs", [{}, {"sparsity": 0.5, "threshold": 0.1}, {"sparsity": 1.0}, {"threshold": -1}]
)
def test_bad_pruning_arguments(kwargs):
    with pytest.raises(PumiceError, match="prun"):
        PASSES["prune"](**kwargs)
