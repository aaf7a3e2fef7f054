"""Emulator vs Lava fixed_pt on graded spikes: pumice's IsiPayload process in front of
Dense/Sparse with ``num_message_bits``, and ISI binners with bins wider than one step."""

from __future__ import annotations

import numpy as np
import pytest
from bit_exact import assert_lava_matches_emulator
from graph_factory import random_routed_graph

from pumice.convert.emulator import emulate
from pumice.convert.ir import FixedCubaLI, FixedDense, FixedISIPayload, Graph, Input

pytestmark = pytest.mark.lava

#: Seeds whose every hidden layer spikes and whose output receives input (asserted below):
#: payload routers on flattened maps (2, 34) and vectors (5, 59), binners (0, 32), both
#: kinds in one graph (10, 16).
SEEDS = [0, 2, 5, 10, 16, 32, 34, 59]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_routed_graph_bit_exact(seed):
    rng = np.random.default_rng(3000 + seed)
    graph = random_routed_graph(rng, map_input=seed % 2 == 0, longest=8)
    spikes = (rng.random((2, *graph.nodes[graph.input].shape, 14)) < 0.4).astype(np.uint8)
    expected, _ = assert_lava_matches_emulator(graph, spikes)
    assert all(expected.spikes[name].any() for name in graph.hidden_neurons())
    assert np.abs(expected.u[graph.output]).max() > 0, "the output received nothing"


def test_payload_on_lava_on_a_hand_made_train():
    """u of a FixedCubaLI with du = 4095 is the payload of each spike, one step later."""
    from pumice.deploy.lava_run import run_on_lava

    table = np.array([[5, 7, 0, 9], [1, 2, 3, 4]])  # input 0: lines 0 and 1
    graph = Graph.chain(
        [
            ("input", Input((1,))),
            ("payload", FixedISIPayload(table, 2, 4)),
            ("synapse", FixedDense(np.array([[1, 16]]))),
            ("out", FixedCubaLI((1,), du=4095, dv=0, bias_mant=np.zeros(1, int))),
        ]
    )
    train = [1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1]  # ISIs 1, 2, 1, 3, 5 (past the table)
    spikes = np.array([[train]], dtype=np.uint8)
    actual = run_on_lava(graph, spikes, record_state=True)
    expected = np.zeros(12, dtype=np.int64)
    expected[[1, 3, 4, 7]] = [5 + 16 * 1, 7 + 16 * 2, 5 + 16 * 1, 0 + 16 * 3]
    np.testing.assert_array_equal(actual.u["out"][0, 0] >> 6, expected)
    np.testing.assert_array_equal(
        actual.u["out"], emulate(graph, spikes, record_state=True).u["out"]
    )
