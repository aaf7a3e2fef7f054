"""Export a trained TTFS surrogate to the float IR: the SNN it stands for.

Each layer becomes a synapse and a :class:`~pumice.convert.ir.TTFSNeuron` whose tables
are its kernel's (payload ``eps(k)``, threshold ``eps(k + 1/2)``), so the SNN's spike
times are the surrogate's; batch norm (running statistics) is folded into the weights and
the bias. The input encoder is a 1x1 depthwise synapse of weight 1/255 on the 8-bit
intensities; a max-pooling layer is a sum pool of weight 1 into relay neurons that fire
at the first spike of their window and send its payload on; the output layer is a
:class:`~pumice.convert.ir.TTFSReadout`.

Timing follows :class:`~pumice.convert.ttfs_schedule.Schedule`: a network of ``L`` TTFS
layers (the encoder included) runs ``L * T_w`` steps, plus one step per synapse (Lava's
delay) and the encoder's single integration step (metadata ``steps``). That schedule is
Lava's own time, synapse delays included, so the model records a lag of 0 steps
(:mod:`pumice.convert.ir.windows`).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from pumice.convert.ir import (
    Conv2d,
    Dense,
    Flatten,
    GradedInput,
    Graph,
    Node,
    SumPool2d,
    TTFSNeuron,
    TTFSReadout,
)
from pumice.convert.ir.windows import LAG_KEY
from pumice.convert.ttfs_schedule import Schedule, kernel_tables, relay_tables
from pumice.train.ir_arrays import ir_array
from pumice.train.ttfs.kernel import TemporalKernel

#: Bits of the intensity payloads entering the network.
INPUT_PAYLOAD_BITS = 8


def fold_batch_norm(weight: torch.Tensor, norm: torch.nn.Module) -> tuple[np.ndarray, np.ndarray]:
    """``(W', b)`` with ``W' x + b == BN(W x)`` for batch norm's running statistics; ``b``
    has one value per output channel, shaped to broadcast over a map."""
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    shape = (-1,) + (1,) * (weight.dim() - 1)
    folded = weight * scale.reshape(shape)
    bias = norm.bias - norm.running_mean * scale
    return ir_array(folded), ir_array(bias).reshape((-1,) + (1,) * (weight.dim() - 2))


def _tables(kernel: TemporalKernel) -> dict:
    return kernel_tables(float(kernel.tau.detach()), float(kernel.t_d.detach()), kernel.window)


def _encoder(shape: tuple[int, ...]) -> Node:
    """Identity synapse scaled by 1/255: the intensity in [0, 1] is the potential."""
    if len(shape) == 3:
        weight = np.full((shape[0], 1, 1, 1), 1.0 / 255)
        return Conv2d(weight, groups=shape[0])
    return Dense(np.eye(math.prod(shape)) / 255, sparse=True)


def export_ttfs(network, metadata: dict | None = None) -> Graph:
    """Float IR graph of a :class:`~pumice.train.ttfs.network.TtfsNetwork` (eval mode).

    Neurons are named like the training log's layers (``encode``, ``conv1``, ``pool1``,
    ``dense1``; the readout is the last dense layer, e.g. ``dense2``), each after its
    ``<name>_synapse``.
    """
    shape = tuple(network.input_shape)
    window = network.settings.window
    schedule = Schedule()
    encoder = network.encoder.kernel
    named: list[tuple[str, Node]] = [
        ("input", GradedInput(shape, payload_bits=INPUT_PAYLOAD_BITS)),
        ("encode_synapse", _encoder(shape)),
        (
            "encode",
            TTFSNeuron(
                shape, **schedule.integrate_then_fire(window), **_tables(encoder), bias=np.zeros(1)
            ),
        ),
    ]
    kernels = {"encode": encoder}
    payload = _tables(encoder)["payload"]
    flattens = 0
    stages = zip(network.stages, network.kinds, network.names, network.flattens, strict=True)
    for stage, kind, name, flatten in stages:
        if flatten or kind == "flatten":
            flattens += 1
            named.append((f"flatten{flattens}", Flatten()))
            shape = (math.prod(shape),)
        if kind == "flatten":
            continue
        if kind == "pool":
            pool = SumPool2d((stage.kernel_size,) * 2, (stage.stride,) * 2, weight=1.0)
            shape = pool.output_shape(shape)
            relay = TTFSNeuron(shape, **schedule.relay(), **relay_tables(payload), bias=np.zeros(1))
            named += [(f"{name}_synapse", pool), (name, relay)]
        elif kind == "ttfs":
            synapse, shape = _weights(stage, shape)
            tables = _tables(stage.kernel)
            timing = schedule.integrate_then_fire(window)
            neuron = TTFSNeuron(shape, **timing, **tables, bias=synapse.pop("bias"))
            named += [(f"{name}_synapse", synapse.pop("node")), (name, neuron)]
            kernels[name] = stage.kernel
            payload = tables["payload"]
        else:
            weight, bias = ir_array(stage.weight), ir_array(stage.bias)
            shape = (weight.shape[0],)
            readout = TTFSReadout(shape, **schedule.readout(), bias=bias)
            named += [(f"{name}_synapse", Dense(weight)), (name, readout)]
    steps = named[-1][1].start + named[-1][1].integration
    metadata = dict(metadata or {})
    metadata["steps"] = steps
    metadata[LAG_KEY] = 0
    metadata["ttfs"] = {
        "window": window,
        "kernels": {
            n: {"tau": float(k.tau.detach()), "t_d": float(k.t_d.detach())}
            for n, k in kernels.items()
        },
    }
    return Graph.chain(named, metadata)


def _weights(layer, shape: tuple[int, ...]) -> tuple[dict, tuple[int, ...]]:
    """The folded synapse node and bias of a TTFS layer, and its output shape."""
    weight, bias = fold_batch_norm(layer.synapse.weight, layer.norm)
    conv = layer.synapse
    if isinstance(conv, torch.nn.Conv2d):
        node = Conv2d(weight, stride=tuple(conv.stride), padding=tuple(conv.padding))
    else:
        node = Dense(weight)
    return {"node": node, "bias": bias}, tuple(node.output_shape(shape))
