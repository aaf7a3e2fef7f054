"""The IR: a small typed graph with no torch and no Lava in it."""

from pumice.convert.ir.graph import IR_VERSION, Graph
from pumice.convert.ir.nodes import (
    FIXED_KINDS,
    FLOAT_KINDS,
    NO_LEAK,
    NODE_KINDS,
    Conv2d,
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedCubaLIF,
    FixedDense,
    FixedShiftLIF,
    Flatten,
    Input,
    Node,
    SumPool2d,
)
from pumice.convert.ir.serialize import load_graph, save_graph

__all__ = [
    "FIXED_KINDS",
    "FLOAT_KINDS",
    "IR_VERSION",
    "NODE_KINDS",
    "Conv2d",
    "CubaLIF",
    "Dense",
    "FixedConv2d",
    "FixedCubaLIF",
    "FixedDense",
    "FixedShiftLIF",
    "Flatten",
    "Graph",
    "Input",
    "NO_LEAK",
    "Node",
    "SumPool2d",
    "load_graph",
    "save_graph",
]
