"""Export an IR graph as a lava-dl netx ``.net`` file (HDF5) that netx loads and runs.

A netx network is a chain of layers, each a synapse and a CUBA LIF neuron: the graph
must be ``Input [LIF] ([Flatten] synapse LIF)...`` with ``FixedDense``/``FixedConv2d``
synapses; a pool is already a depthwise ``FixedConv2d`` in a fixed graph. Float graphs
are quantised first with :class:`QuantizeToLoihi`. Anything netx would compute
differently (a dense map that is not ``integer weights @ spikes`` within netx's 8 bits,
a negative conv exponent, a bias that is not a multiple of ``2**6``, a bias on the
input neuron) is refused with a :class:`ModelError`.

The graph's metadata (data, T, encoding, lag) and each synapse's own encoding (weight
exponent and bits, sparseness) ride along as HDF5 attributes that netx ignores, so
reading the file back gives the same graph, and ``map`` the same synaptic memory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np

from pumice.atomic import atomic_open
from pumice.convert import lava_arithmetic as la
from pumice.convert.interchange.expressible import refuse_inexpressible
from pumice.convert.interchange.netx_format import (
    METADATA_ATTR,
    SPARSE_ATTR,
    WEIGHT_BITS_ATTR,
    WEIGHT_EXP_ATTR,
    integer_weights,
    netx_dense,
)
from pumice.convert.ir import FixedConv2d, FixedCubaLIF, FixedDense, Flatten, Graph
from pumice.convert.ir.fixed_point import NETX_BIAS_EXP
from pumice.convert.passes.quantize import QuantizeToLoihi
from pumice.errors import ModelError


def _dense(name: str, node: FixedDense) -> dict:
    weight = integer_weights(node)
    try:
        same = weight is not None and np.array_equal(integer_weights(netx_dense(weight)), weight)
    except ValueError:
        same = False
    if not same:
        raise ModelError(
            f"node '{name}': its weights are not integers netx maps back unchanged onto "
            f"8-bit mantissas, so netx would compute a different layer"
        )
    encoding = {
        WEIGHT_EXP_ATTR: int(node.weight_exp),
        WEIGHT_BITS_ATTR: int(node.num_weight_bits),
        SPARSE_ATTR: bool(node.sparse),
    }
    return {
        "type": "dense",
        "shape": np.array(weight.shape[:1]),
        "weight": weight,
        "attrs": encoding,
    }


def _conv(name: str, node: FixedConv2d, out: tuple[int, ...]) -> dict:
    if node.weight_exp < 0:
        raise ModelError(
            f"node '{name}': netx's conv has no weight exponent, so a negative one "
            f"({node.weight_exp}) cannot be written"
        )
    weight = node.weight.astype(np.int64) << node.weight_exp
    return {
        "type": "conv",
        "shape": np.array(out),
        "weight": weight,
        "kernelSize": np.array(weight.shape[2:]),
        "stride": np.array(node.stride),
        "padding": np.array(node.padding),
        "dilation": np.array(node.dilation),
        "groups": int(node.groups),
        "attrs": {WEIGHT_EXP_ATTR: int(node.weight_exp)},
    }


def _neuron(name: str, node: FixedCubaLIF, is_input: bool) -> dict:
    """``neuron/*`` fields and the bias netx turns back into this LIF."""
    shape = tuple(node.shape)
    bias = la.arithmetic_shift(
        np.broadcast_to(np.asarray(node.bias_mant, dtype=np.int64), shape), node.bias_exp
    )
    if np.any(bias % (1 << NETX_BIAS_EXP)):
        raise ModelError(
            f"node '{name}': netx's bias_exp is {NETX_BIAS_EXP}; this bias is not a multiple of 64"
        )
    if is_input and bias.any():
        raise ModelError(f"node '{name}': netx gives its input neuron no bias")
    fields = {
        "neuron/type": "CUBA",
        "neuron/iDecay": int(node.du) + 1,
        "neuron/vDecay": int(node.dv),
        "neuron/vThMant": int(node.vth),
        "neuron/refDelay": 1,
        "neuron/gradedSpike": False,
    }
    bias = bias >> NETX_BIAS_EXP
    if len(shape) == 3 and np.array_equal(bias, np.broadcast_to(bias[:, :1, :1], shape)):
        bias = bias[:, 0, 0]  # per channel
    elif len(shape) == 3:
        bias = bias.transpose(2, 1, 0)  # netx takes per-neuron biases in (W, H, C)
    return {**fields, "bias": bias} if bias.any() else fields


def _layers(graph: Graph) -> list[dict]:
    """One dict of datasets per netx layer, in order."""
    names = list(graph.nodes)
    chain = list(zip(names[:-1], names[1:], strict=True))
    if [tuple(edge) for edge in graph.edges] != chain or graph.output != names[-1]:
        raise ModelError(
            "netx networks are chains: every node must feed the next, the last is the output"
        )
    shapes = graph.shapes()
    nodes = list(graph.nodes.values())
    layers = [{"type": "input", "shape": np.array(shapes[names[0]])}]
    position = 1
    if isinstance(nodes[1], FixedCubaLIF):
        layers[0].update(_neuron(names[1], nodes[1], is_input=True))
        position = 2
    while position < len(nodes):
        name, node = names[position], nodes[position]
        after = nodes[position + 1] if position + 1 < len(nodes) else None
        if isinstance(node, Flatten) and isinstance(after, FixedDense):
            if len(shapes[names[position - 1]]) > 1:
                layers.append({"type": "flatten", "shape": np.array([*shapes[name], 1, 1])})
            position += 1
            continue
        if not isinstance(node, (FixedDense, FixedConv2d)) or not isinstance(after, FixedCubaLIF):
            raise ModelError(
                f"node '{name}' ({type(node).__name__}): a netx layer is a FixedDense or "
                f"FixedConv2d synapse followed by a FixedCubaLIF (a Flatten only before a dense)"
            )
        if isinstance(node, FixedDense):
            if len(shapes[names[position - 1]]) != 1:
                raise ModelError(f"node '{name}': a dense layer needs a Flatten before it")
            layer = _dense(name, node)
        else:
            layer = _conv(name, node, shapes[name])
        layers.append({**layer, **_neuron(names[position + 1], after, is_input=False)})
        position += 2
    return layers


def export_netx(graph: Graph, path: str | os.PathLike) -> Path:
    """Write ``graph`` to ``path`` as a netx ``.net`` file and return the path."""
    refuse_inexpressible(graph, "netx")
    if graph.domain() == "float":
        graph = QuantizeToLoihi().apply(graph).graph
    if graph.domain() != "fixed":
        raise ModelError(f"netx export needs a fixed or float graph, not a {graph.domain()} one")
    layers = _layers(graph)
    with atomic_open(path, "w+b") as handle, h5py.File(handle, "w") as netx:
        netx.attrs[METADATA_ATTR] = json.dumps(graph.metadata)
        group = netx.create_group("layer")
        for index, fields in enumerate(layers):
            layer = group.create_group(str(index))
            layer.create_dataset("type", (1,), "S10", [fields.pop("type").encode("ascii")])
            layer.attrs.update(fields.pop("attrs", {}))
            for key, value in fields.items():
                layer.create_dataset(key, data=value)
    return Path(path)
