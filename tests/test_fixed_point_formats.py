"""Lava's fixed-point formats are written once (``pumice.convert.ir.fixed_point``), and the
Loihi 2 profile, which states them with their sources, agrees with them."""

from __future__ import annotations

import numpy as np

from pumice.convert.hardware import load_profile
from pumice.convert.ir import fixed_point as fp


def test_the_loihi2_profile_states_the_formats_the_ir_uses():
    profile = load_profile("loihi2")
    assert profile.u_bits == profile.v_bits == fp.STATE_BITS == 24
    assert profile.decay_bits == fp.DECAY_SHIFT == 12
    assert profile.threshold_bits == fp.THRESHOLD_BITS
    assert profile.bias_mant_bits == fp.BIAS_MANT_BITS
    assert profile.weight_bits == fp.WEIGHT_BITS
    assert (profile.bias_exp_min, profile.bias_exp_max) == fp.BIAS_EXP_RANGE == (0, 7)


def test_derived_limits_follow_from_the_widths():
    assert fp.VTH_MAX == fp.NON_SPIKING_VTH == (1 << 17) - 1
    assert fp.BIAS_MANT_MAX == (1 << 12) - 1
    assert fp.DECAY_ONE == 4096 and fp.NO_LEAK == fp.STATE_BITS
    assert fp.VTH_RANGE == (0, fp.VTH_MAX + 1) and fp.BIAS_MANT_RANGE == (-4096, 4095)
    assert fp.DU_RANGE == (-1, 4095) and fp.DV_RANGE == (0, 4096) and fp.SHIFT_RANGE == (0, 24)


def test_dense_mantissa_ranges_are_what_lavas_clip_weights_keeps():
    """Mantissas at the range's ends pass Lava's own ``clip_weights`` (8 bits, the matrix's
    sign mode) unchanged; one step beyond is clipped."""
    from lava.utils.weightutils import clip_weights, determine_sign_mode

    for weight in ([0, 9], [-9, 0], [-9, 9]):
        low, high = fp.dense_mantissa_range(min(weight), max(weight))
        for values, kept in (([low, high], True), ([low - 1], False), ([high + 1], False)):
            matrix = np.array([*weight, *values])
            if determine_sign_mode(matrix) != determine_sign_mode(np.array(weight)):
                continue  # beyond the range of another sign mode, checked with that mode
            clipped = clip_weights(matrix, determine_sign_mode(matrix), 8)
            assert np.array_equal(clipped, matrix) == kept, (weight, values)
    assert fp.dense_mantissa_range(-9, 9) == (-256, 255)
