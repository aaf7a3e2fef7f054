"""Quantiser of the float payload router: gains in [0, 1] -> unsigned integer payloads."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import FixedISIPayload, ISIPayload
from pumice.convert.quantizers.registry import QuantizeContext, quantizer


def payload_levels(gains: np.ndarray, bits: int) -> np.ndarray:
    """``round(gain * 2**bits)``, clipped to the ``bits``-bit range (a gain of 1 loses one
    level); the synapse fed scales by ``2**-bits`` (:data:`QuantizeContext.input_shift`)."""
    top = (1 << bits) - 1
    return np.clip(np.round(np.asarray(gains, np.float64) * (1 << bits)), 0, top).astype(np.int64)


@quantizer(ISIPayload)
def _payload(name: str, node: ISIPayload, context: QuantizeContext) -> FixedISIPayload:
    table = payload_levels(node.table, node.num_message_bits)
    return FixedISIPayload(table, node.lines, node.num_message_bits)
