"""Export a trained SLAYER network to the float IR, one exporter per block type."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from lava.lib.dl import slayer
from lava.lib.dl.slayer.utils import quantize

from pumice.convert.ir import Conv2d, CubaLIF, Dense, Flatten, Graph, Input, Node, SumPool2d
from pumice.convert.ir.fixed_point import DECAY_ONE
from pumice.convert.ir.windows import trained_metadata
from pumice.errors import ModelError
from pumice.train.ir_arrays import ir_array


def _synapse_weight(synapse: torch.nn.Module) -> np.ndarray:
    """The weight SLAYER's forward pass uses (its pre-hook, e.g. 8-bit quantisation, applied)."""
    weight = synapse.weight
    if getattr(synapse, "_pre_hook_fx", None) is not None:
        weight = synapse._pre_hook_fx(weight)
    return ir_array(weight)


def _pair(value) -> tuple[int, int]:
    values = tuple(int(v) for v in np.atleast_1d(value))
    return values[:2] if len(values) >= 2 else (values[0], values[0])


def _neuron(block: torch.nn.Module, shape: tuple[int, ...]) -> CubaLIF:
    neuron = block.neuron
    if getattr(neuron, "shared_param", True) is not True:
        raise ModelError("per-neuron decays are not exported yet: train with shared_param=True")
    return CubaLIF(
        shape=shape,
        threshold=float(neuron.threshold),
        current_decay=float(quantize(neuron.current_decay).item()) / DECAY_ONE,
        voltage_decay=float(quantize(neuron.voltage_decay).item()) / DECAY_ONE,
        bias=np.zeros(1),
    )


def _dense(block, shape):
    weight = _synapse_weight(block.synapse)
    mask = getattr(block, "mask", None)
    if mask is not None:  # a connectivity mask (e.g. from rewiring): absent synapses
        weight = weight * mask.detach().cpu().numpy().reshape(weight.shape)
    synapse = Dense(weight.reshape(weight.shape[0], -1), sparse=mask is not None)
    out = synapse.output_shape(shape)
    return [("dense", synapse), ("neuron", _neuron(block, out))], out


def _conv(block, shape):
    syn = block.synapse
    weight = _synapse_weight(syn)[..., 0]
    synapse = Conv2d(
        weight,
        stride=_pair(syn.stride),
        padding=_pair(syn.padding),
        dilation=_pair(syn.dilation),
        groups=int(syn.groups),
    )
    out = synapse.output_shape(shape)
    return [("conv", synapse), ("neuron", _neuron(block, out))], out


def _pool(block, shape):
    syn = block.synapse
    weights = np.unique(_synapse_weight(syn))
    if len(weights) != 1:
        raise ModelError("a SLAYER pool synapse must share one weight across its kernel")
    synapse = SumPool2d(
        kernel=_pair(syn.kernel_size),
        stride=_pair(syn.stride),
        padding=_pair(syn.padding),
        weight=float(weights[0]),
    )
    out = synapse.output_shape(shape)
    return [("pool", synapse), ("neuron", _neuron(block, out))], out


def _flatten(block, shape):
    node = Flatten()
    return [("flatten", node)], node.output_shape(shape)


#: SLAYER block type -> exporter(block, input shape) -> ([(kind, node)], output shape); a
#: block's neuron node is named like the hidden layers in training logs ("dense1"), its
#: synapse gets a "_synapse" suffix.
EXPORTERS: dict[type, Callable] = {
    slayer.block.cuba.Dense: _dense,
    slayer.block.cuba.Conv: _conv,
    slayer.block.cuba.Pool: _pool,
    slayer.block.cuba.Flatten: _flatten,
}


def export_network(network: torch.nn.Module, metadata: dict | None = None) -> Graph:
    """Float IR graph of a network whose ``blocks`` are SLAYER CUBA blocks in order."""
    shape = tuple(int(n) for n in network.input_shape)
    named: list[tuple[str, Node]] = [("input", Input(shape))]
    counters: dict[str, int] = {}
    for block in network.blocks:
        exporter = EXPORTERS.get(type(block))
        if exporter is None:
            raise ModelError(
                f"cannot export SLAYER block {type(block).__name__}: supported blocks are "
                f"{', '.join(t.__name__ for t in EXPORTERS)}"
            )
        nodes, shape = exporter(block, shape)
        kind = nodes[0][0]
        counters[kind] = counters.get(kind, 0) + 1
        layer = f"{kind}{counters[kind]}"
        if len(nodes) == 1:
            named.append((layer, nodes[0][1]))
        else:
            named += [(f"{layer}_synapse", nodes[0][1]), (layer, nodes[1][1])]
    return Graph.chain(named, trained_metadata(metadata))
