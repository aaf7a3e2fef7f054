"""The layers of an ASF network, in order, with shapes, names and their input checks.

Built from ``[[network.layers]]``: conv, average pooling (``pool``), flatten and dense;
a dense layer after a multi-dimensional one gets a flatten of its own, as in the other
families. Every conv, pool and dense layer is a synapse with a layer of neurons behind it;
the last dense layer is the non-spiking output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pumice.errors import ConfigError
from pumice.train.config import ConvLayer, DenseLayer, LayerConfig, PoolLayer
from pumice.train.layer_shapes import (
    Shape,
    conv_output_shape,
    flatten_output_shape,
    layer_where,
    pool_output_shape,
    pool_stride,
)

Kind = Literal["conv", "pool", "dense", "flatten"]


@dataclass(frozen=True)
class AsfLayer:
    """One layer of the forward pass: a flatten, or a synapse and its neurons."""

    #: "conv", "pool" (average pooling), "dense" or "flatten".
    kind: Kind
    #: Name in the IR and the training log, e.g. "conv1"; its synapse is "conv1_synapse".
    name: str
    #: Per-sample shapes without batch and time axes.
    in_shape: Shape
    out_shape: Shape
    #: The configured layer (None for an inserted flatten).
    config: LayerConfig | None = None

    @property
    def kernel(self) -> int:
        """Square kernel (conv) or window (pool)."""
        return self.config.kernel

    @property
    def stride(self) -> int:
        """Stride of a conv or pool layer."""
        if self.kind == "pool":
            return pool_stride(self.config)
        return self.config.stride

    @property
    def padding(self) -> int:
        """Zero padding of a conv layer (pooling has none)."""
        return self.config.padding if self.kind == "conv" else 0

    @property
    def has_weights(self) -> bool:
        """Conv and dense layers learn weights; pooling and flatten have none."""
        return self.kind in ("conv", "dense")

    def weight_shape(self) -> Shape:
        """(out, in, k, k) for a conv layer, (out, in) for a dense one."""
        if self.kind == "conv":
            return (self.out_shape[0], self.in_shape[0], self.kernel, self.kernel)
        return (self.out_shape[0], math.prod(self.in_shape))

    def fan_in(self) -> int:
        """Inputs per neuron of a conv or dense layer."""
        return math.prod(self.weight_shape()[1:])


def _check_pool_tiles(layer: PoolLayer, shape: Shape, where: str) -> None:
    """Average pooling must cover its map exactly: no row or column left over."""
    stride = pool_stride(layer)
    for size, axis in zip(shape[1:], ("height", "width"), strict=True):
        if (size - layer.kernel) % stride:
            raise ConfigError(
                f"{where}: window {layer.kernel} (stride {stride}) does not divide its "
                f"{shape[1]}x{shape[2]} input: the last {(size - layer.kernel) % stride} "
                f"{'rows' if axis == 'height' else 'columns'} would be dropped; change the "
                "window, or the conv padding before it"
            )


def plan_layers(layers: Sequence[LayerConfig], input_shape: Shape) -> list[AsfLayer]:
    """The forward pass of ``layers`` on samples of ``input_shape``."""
    plan: list[AsfLayer] = []
    counters: dict[str, int] = {}
    shape = tuple(input_shape)

    def add(kind: Kind, out: Shape, config: LayerConfig | None) -> None:
        counters[kind] = counters.get(kind, 0) + 1
        plan.append(AsfLayer(kind, f"{kind}{counters[kind]}", shape, out, config))

    for index, layer in enumerate(layers, start=1):
        where = layer_where(index, layer)
        if isinstance(layer, DenseLayer):
            if layer.recurrent:
                raise ConfigError(
                    f"{where}: recurrent = true, but ASF layers are feed-forward (its counts "
                    "have no time); recurrent layers need the BPSR family"
                )
            if len(shape) > 1:
                add("flatten", (math.prod(shape),), None)
                shape = plan[-1].out_shape
            add("dense", (layer.features,), layer)
        elif isinstance(layer, ConvLayer):
            add("conv", conv_output_shape(layer, shape, where), layer)
        elif isinstance(layer, PoolLayer):
            out = pool_output_shape(layer, shape, where)
            _check_pool_tiles(layer, shape, where)
            add("pool", out, layer)
        else:  # a FlattenLayer, the last of the configured layer types
            add("flatten", flatten_output_shape(shape, where), layer)
        shape = plan[-1].out_shape
    return plan
