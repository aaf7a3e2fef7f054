"""Lava builders of the structural kinds: the input is the spike source, Flatten a port view."""

from __future__ import annotations

from pumice.convert.ir import Flatten, Input
from pumice.deploy.builders.layout import flatten_order
from pumice.deploy.builders.registry import BuildContext, Built, lava_builder


@lava_builder(Input)
def _input(context: BuildContext, name: str, node: Input) -> Built:
    return Built(process=None, in_port=None, out_port=context.source.s_out)


@lava_builder(Flatten)
def _flatten(context: BuildContext, name: str, node: Flatten) -> Built:
    shape = context.input_shape(name)
    port = context.built[context.fed_by(name)].out_port
    if len(shape) == 1:
        return Built(None, None, port, order=context.input_order(name))
    order = flatten_order(shape) if len(shape) == 3 else None
    return Built(None, None, port.flatten(), order=order)
