"""What lava-dl's netx (0.6) does with the numbers of a ``.net`` file when it builds Lava.

Shared by the importer and the exporter so both read the format the same way.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import FixedDense

#: Layer types pumice reads from and writes to ``.net`` files.
LAYER_TYPES = ("input", "dense", "conv", "pool", "flatten")
#: Neuron types netx builds a Lava ``LIF`` for.
NEURON_TYPES = ("CUBA", "LOIHI")


def netx_dense(weight: np.ndarray) -> FixedDense:
    """The Lava ``Dense`` netx builds for integer ``weight`` (``optimize_weight_bits``).

    Raises :class:`ValueError` where netx fails, would zero the weights or would clip them:
    all weights zero, a single-signed matrix beyond 8 bits, or a mixed-sign one beyond
    [-256, 254] (which netx clips with a warning, computing another layer than the file's).
    """
    weight = np.asarray(weight, dtype=np.int64)
    largest, smallest = int(weight.max()), int(weight.min())
    if smallest < 0 < largest and (largest > 254 or smallest < -256):
        raise ValueError(
            f"weights in [{smallest}, {largest}] do not fit Loihi's 8-bit synapse "
            f"(netx would clip them to [-256, 254])"
        )
    if largest < 0:
        scale, signed = -256 / smallest, 0
    elif smallest >= 0:
        if largest == 0:
            raise ValueError("all weights are zero, which netx cannot load")
        scale, signed = 255 / largest, 0
    else:
        scale, signed = -128 / smallest, 1
        if largest > 0:
            scale = min(scale, 127 / largest)
    shift = int(np.floor(np.log2(scale))) + signed
    if shift < 0:
        raise ValueError(f"weights in [{smallest}, {largest}] do not fit Loihi's 8-bit synapse")
    trailing = 8  # netx: the largest n <= 8 with every weight a multiple of 2**n
    while trailing > 0 and np.any(weight % (1 << trailing)):
        trailing -= 1
    return FixedDense(
        weight << shift, weight_exp=-shift, num_weight_bits=8 - shift - (trailing - signed)
    )
