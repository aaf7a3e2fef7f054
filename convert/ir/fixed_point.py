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
