"""Kernels of the structural kinds: the input becomes trains, Flatten renames the shape."""

from __future__ import annotations

import dataclasses

from pumice.convert.ir import Flatten, Input
from pumice.convert.kernels.registry import kernel
from pumice.convert.kernels.trains import Trains


@kernel(Input)
def _input(node: Input, x: Trains) -> Trains:
    return x


@kernel(Flatten)
def _flatten(node: Flatten, x: Trains) -> Trains:
    return dataclasses.replace(x, shape=node.output_shape(x.shape))
