"""The IR: a small typed graph with no torch and no Lava in it.

Importing this package registers every node kind (:data:`NODE_KINDS`).
"""

from pumice.convert.ir.graph import IR_VERSION, Graph
from pumice.convert.ir.isi import ISIBinner, ISIConv2d, ISIDense
from pumice.convert.ir.isi_payload import FixedISIPayload, ISIPayload
from pumice.convert.ir.lif import (
    CubaLIF,
    FixedCubaLIF,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    RecurrentCubaLIF,
)
from pumice.convert.ir.node import FORMATS, NODE_KINDS, Node, Traits, kinds_with, register
from pumice.convert.ir.readout import CubaLI, FixedCubaLI
from pumice.convert.ir.run_result import RunResult
from pumice.convert.ir.serialize import load_graph, save_graph
from pumice.convert.ir.structural import Flatten, Input
from pumice.convert.ir.synapses import Conv2d, Dense, FixedConv2d, FixedDense, SumPool2d
from pumice.convert.ir.ttfs import (
    FixedTTFSNeuron,
    FixedTTFSReadout,
    GradedInput,
    TTFSNeuron,
    TTFSReadout,
)
from pumice.convert.ir.validate import validate_graph

__all__ = [
    "FORMATS",
    "IR_VERSION",
    "NODE_KINDS",
    "Conv2d",
    "CubaLI",
    "CubaLIF",
    "Dense",
    "FixedConv2d",
    "FixedCubaLI",
    "FixedCubaLIF",
    "FixedDense",
    "FixedISIPayload",
    "FixedRecurrentCubaLIF",
    "FixedRecurrentShiftLIF",
    "FixedShiftLIF",
    "FixedTTFSNeuron",
    "FixedTTFSReadout",
    "Flatten",
    "GradedInput",
    "Graph",
    "ISIBinner",
    "ISIConv2d",
    "ISIDense",
    "ISIPayload",
    "Input",
    "Node",
    "RecurrentCubaLIF",
    "RunResult",
    "SumPool2d",
    "TTFSNeuron",
    "TTFSReadout",
    "Traits",
    "kinds_with",
    "load_graph",
    "register",
    "save_graph",
    "validate_graph",
]
