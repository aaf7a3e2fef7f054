"""Emulator vs Lava fixed_pt on lowered IMSNN graphs: ISI binners, Conv and Dense after them,
non-spiking outputs read by their potential."""

from __future__ import annotations

import numpy as np
import pytest
from bit_exact import assert_lava_matches_emulator
from graph_factory import float_isi_graph, random_isi_graph

from pumice.convert.emulator import emulate
from pumice.convert.ir import FixedCubaLI, FixedDense, Graph, Input, ISIBinner
from pumice.convert.ir.windows import layer_windows, pad_for_lag
from pumice.convert.passes import PASSES
from pumice.errors import ModelError
from pumice.inference import run_graph

pytestmark = pytest.mark.lava

#: Even seeds start with a Conv, seeds 0 and 1 mod 4 end in a FixedCubaLI; these are ones
#: whose every hidden layer spikes and whose output receives input (asserted below).
SEEDS = [0, 8, 14, 25, 26, 29, 31, 39]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_isi_graph_bit_exact(seed):

    rng = np.random.default_rng(1000 + seed)
    graph = random_isi_graph(rng, conv=seed % 2 == 0, potential_output=seed % 4 < 2, max_isi=5)
    spikes = (rng.random((2, *graph.nodes[graph.input].shape, 11)) < 0.5).astype(np.uint8)

    expected, actual = assert_lava_matches_emulator(graph, spikes)
    if isinstance(graph.nodes[graph.output], FixedCubaLI):
        np.testing.assert_array_equal(
            actual.potentials[graph.output], expected.v[graph.output][..., -1]
        )
    else:
        assert actual.potentials is None and expected.potentials is None
    assert all(expected.spikes[name].any() for name in graph.hidden_neurons())
    assert np.abs(expected.u[graph.output]).max() > 0


def test_lava_binner_on_a_hand_made_train():
    """u of a FixedCubaLI with du = 4095 is (line code) << 6, one step after each spike."""
    from pumice.deploy.lava_run import run_on_lava

    graph = Graph.chain(
        [
            ("input", Input((2,))),
            ("bins", ISIBinner(3)),
            ("synapse", FixedDense(np.array([[1, 2, 4, 8, 16, 32]]))),
            ("out", FixedCubaLI((1,), du=4095, dv=0, bias_mant=np.zeros(1, int))),
        ]
    )
    train = [[0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1], [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]]
    spikes = np.array([train, train[::-1]], dtype=np.uint8)  # the binner restarts per sample
    actual = run_on_lava(graph, spikes, record_state=True)
    codes = np.zeros((2, 11), dtype=np.int64)
    codes[0, [1, 2, 5, 6]] = [8, 2 + 8, 4, 1]
    codes[1, [1, 2, 5, 6]] = [1, 1 + 16, 32, 8]
    np.testing.assert_array_equal(actual.u["out"][:, 0] >> 6, codes)
    np.testing.assert_array_equal(
        actual.u["out"], emulate(graph, spikes, record_state=True).u["out"]
    )


def test_potential_readout_on_lava_equals_the_emulator_through_run_graph():
    graph = float_isi_graph(np.random.default_rng(21), conv=True, steps=8)
    lowered = PASSES["lower_isi"]().apply(graph).graph
    fixed = PASSES["quantize"]().apply(lowered).graph
    rng = np.random.default_rng(22)
    spikes = (rng.random((3, 2, 5, 5, 8)) < 0.5).astype(np.uint8)
    labels = np.array([0, 1, 2])
    on_lava = run_graph(fixed, spikes, labels, "lava", progress=False)
    emulated = run_graph(fixed, spikes, labels, "emulator", progress=False)
    np.testing.assert_array_equal(on_lava.predictions, emulated.predictions)
    assert on_lava.spikes_per_neuron == emulated.spikes_per_neuron
    assert set(on_lava.spikes_per_neuron) == {"conv1", "dense1"}
    direct = emulate(fixed, pad_for_lag(spikes), windows=layer_windows(fixed, 8))
    assert np.abs(direct.potentials["out"]).max() > 0


def test_lava_refuses_a_non_spiking_output_that_would_fire():
    from pumice.deploy.lava_run import run_on_lava

    graph = Graph.chain(
        [
            ("input", Input((3,))),
            ("synapse", FixedDense(np.full((2, 3), 255), weight_exp=4)),
            ("out", FixedCubaLI((2,), du=0, dv=0, bias_mant=np.zeros(2, int))),
        ]
    )
    spikes = np.ones((1, 3, 20), dtype=np.uint8)
    with pytest.raises(ModelError, match="layer 'out': v climbed above"):
        run_on_lava(graph, spikes, windows={"out": (1, 5)})
