"""The spiking network trained by SLAYER: a list of lava-dl CUBA blocks built from the config.

Every block is a plain ``lava.lib.dl.slayer.block.cuba`` block (``Dense``, ``Conv``,
``Pool``, ``Flatten``) in ``network.blocks``, in order, so that exporters can walk
them. Blocks use SLAYER's defaults: 8-bit weight quantisation in the forward pass
and a one-step axon delay after every spiking block (``delay_shift=True``, Lava's
one-step ``Dense`` buffering).

Input is spikes shaped (batch, *input_shape, T) in SLAYER's N C [H W] T layout. A
dense layer whose input is multi-dimensional (an image, or a conv/pool output) is
preceded by a ``Flatten`` block that the network inserts itself, so ``blocks`` always
describes the whole computation from input spikes to output spikes.

Spikes are read at each block's neuron, before the axon delay: the counts are what the
neurons emitted during the T steps, and the output holds the last layer's spikes of all
T steps (the last layer has no next hop for its delay to model).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from lava.lib.dl import slayer

from pumice.convert.ir import Graph
from pumice.errors import ConfigError
from pumice.train.config import (
    ConvLayer,
    DenseLayer,
    FlattenLayer,
    LayerConfig,
    NetworkConfig,
    NeuronConfig,
    PoolLayer,
    TrainConfig,
)
from pumice.train.errors import check_input_spikes
from pumice.train.export_ir import export_network
from pumice.train.layer_shapes import (
    Shape,
    conv_output_shape,
    flatten_output_shape,
    layer_where,
    pool_output_shape,
    pool_stride,
)

_BlockBuilder = Callable[[LayerConfig, Shape, dict, str], tuple[list[torch.nn.Module], Shape]]

#: Name prefix of each spiking block type, as used by :meth:`SpikingNetwork.layer_names`.
_BLOCK_PREFIX: dict[type, str] = {
    slayer.block.cuba.Dense: "dense",
    slayer.block.cuba.Conv: "conv",
    slayer.block.cuba.Pool: "pool",
}


def neuron_params(neuron: NeuronConfig) -> dict:
    """SLAYER ``cuba.Neuron`` keyword arguments for the shared neuron config."""
    return {
        "threshold": neuron.threshold,
        "current_decay": neuron.current_decay,
        "voltage_decay": neuron.voltage_decay,
        "tau_grad": neuron.tau_grad,
        "scale_grad": neuron.scale_grad,
        "requires_grad": False,
    }


def _dense(layer: DenseLayer, shape: Shape, params: dict, where: str) -> tuple[list, Shape]:
    if layer.recurrent:
        raise ConfigError(
            f"{where}: a dense layer of {layer.features} neurons has recurrent = true: SLAYER "
            "dense layers are feed-forward; recurrent layers need the BPSR family (a [bpsr] "
            "section)"
        )
    blocks: list[torch.nn.Module] = []
    if len(shape) > 1:
        blocks.append(slayer.block.cuba.Flatten())
    blocks.append(
        slayer.block.cuba.Dense(
            params,
            math.prod(shape),
            layer.features,
            weight_norm=False,
            delay=False,
            delay_shift=True,
        )
    )
    return blocks, (layer.features,)


def _conv(layer: ConvLayer, shape: Shape, params: dict, where: str) -> tuple[list, Shape]:
    out = conv_output_shape(layer, shape, where)
    block = slayer.block.cuba.Conv(
        params,
        shape[0],
        layer.features,
        layer.kernel,
        stride=layer.stride,
        padding=layer.padding,
        weight_norm=False,
        delay=False,
        delay_shift=True,
    )
    return [block], out


def _pool(layer: PoolLayer, shape: Shape, params: dict, where: str) -> tuple[list, Shape]:
    out = pool_output_shape(layer, shape, where)
    block = slayer.block.cuba.Pool(
        params,
        layer.kernel,
        stride=pool_stride(layer),
        weight_norm=False,
        delay=False,
        delay_shift=True,
    )
    return [block], out


def _flatten(layer: FlattenLayer, shape: Shape, params: dict, where: str) -> tuple[list, Shape]:
    return [slayer.block.cuba.Flatten()], flatten_output_shape(shape, where)


_BUILDERS: dict[type, _BlockBuilder] = {
    DenseLayer: _dense,
    ConvLayer: _conv,
    PoolLayer: _pool,
    FlattenLayer: _flatten,
}


class SpikingNetwork(torch.nn.Module):
    """CUBA spiking network: spikes (batch, *input_shape, T) in, class spikes out."""

    def __init__(
        self,
        network: NetworkConfig,
        neuron: NeuronConfig,
        input_shape: Sequence[int],
        steps: int,
        true_rate: float = 0.2,
        false_rate: float = 0.03,
    ) -> None:
        super().__init__()
        self._loss = slayer.loss.SpikeRate(
            true_rate=true_rate, false_rate=false_rate, reduction="sum"
        )
        #: Shape of one input sample without batch and time axes, e.g. (1, 8, 8).
        self.input_shape: Shape = tuple(int(n) for n in input_shape)
        #: Number of time steps T the network was built for.
        self.steps = steps
        blocks: list[torch.nn.Module] = []
        shape = self.input_shape
        for index, layer in enumerate(network.layers, start=1):
            where = layer_where(index, layer)
            new_blocks, shape = _BUILDERS[type(layer)](layer, shape, neuron_params(neuron), where)
            blocks += new_blocks
        self.blocks = torch.nn.ModuleList(blocks)
        #: Shape of one output sample without batch and time axes: (classes,).
        self.output_shape: Shape = shape
        self._spiking = [block for block in self.blocks if hasattr(block, "neuron")]
        self._emitted: list[torch.Tensor] | None = None  # a list only inside forward()
        for block in self._spiking:
            block.neuron.register_forward_hook(self._record_spikes)

    @classmethod
    def from_config(cls, config: TrainConfig, input_shape: Sequence[int]) -> SpikingNetwork:
        """The network of a SLAYER-family config."""
        return cls(
            config.network,
            config.neuron,
            input_shape,
            config.data.steps,
            config.train.true_rate,
            config.train.false_rate,
        )

    @property
    def num_classes(self) -> int:
        """Number of output neurons, one per class."""
        return self.output_shape[0]

    def layer_names(self) -> list[str]:
        """Names of the hidden spiking layers in order, e.g. ["conv1", "pool1", "dense1"]."""
        counts: dict[str, int] = {}
        names = []
        for block in self._spiking[:-1]:
            prefix = _BLOCK_PREFIX[type(block)]
            counts[prefix] = counts.get(prefix, 0) + 1
            names.append(f"{prefix}{counts[prefix]}")
        return names

    def _record_spikes(self, module: torch.nn.Module, args: tuple, spikes: torch.Tensor) -> None:
        """Forward hook of each neuron: keep the spikes it emitted, before the axon delay."""
        if self._emitted is not None:
            self._emitted.append(spikes)

    def forward(self, spikes: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run the blocks on input spikes (batch, *input_shape, T).

        Returns the output layer's spikes (batch, classes, T) and, for each hidden
        spiking layer (:meth:`layer_names`), each sample's total spike count over the T
        steps divided by the layer's neuron count, shape (batch,).
        """
        check_input_spikes(spikes, self.input_shape)
        emitted: list[torch.Tensor] = []
        self._emitted = emitted
        try:
            x = spikes
            for block in self.blocks:
                x = block(x)
        finally:
            self._emitted = None
        counts = [
            layer.detach().flatten(1).sum(1) / math.prod(layer.shape[1:-1])
            for layer in emitted[:-1]
        ]
        return emitted[-1], counts

    def loss(self, output: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """SLAYER's spike-rate loss, summed over the batch."""
        return {"loss": self._loss(output, labels)}

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """Class of each sample (see :func:`predict`)."""
        return predict(output)

    def after_step(self) -> None:
        """Nothing to do after an optimiser step."""

    def export_ir(self, metadata: dict | None = None) -> Graph:
        """The network as a float IR graph."""
        return export_network(self, metadata)


def predict(output_spikes: torch.Tensor) -> torch.Tensor:
    """Class of each sample: the output neuron with most spikes (ties -> lowest index)."""
    return output_spikes.sum(-1).argmax(-1)
