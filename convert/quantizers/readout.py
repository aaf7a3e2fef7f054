"""Quantiser of the float non-spiking readout: always a multiplier leak (a Lava ``LIF``)."""

from __future__ import annotations

from pumice.convert.ir import CubaLI, FixedCubaLI
from pumice.convert.quantizers.lif import fixed_bias, fixed_decays, layer_decay
from pumice.convert.quantizers.registry import QuantizeContext, quantizer


@quantizer(CubaLI)
def _li(name: str, node: CubaLI, context: QuantizeContext) -> FixedCubaLI:
    du, dv = fixed_decays(node)
    return FixedCubaLI(
        shape=tuple(node.shape),
        du=layer_decay(name, "current decay", du),
        dv=layer_decay(name, "voltage decay", dv),
        **fixed_bias(name, node, context),
    )
