"""The shift-leak pass and neuron: decays to powers of two, bit-exact semantics."""

from __future__ import annotations

import numpy as np
import pytest
from test_quantize import _float_net

from pumice.convert import lava_arithmetic as la
from pumice.convert.emulator import emulate
from pumice.convert.ir import FixedShiftLIF
from pumice.convert.ir.fixed_point import NO_LEAK
from pumice.convert.leak_shifts import decay_to_shift, shift_to_decay
from pumice.convert.passes import PASSES
from pumice.errors import ModelError


@pytest.mark.parametrize(
    ("decay", "shift"), [(0.5, 1), (0.25, 2), (0.03, 5), (0.02, 6), (1.0, 0), (0.0, NO_LEAK)]
)
def test_decay_to_shift(decay, shift):
    assert decay_to_shift(decay) == shift
    if decay > 0:
        assert abs(np.log2(shift_to_decay(shift)) - np.log2(decay)) <= 0.5


def test_shift_leak_is_v_minus_v_shifted():
    v = np.array([1000, -1000, 7, -7, 0, -1])
    np.testing.assert_array_equal(la.shift_leak(v, np.array(3), NO_LEAK), v - (v >> 3))
    np.testing.assert_array_equal(la.shift_leak(v, np.array(NO_LEAK), NO_LEAK), v)
    np.testing.assert_array_equal(la.shift_leak(v, np.array(0), NO_LEAK), np.zeros(6))


def test_pass_replaces_every_lif_and_lists_decays():
    float_graph = _float_net(np.random.default_rng(0))
    fixed = PASSES["quantize"]().apply(float_graph).graph
    result = PASSES["shift_leak"]().apply(fixed)
    shifted, changed = result.graph, result.changed
    assert changed
    neurons = [n for _, n in shifted.neurons()]
    assert neurons and all(isinstance(n, FixedShiftLIF) for n in neurons)
    listed = {c["layer"]: c for c in result.report["shift_leak"]}
    assert set(listed) == {"conv1", "pool1", "dense1"}
    assert listed["conv1"]["shifts"] == [2, 5]  # 0.25 -> 2**-2; 0.03 -> 2**-5
    assert listed["dense1"]["voltage_decay"][1] == pytest.approx(2**-3)  # 0.1 -> 0.125
    spikes = (np.random.default_rng(1).random((16, 1, 6, 6, 20)) < 0.5).astype(np.uint8)
    before, after = emulate(fixed, spikes).counts, emulate(shifted, spikes).counts
    for name in before:  # the network still computes, close to the multiplier leak
        assert after[name].sum() > 0
        assert abs(int(after[name].sum()) - int(before[name].sum())) <= 0.25 * before[name].sum()


def test_pass_needs_a_fixed_graph():
    with pytest.raises(ModelError, match="quantise first"):
        PASSES["shift_leak"]().apply(_float_net(np.random.default_rng(0)))
