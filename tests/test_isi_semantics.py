"""ISI binning, ISI synapses, the non-spiking output layer and its readout, in the emulator."""

from __future__ import annotations

import numpy as np
import pytest

from pumice.convert.emulator import emulate
from pumice.convert.intervals import Binned, bin_spikes, gaussian, intervals
from pumice.convert.ir import (
    CubaLI,
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedCubaLI,
    FixedDense,
    Graph,
    Input,
    ISIBinner,
    ISIConv2d,
    ISIDense,
    RunResult,
)
from pumice.convert.semantics import ON_EVENTS, SEMANTICS
from pumice.errors import ModelError

#: One neuron's hand-made train and the ISI of each spike (first spike at step n: n + 1).
TRAIN = [0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1]
ISIS = [0, 2, 0, 0, 3, 1, 0, 0, 0, 0, 5]


def test_intervals_of_first_and_repeated_spikes():
    spikes = np.array([TRAIN, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    expected = np.array([ISIS, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(intervals(spikes), expected)


def test_binner_routes_each_spike_to_its_isi_line_and_drops_longer_isis():
    spikes = np.array([[TRAIN, [0] * 10 + [1]]], dtype=np.uint8)  # (1 sample, 2 inputs, 11)
    lines = bin_spikes(spikes, 3)[0]  # (2 * 3 lines, steps)
    expected = np.zeros((6, 11), dtype=np.uint8)
    expected[1, 1] = 1  # ISI 2 -> line 0 * 3 + 1
    expected[2, 4] = 1  # ISI 3 -> line 2
    expected[0, 5] = 1  # ISI 1 -> line 0
    # input 0 at step 10 has ISI 5 > 3 and input 1's first spike ISI 11: both dropped
    np.testing.assert_array_equal(lines, expected)


def test_binner_expands_the_channels_of_a_map():
    rng = np.random.default_rng(0)
    spikes = (rng.random((2, 2, 3, 4, 9)) < 0.5).astype(np.uint8)
    lines = bin_spikes(spikes, 4)
    assert lines.shape == (2, 8, 3, 4, 9)
    isi = intervals(spikes)
    for c in range(2):
        for k in range(4):
            np.testing.assert_array_equal(lines[:, c * 4 + k], isi[:, c] == k + 1)


def test_binner_in_a_graph_delivers_lines_in_the_same_step():
    """A FixedCubaLI with du = 4095 keeps u = (line code) << 6, one step after the spike."""
    codes = np.array([[1, 2, 4, 8, 16, 32]])  # input j's line k is worth 2 ** (j * 3 + k)
    graph = Graph.chain(
        [
            ("input", Input((2,))),
            ("bins", ISIBinner(3)),
            ("synapse", FixedDense(codes, weight_exp=0, num_weight_bits=8)),
            ("out", FixedCubaLI((1,), du=4095, dv=0, bias_mant=np.zeros(1, int))),
        ]
    )
    spikes = np.array([[TRAIN, [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]]], dtype=np.uint8)
    run = emulate(graph, spikes, record_state=True)
    expected = np.zeros(11, dtype=np.int64)  # the synapse delivers one step after the spike
    expected[1] = 8  # input 1, ISI 1 -> code 8
    expected[2] = 2 + 8  # input 0, ISI 2 -> 2; input 1, ISI 1 -> 8
    expected[5] = 4  # input 0, ISI 3
    expected[6] = 1  # input 0, ISI 1; input 1's ISI 6 at step 7 and input 0's ISI 5 dropped
    np.testing.assert_array_equal(run.u["out"][0, 0] >> 6, expected)


def _random_binned(rng, shape, num_bins, steps=7) -> Binned:
    spikes = (rng.random((3, *shape, steps)) < 0.5).astype(np.uint8)
    return SEMANTICS[ISIBinner](ISIBinner(num_bins), spikes)


@pytest.mark.parametrize("seed", range(4))
def test_synapses_on_binner_events_equal_them_on_its_spikes(seed):
    rng = np.random.default_rng(seed)
    vector = _random_binned(rng, (5,), 3)
    fixed_dense = FixedDense(
        rng.integers(-256, 256, size=(4, 15)),
        weight_exp=int(rng.integers(-3, 3)),
        num_weight_bits=int(rng.integers(1, 9)),
    )
    cases = [(Dense(rng.normal(size=(4, 15))), vector), (fixed_dense, vector)]
    binned_map = _random_binned(rng, (2, 5, 6), 2)
    kernel = rng.integers(-120, 121, size=(3, 4, 3, 2))
    conv = FixedConv2d(kernel, stride=(2, 1), padding=(1, 0), dilation=(1, 2), weight_exp=1)
    cases.append((conv, binned_map))
    for node, binned in cases:
        from_events = ON_EVENTS[type(node)](node, binned)
        from_spikes = SEMANTICS[type(node)](node, binned.dense())
        np.testing.assert_allclose(from_events, from_spikes, rtol=1e-12, atol=1e-12)
        if node.domain == "fixed":
            assert from_events.dtype.kind == "i"
            np.testing.assert_array_equal(from_events, from_spikes)


def test_isi_dense_is_the_gaussian_of_each_spikes_isi():
    rng = np.random.default_rng(1)
    node = ISIDense(rng.normal(size=(3, 4)), rng.uniform(1, 8, (3, 4)), rng.uniform(0.5, 3, (3, 4)))
    spikes = (rng.random((2, 4, 9)) < 0.5).astype(np.uint8)
    isi = intervals(spikes)
    expected = np.zeros((2, 3, 9))
    for b, o, j, t in np.ndindex(2, 3, 4, 9):
        if spikes[b, j, t]:
            expected[b, o, t] += node.height[o, j] * np.exp(
                -((isi[b, j, t] - node.mean[o, j]) ** 2) / (2 * node.width[o, j] ** 2)
            )
    np.testing.assert_allclose(SEMANTICS[ISIDense](node, spikes), expected, atol=1e-12)


def test_isi_conv_shares_one_gaussian_per_kernel():
    rng = np.random.default_rng(2)
    node = ISIConv2d(
        rng.normal(size=(2, 2, 2, 3)),
        rng.uniform(1, 6, (2, 2)),
        rng.uniform(0.5, 3, (2, 2)),
        stride=(1, 2),
        padding=(1, 1),
    )
    spikes = (rng.random((2, 2, 4, 5, 6)) < 0.5).astype(np.uint8)
    isi = intervals(spikes)
    padded = np.pad(isi, ((0, 0), (0, 0), (1, 1), (1, 1), (0, 0)))
    out_shape = node.output_shape((2, 4, 5))
    expected = np.zeros((2, *out_shape, 6))
    for b, o, y, x, t in np.ndindex(*expected.shape):
        for c, i, j in np.ndindex(2, 2, 3):
            value = padded[b, c, y + i, 2 * x + j, t]
            if value:
                weight = gaussian(value, node.mean[o, c], node.width[o, c])
                expected[b, o, y, x, t] += node.height[o, c, i, j] * weight
    np.testing.assert_allclose(SEMANTICS[ISIConv2d](node, spikes), expected, atol=1e-12)


def test_cuba_li_integrates_without_threshold_or_reset():
    node = CubaLI((2,), current_decay=0.25, voltage_decay=0.5, bias=np.array([0.0, 0.1]))
    a = np.array([[[3.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])
    spikes, u, v = SEMANTICS[CubaLI](node, a, True)
    expected_u, expected_v, state_u, state_v = [], [], np.zeros(2), np.zeros(2)
    for t in range(4):
        state_u = 0.75 * state_u + a[0, :, t]
        state_v = 0.5 * state_v + state_u + node.bias
        expected_u.append(state_u)
        expected_v.append(state_v)
    assert not spikes.any() and v.max() > 1.0  # well above any threshold a LIF would have
    np.testing.assert_allclose(u[0], np.array(expected_u).T)
    np.testing.assert_allclose(v[0], np.array(expected_v).T)


def test_fixed_li_is_lavas_lif_arithmetic_without_spikes():
    """Python integers, decays rounding toward zero; v keeps growing past any LIF threshold."""
    rng = np.random.default_rng(3)
    li = FixedCubaLI((3,), du=300, dv=200, bias_mant=rng.integers(-60, 60, 3), bias_exp=3)
    a = rng.integers(0, 3000, size=(1, 3, 12))
    _, u, v = SEMANTICS[FixedCubaLI](li, a, True)

    def decay(x: int, keep: int) -> int:
        return int(np.sign(x)) * (abs(x * keep) >> 12)

    for n in range(3):
        state_u = state_v = 0
        for t in range(12):
            state_u = decay(state_u, 4096 - 301) + (int(a[0, n, t]) << 6)
            state_v = decay(state_v, 4096 - 200) + state_u + (int(li.bias_mant[n]) << 3)
            assert (u[0, n, t], v[0, n, t]) == (state_u, state_v)
    assert v.max() > 1000 << 6


def test_a_non_spiking_output_whose_v_leaves_its_range_is_refused():
    graph = Graph.chain(
        [
            ("input", Input((3,))),
            ("synapse", FixedDense(np.full((2, 3), 255), weight_exp=4)),
            ("out", FixedCubaLI((2,), du=0, dv=0, bias_mant=np.zeros(2, int))),
        ]
    )
    with pytest.raises(ModelError, match="layer 'out': v climbed above 8388544"):
        emulate(graph, np.ones((1, 3, 20), dtype=np.uint8))


def test_potential_readout_takes_v_at_the_window_end_lowest_index_on_ties():
    run = RunResult(counts={}, potentials={"out": np.array([[1, 3, 3], [2, 2, 0], [0, 0, 0]])})
    np.testing.assert_array_equal(run.predictions("out"), [1, 0, 0])
    counts = RunResult(counts={"out": np.array([[0, 2, 2], [1, 0, 1]])})
    np.testing.assert_array_equal(counts.predictions("out"), [1, 0])
    graph = Graph.chain(
        [
            ("input", Input((2,))),
            ("synapse", Dense(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))),
            ("out", CubaLI((3,), 0.0, 0.0, np.zeros(3))),
        ]
    )
    spikes = np.zeros((3, 2, 6), dtype=np.uint8)
    spikes[0, 0, 1] = 1  # class 0 only
    spikes[1, 1, :4] = 1  # classes 1 and 2 tie
    run = emulate(graph, spikes, windows={"out": (1, 4)}, record_state=True)
    np.testing.assert_array_equal(run.potentials["out"], run.v["out"][..., 3])
    np.testing.assert_array_equal(run.predictions("out"), [0, 1, 0])
    assert not run.counts["out"].any()


def test_a_non_spiking_layer_must_be_the_output():
    graph = Graph.chain(
        [
            ("input", Input((2,))),
            ("s1", Dense(np.ones((2, 2)))),
            ("hidden", CubaLI((2,), 0.1, 0.1, np.zeros(2))),
            ("s2", Dense(np.ones((2, 2)))),
            ("out", CubaLIF((2,), 1.0, 0.1, 0.1, np.zeros(2))),
        ]
    )
    with pytest.raises(ModelError, match="layer 'hidden' \\(CubaLI\\) never spikes"):
        emulate(graph, np.ones((1, 2, 3), dtype=np.uint8))
