"""Lava's fixed-point formats are written once (``pumice.convert.ir.fixed_point``), and the
Loihi 2 profile, which states them with their sources, agrees with them."""

from __future__ import annotations

from pumice.convert.hardware import load_profile
from pumice.convert.ir import fixed_point as fp


def test_the_loihi2_profile_states_the_formats_the_ir_uses():
    profile = load_profile("loihi2")
    assert profile.u_bits == profile.v_bits == fp.STATE_BITS == 24
    assert profile.decay_bits == fp.DECAY_SHIFT == 12
    assert profile.threshold_bits == fp.THRESHOLD_BITS
    assert profile.bias_mant_bits == fp.BIAS_MANT_BITS
    assert profile.weight_bits == fp.WEIGHT_BITS


def test_derived_limits_follow_from_the_widths():
    assert fp.VTH_MAX == fp.NON_SPIKING_VTH == (1 << 17) - 1
    assert fp.BIAS_MANT_MAX == (1 << 12) - 1
    assert fp.DECAY_ONE == 4096 and fp.NO_LEAK == fp.STATE_BITS
