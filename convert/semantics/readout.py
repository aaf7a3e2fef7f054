"""Reference semantics of the non-spiking readouts: a LIF that never fires or resets."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import CubaLI, CubaLIF, FixedCubaLI, FixedCubaLIF
from pumice.convert.ir.fixed_point import NON_SPIKING_VTH
from pumice.convert.semantics.lif import fixed_lif, float_lif
from pumice.convert.semantics.registry import semantics


@semantics(CubaLI)
def _float_li(node: CubaLI, a: np.ndarray, record_state: bool):
    """A CubaLIF whose threshold is infinite: no spike, no reset."""
    lif = CubaLIF(
        shape=node.shape,
        threshold=np.inf,
        current_decay=node.current_decay,
        voltage_decay=node.voltage_decay,
        bias=node.bias,
    )
    return float_lif(lif, a, record_state)


@semantics(FixedCubaLI)
def _fixed_li(node: FixedCubaLI, a: np.ndarray, record_state: bool):
    """Lava's LIF with threshold :data:`NON_SPIKING_VTH`, as the Lava backend runs it.

    A spike here means ``v`` climbed above ``NON_SPIKING_VTH << 6``, outside what a
    FixedCubaLI may hold; the emulator refuses such a run (Lava's LIF would reset ``v``).
    """
    lif = FixedCubaLIF(
        shape=node.shape,
        du=node.du,
        dv=node.dv,
        vth=NON_SPIKING_VTH,
        bias_mant=node.bias_mant,
        bias_exp=node.bias_exp,
    )
    return fixed_lif(lif, a, record_state)
