"""Export an IMSNN-family network to the float IR, one exporter per synapse module type.

Node names follow the SLAYER exporter: ``dense1_synapse`` then ``dense1``, ``flatten1``.
Hidden neurons become ``CubaLIF(current_decay=1, voltage_decay=1 - decay)`` (the current
is the synaptic input of the same step), the output layer ``CubaLI`` with
``voltage_decay = 1 - output_decay``; thresholds as trained, no bias.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from pumice.convert.ir import (
    Conv2d,
    CubaLI,
    CubaLIF,
    Dense,
    Flatten,
    Graph,
    Input,
    ISIConv2d,
    ISIDense,
    Node,
)
from pumice.convert.ir.windows import trained_metadata
from pumice.train.imsnn.conv import IsiConv2d
from pumice.train.imsnn.dense import IsiDense
from pumice.train.imsnn.plain import PlainConv2d, PlainDense
from pumice.train.ir_arrays import ir_array

#: Synapse module type -> its IR node.
EXPORTERS: dict[type, Callable[[torch.nn.Module], Node]] = {
    IsiDense: lambda m: ISIDense(ir_array(m.height), ir_array(m.mean), ir_array(m.width)),
    IsiConv2d: lambda m: ISIConv2d(
        ir_array(m.height), ir_array(m.mean), ir_array(m.width), m.stride, m.padding
    ),
    PlainDense: lambda m: Dense(ir_array(m.weight)),
    PlainConv2d: lambda m: Conv2d(ir_array(m.weight), stride=m.stride, padding=m.padding),
}


def export_imsnn(network: torch.nn.Module, metadata: dict | None = None) -> Graph:
    """Float IR graph of an :class:`~pumice.train.imsnn.network.ImsnnNetwork`."""
    config = network.imsnn
    named: list[tuple[str, Node]] = [("input", Input(network.input_shape))]
    output = network.plan[-1]
    for layer in network.plan:
        if layer.synapse is None:
            named.append((layer.name, Flatten()))
            continue
        synapse = network.synapses[layer.synapse]
        named.append((f"{layer.name}_synapse", EXPORTERS[type(synapse)](synapse)))
        if layer is output:
            neuron = CubaLI(
                shape=layer.out_shape,
                current_decay=1.0,
                voltage_decay=1.0 - config.output_decay,
                bias=np.zeros(1),
            )
        else:
            neuron = CubaLIF(
                shape=layer.out_shape,
                threshold=config.threshold,
                current_decay=1.0,
                voltage_decay=1.0 - config.decay,
                bias=np.zeros(1),
            )
        named.append((layer.name, neuron))
    return Graph.chain(named, trained_metadata(metadata))
