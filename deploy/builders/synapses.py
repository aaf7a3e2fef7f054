"""Lava builders of the fixed-point synapses: ``Dense`` (``Sparse`` when pruned) and ``Conv``."""

from __future__ import annotations

import numpy as np
from lava.proc.conv.process import Conv
from lava.proc.dense.process import Dense
from lava.proc.sparse.process import Sparse
from scipy.sparse import csr_matrix

from pumice.convert.ir import FixedConv2d, FixedDense
from pumice.deploy.builders.registry import BuildContext, Built, lava_builder
from pumice.errors import ModelError


def dense_process(
    node: FixedDense, order: np.ndarray | None = None, num_message_bits: int = 0
) -> Dense | Sparse:
    """Lava ``Dense``, or ``Sparse`` (only the remaining synapses) for a pruned layer;
    ``order`` gives the IR column of each Lava input line; ``num_message_bits > 0`` takes
    graded spikes (weights times payloads)."""
    weight = node.weight.astype(np.int32)
    if order is not None:
        weight = weight[:, order]
    process, weights = (Sparse, csr_matrix(weight)) if node.sparse else (Dense, weight)
    return process(
        weights=weights,
        weight_exp=int(node.weight_exp),
        num_weight_bits=int(node.num_weight_bits),
        num_message_bits=num_message_bits,
    )


def synapse_buffer(process: Dense | Sparse | Conv):
    """The Var of a synapse's one-step output buffer."""
    return process.a_buff if hasattr(process, "a_buff") else process.a_buf


@lava_builder(FixedDense)
def _dense(context: BuildContext, name: str, node: FixedDense) -> Built:
    process = dense_process(node, context.input_order(name), context.message_bits(name))
    return Built(process, process.s_in, process.a_out, state=(synapse_buffer(process),))


@lava_builder(FixedConv2d)
def _conv(context: BuildContext, name: str, node: FixedConv2d) -> Built:
    if node.weight_exp < 0:
        raise ModelError(
            f"layer '{name}': Lava's Conv ignores weight_exp, so a negative exponent "
            f"({node.weight_exp}) cannot run on Lava; re-quantise with weight_exp >= 0"
        )
    weight = node.weight.astype(np.int64) << int(node.weight_exp)
    # Lava convolves (flips the kernel) in (out, x, y, in) layout; the IR correlates.
    lava_weight = weight.transpose(0, 3, 2, 1)[:, ::-1, ::-1].astype(np.int32)
    process = Conv(
        weight=np.ascontiguousarray(lava_weight),
        input_shape=tuple(context.input_shape(name)[::-1]),
        padding=tuple(node.padding[::-1]),
        stride=tuple(node.stride[::-1]),
        dilation=tuple(node.dilation[::-1]),
        groups=int(node.groups),
        num_message_bits=context.message_bits(name),
    )
    return Built(process, process.s_in, process.a_out, state=(synapse_buffer(process),))
