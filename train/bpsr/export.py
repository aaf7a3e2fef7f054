"""Export a BPSR network to the float IR.

A block becomes a synapse node (``Dense``, after a ``Flatten`` for a multi-dimensional
input, or ``Conv2d``) and a neuron node: ``CubaLIF``, or ``RecurrentCubaLIF`` for a
recurrent dense block. The heterogeneous LIF is a CUBA LIF with ``current_decay = 1``
(no current state), ``voltage_decay = 1 - tau`` and ``bias = b``, both per neuron.
Rewired matrices export their absent synapses as exact zeros with ``sparse=True``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from pumice.convert.ir import Conv2d, CubaLIF, Dense, Flatten, Graph, Input, Node, RecurrentCubaLIF
from pumice.convert.ir.windows import trained_metadata
from pumice.train.bpsr.blocks import ConvBlock, DenseBlock
from pumice.train.ir_arrays import ir_array


def _weight(weight: torch.Tensor, rewiring) -> tuple[np.ndarray, bool]:
    """The weight with absent synapses exactly 0, and whether it is sparse."""
    if rewiring is None:
        return ir_array(weight), False
    return ir_array(weight) * rewiring.mask.cpu().numpy(), True


def _neuron_fields(block, shape: tuple[int, ...]) -> dict:
    neuron = block.neuron
    tau = np.clip(ir_array(neuron.tau), 0.0, 1.0)
    return {
        "shape": shape,
        "threshold": float(neuron.threshold),
        "current_decay": 1.0,
        "voltage_decay": np.broadcast_to(1.0 - tau, shape).copy(),
        "bias": np.broadcast_to(ir_array(neuron.bias), shape).copy(),
    }


def _dense_nodes(network, name: str, block: DenseBlock, shape: tuple[int, ...]):
    """(synapse, neuron) of a dense block whose input has ``shape`` (already flat)."""
    weight, sparse = _weight(block.weight, network.rewiring_of(name, "weight"))
    synapse = Dense(weight, sparse=sparse)
    fields = _neuron_fields(block, synapse.output_shape(shape))
    if block.recurrent_weight is None:
        return synapse, CubaLIF(**fields)
    rewiring = network.rewiring_of(name, "recurrent_weight")
    recurrent, sparse = _weight(block.recurrent_weight, rewiring)
    return synapse, RecurrentCubaLIF(**fields, recurrent_weight=recurrent, sparse=sparse)


def _conv_nodes(block: ConvBlock, shape: tuple[int, ...]):
    """(synapse, neuron) of a conv block on input ``shape``."""
    padding = (block.padding, block.padding)
    synapse = Conv2d(ir_array(block.weight), stride=(block.stride, block.stride), padding=padding)
    return synapse, CubaLIF(**_neuron_fields(block, synapse.output_shape(shape)))


def export_bpsr(network, metadata: dict | None = None) -> Graph:
    """Float IR graph of a :class:`~pumice.train.bpsr.network.BpsrNetwork`.

    Nodes are named like the training log's layers: ``dense1`` (neuron) after
    ``dense1_synapse``; a ``flattenN`` node precedes a dense block on a feature map.
    """
    shape = tuple(network.input_shape)
    named: list[tuple[str, Node]] = [("input", Input(shape))]
    flattens = 0
    for name, block in zip(network.block_names(), network.blocks, strict=True):
        if isinstance(block, DenseBlock):
            if len(shape) > 1:
                flattens += 1
                named.append((f"flatten{flattens}", Flatten()))
                shape = (math.prod(shape),)
            synapse, neuron = _dense_nodes(network, name, block, shape)
        else:
            synapse, neuron = _conv_nodes(block, shape)
        shape = neuron.shape
        named += [(f"{name}_synapse", synapse), (name, neuron)]
    return Graph.chain(named, trained_metadata(metadata))
