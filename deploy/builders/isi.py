"""Lava builders of the ISI routers: pumice's ``IntervalBinner`` and ``IsiPayload``."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import FixedISIPayload, ISIBinner
from pumice.deploy.builders.layout import binned_order
from pumice.deploy.builders.registry import BuildContext, Built, lava_builder
from pumice.deploy.processes.isi_binner.process import IntervalBinner
from pumice.deploy.processes.isi_payload.process import IsiPayload


@lava_builder(ISIBinner)
def _binner(context: BuildContext, name: str, node: ISIBinner) -> Built:
    """A binner expands Lava's last axis (channel ``c`` to ``c * K + k``) as the IR expands
    its first, so only a binner over a flattened map needs its lines reordered."""
    resets = context.resets
    process = IntervalBinner(
        shape=context.input_shape(name)[::-1],
        num_bins=int(node.num_bins),
        bin_width=int(node.bin_width),
        reset_interval=0 if resets is None else resets.period,
        reset_step=0 if resets is None else resets.offsets[name],
    )
    order = context.input_order(name)
    if order is not None:
        order = binned_order(order, int(node.num_bins))
    return Built(process, process.a_in, process.s_out, state=(process.age,), order=order)


@lava_builder(FixedISIPayload)
def _payload(context: BuildContext, name: str, node: FixedISIPayload) -> Built:
    """A payload router over Lava's input lines: a flattened map's lines come in Lava's
    order, so the table rows follow them and the output is told the IR line of each."""
    lines = int(node.lines)
    table = node.table.astype(np.int32)
    order = context.input_order(name)
    if order is not None:
        order = binned_order(order, lines)
        table = table[order]
    resets = context.resets
    process = IsiPayload(
        shape=context.input_shape(name),
        lines=lines,
        table=table,
        reset_interval=0 if resets is None else resets.period,
        reset_step=0 if resets is None else resets.offsets[name],
    )
    return Built(process, process.a_in, process.s_out, state=(process.age,), order=order)
