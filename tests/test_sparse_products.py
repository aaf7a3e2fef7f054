"""The emulator's shortcuts for sparse spike maps give exactly what the plain forms give:
the word-wise nonzero scan, and delaying a synapse's input instead of its output."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pumice.convert.ir import FixedConv2d, FixedDense, SumPool2d
from pumice.convert.lava_arithmetic import wrap_signed
from pumice.convert.semantics import SEMANTICS
from pumice.convert.tensor_ops import delay_one_step, sparse_nonzero


@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    density=st.floats(0, 1),
    dtype=st.sampled_from([np.uint8, np.bool_, np.int8, np.int64]),
    seed=st.integers(0, 2**16),
)
def test_sparse_nonzero_is_nonzero(shape, density, dtype, seed):
    rng = np.random.default_rng(seed)
    x = ((rng.random(shape) < density) * rng.integers(1, 100, shape)).astype(dtype)
    for got, expected in zip(sparse_nonzero(x), np.nonzero(x), strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "node",
    [
        FixedDense(np.arange(-12, 12).reshape(4, 6) * 9, weight_exp=-1),
        FixedConv2d(np.arange(-27, 27).reshape(2, 3, 3, 3) * 50, padding=(1, 1)),
        SumPool2d((2, 2), (2, 2), weight=1.0),
    ],
    ids=["dense", "conv", "pool"],
)
@pytest.mark.parametrize("density", [0.2, 0.002], ids=["dense_input", "events"])
def test_a_synapse_of_a_delayed_input_is_the_delayed_synapse(node, density):
    rng = np.random.default_rng(0)
    shape = (40, 6, 30) if type(node) is FixedDense else (40, 3, 4, 4, 30)
    x = (rng.random(shape) < density) * rng.integers(1, 256, shape)
    x = x.astype(np.uint8)
    semantics = SEMANTICS[type(node)]
    expected = delay_one_step(semantics(node, x))
    assert np.any(expected)
    np.testing.assert_array_equal(semantics(node, delay_one_step(x)), expected)


@pytest.mark.parametrize(("scale", "wraps"), [(1, False), (4000, True)])
def test_a_fixed_conv_wraps_its_sums_exactly_when_they_leave_24_bits(scale, wraps):
    node = FixedConv2d(np.full((1, 2, 3, 3), 900 * scale), padding=(1, 1))
    x = np.full((1, 2, 4, 4, 2), 255, dtype=np.uint8)
    total = np.full((1, 1, 4, 4, 2), 0, dtype=np.int64)
    total[:, :, 1:3, 1:3] = 18 * 900 * scale * 255  # every tap of the inner outputs
    total[:, :, [0, 0, 3, 3], [0, 3, 0, 3]] = 8 * 900 * scale * 255  # corners: 4 taps each
    total[:, :, [0, 0, 3, 3, 1, 2, 1, 2], [1, 2, 1, 2, 0, 0, 3, 3]] = 12 * 900 * scale * 255
    got = SEMANTICS[FixedConv2d](node, x)
    np.testing.assert_array_equal(got, wrap_signed(total, 24))
    assert np.array_equal(got, total) != wraps
