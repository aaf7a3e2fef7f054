"""Lava builder of the ISI binner: pumice's ``IntervalBinner`` process."""

from __future__ import annotations

from pumice.convert.ir import ISIBinner
from pumice.deploy.builders.layout import binned_order
from pumice.deploy.builders.registry import BuildContext, Built, lava_builder
from pumice.deploy.processes.isi_binner.process import IntervalBinner


@lava_builder(ISIBinner)
def _binner(context: BuildContext, name: str, node: ISIBinner) -> Built:
    """A binner expands Lava's last axis (channel ``c`` to ``c * K + k``) as the IR expands
    its first, so only a binner over a flattened map needs its lines reordered."""
    resets = context.resets
    process = IntervalBinner(
        shape=context.input_shape(name)[::-1],
        num_bins=int(node.num_bins),
        reset_interval=0 if resets is None else resets.period,
        reset_step=0 if resets is None else resets.offsets[name],
    )
    order = context.input_order(name)
    if order is not None:
        order = binned_order(order, int(node.num_bins))
    return Built(process, process.a_in, process.s_out, state=(process.age,), order=order)
