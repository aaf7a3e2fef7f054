"""The number formats of Lava's ``fixed_pt`` ProcessModels (lava-nc 0.10), in one place.

The fixed-point node kinds hold these integers; the emulator, the quantiser, the design
rules and the Lava backend all read the widths from here. The Loihi 2 hardware profile
(``hw_profiles/loihi2.toml``) states the same widths with their sources; a test checks
that both agree.
"""

from __future__ import annotations

#: ``u`` and ``v`` are 24-bit signed registers (``uv_bitwidth``).
STATE_BITS = 24
#: Decays are 12-bit fractions of ``1 << DECAY_SHIFT`` (``decay_shift``).
DECAY_SHIFT = 12
DECAY_ONE = 1 << DECAY_SHIFT
#: Threshold and synaptic input are MSB-aligned by 6 bits (``vth_shift``/``act_shift``).
ALIGN_SHIFT = 6
#: Weight mantissas hold 8 magnitude bits (Dense ``precision=8``, ``clip_weights``).
WEIGHT_BITS = 8
#: ``vth`` holds 17 bits (LIF ``precision=17``), read as unsigned.
THRESHOLD_BITS = 17
VTH_MAX = (1 << THRESHOLD_BITS) - 1
#: ``bias_mant`` holds 13 signed bits (LIF ``precision=13``).
BIAS_MANT_BITS = 13
BIAS_MANT_MAX = (1 << (BIAS_MANT_BITS - 1)) - 1
#: netx (and SLAYER's export) applies every bias as ``bias_mant << 6``.
NETX_BIAS_EXP = 6
#: A shift of this size means no leak at all (the state keeps its value).
NO_LEAK = STATE_BITS
#: A non-spiking readout runs on Lava as a LIF with the largest threshold Lava holds.
NON_SPIKING_VTH = VTH_MAX
#: ``bias_exp`` holds 3 bits (LIF ``precision=3``), read as unsigned, as the Loihi 2
#: profile does: netx deploys every layer with ``bias_exp = 6``.
BIAS_EXP_BITS = 3

# The ranges a model file's fixed-point fields must lie in: the values Lava's ``fixed_pt``
# models compute with, including those lava-dl's netx itself deploys. The hardware
# profiles' design rules (``pumice.convert.hardware.drc``) hold the registers to their own,
# stricter ranges where they differ.

#: Lava decays ``u`` by ``du + 1``: netx writes ``du = iDecay - 1`` for ``iDecay`` in
#: [0, 4096], so -1 (no current decay) is one of its values.
DU_RANGE = (-1, DECAY_ONE - 1)
#: Lava decays ``v`` by ``dv``; netx's default neuron holds ``vDecay = 4096`` (no memory).
DV_RANGE = (0, DECAY_ONE)
#: 17 unsigned bits, and netx's default neuron's ``1 << 17`` (lava-dl 0.6 writes
#: ``1 << 18 - 1``), a threshold no 24-bit ``v`` reaches.
VTH_RANGE = (0, 1 << THRESHOLD_BITS)
BIAS_MANT_RANGE = (-BIAS_MANT_MAX - 1, BIAS_MANT_MAX)
BIAS_EXP_RANGE = (0, (1 << BIAS_EXP_BITS) - 1)
#: Dense ``num_weight_bits``: Lava keeps the top 1 to 8 bits of each mantissa.
NUM_WEIGHT_BITS_RANGE = (1, WEIGHT_BITS)
#: Weight exponents: a shift past the 24-bit state leaves every sum zero or overflowing.
WEIGHT_EXP_RANGE = (-STATE_BITS, STATE_BITS)
#: Lava's Conv ignores ``weight_exp`` and holds int32 weights, so pumice stores conv
#: weights as plain integers; beyond the 24-bit state one weight alone saturates a sum.
CONV_WEIGHT_RANGE = (-(1 << (STATE_BITS - 1)), (1 << (STATE_BITS - 1)) - 1)
#: Shift leaks: 0 (all leaks away) to :data:`NO_LEAK` (nothing does).
SHIFT_RANGE = (0, NO_LEAK)


def dense_mantissa_range(lowest: int, highest: int) -> tuple[int, int]:
    """The mantissas Lava's Dense holds without clipping (``clip_weights``), for a matrix of
    mantissas in [``lowest``, ``highest``]: 8 bits of one sign, or 9 with mixed signs."""
    top = 1 << WEIGHT_BITS
    if lowest >= 0:
        return (0, top - 1)
    if highest <= 0:
        return (1 - top, 0)
    return (-top, top - 1)
