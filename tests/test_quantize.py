"""The quantisation pass and Loihi's weight format."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pumice.convert import lava_arithmetic as la
from pumice.convert.emulator import emulate
from pumice.convert.ir import (
    Conv2d,
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedCubaLIF,
    FixedDense,
    Flatten,
    Graph,
    Input,
    SumPool2d,
)
from pumice.convert.passes import PASSES
from pumice.convert.passes.quantize import quantize_weights
from pumice.convert.weight_format import grid_format, on_grid
from pumice.errors import ModelError


def _float_net(rng):
    return Graph.chain(
        [
            ("input", Input((1, 6, 6))),
            ("conv1_synapse", Conv2d(rng.normal(0, 0.8, (2, 1, 3, 3)), padding=(1, 1))),
            ("conv1", CubaLIF((2, 6, 6), 1.25, 0.25, 0.03, np.zeros(1))),
            ("pool1_synapse", SumPool2d((2, 2), (2, 2), weight=1.1)),
            ("pool1", CubaLIF((2, 3, 3), 1.25, 0.25, 0.03, np.zeros(1))),
            ("flatten1", Flatten()),
            ("dense1_synapse", Dense(rng.normal(0, 0.5, (4, 18)))),
            ("dense1", CubaLIF((4,), 1.0, 0.5, 0.1, rng.normal(0, 0.1, 4))),
        ]
    )


def test_quantize_leaves_no_float_node_and_follows_lava_dl():
    rng = np.random.default_rng(0)
    graph = _float_net(rng)
    result = PASSES["quantize"]().apply(graph)
    fixed, changed = result.graph, result.changed
    assert changed and fixed.domain() == "fixed"
    assert not any(n.domain == "float" for n in fixed.nodes.values())
    assert graph.domain() == "float"  # the input graph is untouched
    lif = fixed.nodes["conv1"]
    assert isinstance(lif, FixedCubaLIF)
    # lava-dl: vThMant = int(threshold * 64); iDecay = round(decay * 4096); du = iDecay - 1
    assert (lif.vth, lif.du, lif.dv, lif.bias_exp) == (80, 1023, 123, 6)
    dense = fixed.nodes["dense1_synapse"]
    assert isinstance(dense, FixedDense)
    effective = la.arithmetic_shift(
        la.effective_dense_weights(dense.weight, dense.num_weight_bits), dense.weight_exp
    )
    expected = np.clip(np.round(graph.nodes["dense1_synapse"].weight * 32) * 2, -256, 254)
    np.testing.assert_array_equal(effective, expected)
    pool = fixed.nodes["pool1_synapse"]
    assert isinstance(pool, FixedConv2d) and pool.groups == 2
    assert np.all(pool.weight == 70)  # 1.1 * 64 = 70.4 -> step 2 -> 70


def test_quantized_graph_tracks_float_graph():
    """Stated bound: per layer, fixed-point spike counts within 10 % (+3 spikes) of float."""
    rng = np.random.default_rng(1)
    graph = _float_net(rng)
    fixed = PASSES["quantize"]().apply(graph).graph
    spikes = (rng.random((32, 1, 6, 6, 20)) < 0.5).astype(np.uint8)
    float_counts = emulate(graph, spikes).counts
    fixed_counts = emulate(fixed, spikes).counts
    for name in float_counts:
        total_float, total_fixed = float_counts[name].sum(), fixed_counts[name].sum()
        assert total_float > 0
        assert abs(total_fixed - total_float) <= 0.1 * total_float + 3, name


def test_quantize_weights_matches_slayer_quantize_8bit():
    torch = pytest.importorskip("torch")
    from lava.lib.dl.slayer.utils import quantize

    weight = np.linspace(-5, 5, 101)
    slayer = quantize(torch.tensor(weight), step=2 / 64).clamp(-256 / 64, 254 / 64) * 64
    np.testing.assert_array_equal(quantize_weights(weight, 64), slayer.numpy().round())


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.floats(-600, 600), min_size=1, max_size=12),
    st.integers(1, 8),
    st.integers(0, 6),
    st.integers(0, 2),
)
def test_grid_format_is_exact_in_lava(values, bits, log_step, sign):
    weight = np.array(values).reshape(-1, 1)
    if sign == 1:
        weight = np.abs(weight)
    elif sign == 2:
        weight = -np.abs(weight)
    grid = on_grid(weight, bits, 1 << log_step)
    fmt = grid_format(grid, bits, 1 << log_step)
    assert fmt.num_weight_bits == bits
    assert len(np.unique(grid)) <= 1 << bits
    assert np.all(fmt.mantissa >= -256) and np.all(fmt.mantissa <= 255)
    effective = la.effective_dense_weights(fmt.mantissa, fmt.num_weight_bits)
    summed = la.arithmetic_shift(effective.sum(axis=0), fmt.exponent)  # all inputs spike
    np.testing.assert_array_equal(summed, grid.sum(axis=0))
    for row in range(len(grid)):  # one input spikes
        np.testing.assert_array_equal(la.arithmetic_shift(effective[row], fmt.exponent), grid[row])


def test_weight_bits_out_of_range_are_refused():
    for bits in (0, 9):
        with pytest.raises(ModelError, match="weight bits must be 1 to 8"):
            PASSES["quantize"](weight_bits=bits)


@pytest.mark.parametrize("bits", [8, 6, 4, 2, 1])
def test_fewer_bits_use_fewer_levels(bits):
    rng = np.random.default_rng(bits)
    graph = _float_net(rng)
    result = PASSES["quantize"](weight_bits=bits).apply(graph)
    fixed = result.graph
    dense = fixed.nodes["dense1_synapse"]
    assert dense.num_weight_bits == bits
    effective = la.arithmetic_shift(
        la.effective_dense_weights(dense.weight, bits) * 1, dense.weight_exp
    )
    assert len(np.unique(effective)) <= 1 << bits
    assert result.report["quantization"]["weight_bits"] == bits


@settings(max_examples=200, deadline=None)
@given(st.integers(-(1 << 23), 1 << 23), st.integers(0, 4096))
def test_decay_rounds_toward_zero(state, factor):
    result = int(la.decay(np.array(state), factor))
    exact = state * factor / 4096
    assert abs(result) <= abs(exact) < abs(result) + 1
    assert result == -int(la.decay(np.array(-state), factor))


def test_saturation_is_counted():
    rng = np.random.default_rng(5)
    graph = _float_net(rng)
    big = graph.nodes["dense1_synapse"].weight.copy()
    big[0, :3] = [9.0, -9.0, 5.0]  # beyond 254/64 = 3.97: must saturate
    graph.nodes["dense1_synapse"] = type(graph.nodes["dense1_synapse"])(big)
    saturated = PASSES["quantize"]().apply(graph).report["quantization"]["saturated"]
    assert saturated["dense1_synapse"] == 3
    assert saturated["conv1_synapse"] == 0 or graph.nodes["conv1_synapse"].weight.max() > 3.9
    assert saturated["dense1"] == 0
