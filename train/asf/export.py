"""Export an ASF network to the float IR: the graph Lava runs is the one it trained.

Node names follow the other exporters: ``conv1_synapse`` then ``conv1``, ``flatten1``.
Conv and dense synapses become ``Conv2d``/``Dense``, average pooling a ``SumPool2d`` of
weight 1/k^2 (quantised to a depthwise ``FixedConv2d``); hidden neurons
``CubaLIF(current_decay=1)`` with the trained threshold and voltage decay, no bias; the
output layer ``CubaLI(current_decay=1, voltage_decay=0)``, whose ``v`` at the window's
last step is V^N(T). The model records the lag of pumice's trained networks: Lava
runs it one step behind the training's forward pass (:mod:`pumice.convert.ir.windows`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import torch

from pumice.convert.ir import Conv2d, CubaLI, CubaLIF, Dense, Flatten, Graph, Input, Node, SumPool2d
from pumice.convert.ir.windows import trained_metadata
from pumice.train.asf.plan import AsfLayer
from pumice.train.ir_arrays import ir_array


class ExportableAsf(Protocol):
    """What the exporter reads of an :class:`~pumice.train.asf.network.AsfNetwork`."""

    input_shape: tuple[int, ...]
    plan: Sequence[AsfLayer]
    weights: Mapping[str, torch.Tensor]

    def threshold_of(self, layer: AsfLayer) -> float: ...

    def voltage_decay_of(self, layer: AsfLayer) -> float: ...


def _synapse(network: ExportableAsf, layer: AsfLayer) -> Node:
    if layer.kind == "conv":
        padding = (layer.padding, layer.padding)
        weight = ir_array(network.weights[layer.name])
        return Conv2d(weight, stride=(layer.stride,) * 2, padding=padding)
    if layer.kind == "pool":
        kernel = (layer.kernel,) * 2
        return SumPool2d(kernel, (layer.stride,) * 2, weight=1.0 / layer.kernel**2)
    return Dense(ir_array(network.weights[layer.name]))


def export_asf(network: ExportableAsf, metadata: dict | None = None) -> Graph:
    """Float IR graph of an :class:`~pumice.train.asf.network.AsfNetwork`."""
    named: list[tuple[str, Node]] = [("input", Input(network.input_shape))]
    output = network.plan[-1]
    for layer in network.plan:
        if layer.kind == "flatten":
            named.append((layer.name, Flatten()))
            continue
        named.append((f"{layer.name}_synapse", _synapse(network, layer)))
        if layer is output:
            neuron = CubaLI(
                shape=layer.out_shape, current_decay=1.0, voltage_decay=0.0, bias=np.zeros(1)
            )
        else:
            neuron = CubaLIF(
                shape=layer.out_shape,
                threshold=network.threshold_of(layer),
                current_decay=1.0,
                voltage_decay=network.voltage_decay_of(layer),
                bias=np.zeros(1),
            )
        named.append((layer.name, neuron))
    return Graph.chain(named, trained_metadata(metadata))
