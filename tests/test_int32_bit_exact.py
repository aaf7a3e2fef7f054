"""Beyond the 24-bit ranges Lava's int32 wraps (its channels, the input ``<< 6``, ``u``
after its one 24-bit wrap, the sum for ``v``); the emulator wraps with it, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from bit_exact import assert_lava_matches_emulator

from pumice.convert.ir import (
    FixedCubaLIF,
    FixedDense,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    Graph,
    Input,
)

pytestmark = pytest.mark.lava

_WEIGHT = np.array([[254, 254, 254, 254], [-256, 100, -200, 50], [3, -7, 11, 0]])


def _neuron(kind: str):
    if kind == "multiply":
        return FixedCubaLIF((3,), du=100, dv=50, vth=131071, bias_mant=np.zeros(3, int))
    shifts = dict(shift_u=np.array([24, 3, 24]), shift_v=np.array([24, 2, 5]))
    if kind == "shift":
        return FixedShiftLIF((3,), **shifts, vth=131071, bias_mant=np.array([0, 5, -5]), bias_exp=6)
    return FixedRecurrentShiftLIF(
        (3,),
        **shifts,
        vth=1000,
        bias_mant=np.zeros(3, int),
        recurrent_weight=np.array([[200, -100, 0], [50, 0, -250], [100, 100, 100]]),
        recurrent_weight_exp=22,
    )


@pytest.mark.parametrize("kind", ["multiply", "shift", "recurrent"])
@pytest.mark.parametrize("weight_exp", [12, 22, 25])
def test_emulator_wraps_with_lavas_int32(kind, weight_exp):
    """``weight_exp`` 12: ``u`` climbs past 2**31; 22: the input ``<< 6`` wraps; 25: the
    int32 channel wraps the synaptic sum itself."""
    graph = Graph.chain(
        [
            ("input", Input((4,))),
            ("synapse", FixedDense(_WEIGHT, weight_exp=weight_exp)),
            ("lif", _neuron(kind)),
        ]
    )
    spikes = (np.random.default_rng(weight_exp).random((2, 4, 24)) < 0.8).astype(np.uint8)
    expected, _ = assert_lava_matches_emulator(graph, spikes)
    if weight_exp == 12 and kind != "recurrent":
        assert np.abs(expected.u["lif"]).max() > 1 << 30  # far outside 24 bits
