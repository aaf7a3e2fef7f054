"""The IMSNN network family: ISI synapses (or plain ones, rule "snn"), LIF, non-spiking output.

Built from ``[[network.layers]]`` (dense, conv, flatten; a dense layer after a
multi-dimensional one gets a flatten of its own, as in the SLAYER family) and ``[imsnn]``.
The last dense layer is the output: its neurons never fire, the logits are their
potential at the last step and the loss is cross-entropy summed over the batch.

Time follows SLAYER's convention, so the exported graph lines up with
:mod:`pumice.convert.ir.windows`: the input enters the first synapse undelayed, and every
hidden layer's spikes reach the next synapse one step later (``delay_shift``). The next
layer's ISIs are those of the delayed spikes, as the IR's synapse sees them.

Initialisation: every height (or plain weight, rule "snn") is drawn from
N(0, height_std^2) first, layer by layer, then the means and widths, so one seed gives
the SNN baseline and the IMSNN the same starting heights.

What a chip can hold is part of ``[imsnn]``: ``tuning`` shares means and widths per
presynaptic neuron (or per group), so the modulation becomes a gain per spike;
``max_isi`` and ``isi_bins`` train with the ISI range and bins a binner deploys;
``input_isi = false`` keeps the first layer plain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from pumice.convert.ir import Graph
from pumice.errors import ConfigError
from pumice.train.config import (
    ConvLayer,
    DenseLayer,
    FlattenLayer,
    LayerConfig,
    NetworkConfig,
    TrainConfig,
)
from pumice.train.errors import check_input_spikes
from pumice.train.imsnn.conv import IsiConv2d
from pumice.train.imsnn.dense import IsiDense
from pumice.train.imsnn.export import export_imsnn
from pumice.train.imsnn.isi_range import IsiRange
from pumice.train.imsnn.neurons import delay_one_step, lif_spikes, output_potential
from pumice.train.imsnn.parameters import draw_heights, draw_uniform
from pumice.train.imsnn.plain import PlainConv2d, PlainDense
from pumice.train.imsnn.shared_dense import SharedTuningDense
from pumice.train.layer_shapes import (
    Shape,
    conv_output_shape,
    flatten_output_shape,
    layer_type,
    layer_where,
)
from pumice.train.sections.imsnn import ImsnnConfig


@dataclass(frozen=True)
class Layer:
    """One step of the forward pass: a flatten, or a synapse with its neurons."""

    #: "flatten", "dense" or "conv".
    kind: str
    #: Node name in the IR and in the logs, e.g. "dense1" ("flatten1" for a flatten).
    name: str
    #: Per-sample shapes without the time axis.
    in_shape: Shape
    out_shape: Shape
    #: Index into :attr:`ImsnnNetwork.synapses`; None for a flatten.
    synapse: int | None = None
    #: The configured layer (None for an inserted flatten).
    config: LayerConfig | None = None


def _plan(layers: Sequence[LayerConfig], input_shape: Shape) -> list[Layer]:
    """The forward pass as a list of :class:`Layer`, with shapes and names."""
    plan: list[Layer] = []
    counters: dict[str, int] = {}
    shape = input_shape

    def add(kind: str, out: Shape, config: LayerConfig | None) -> None:
        counters[kind] = counters.get(kind, 0) + 1
        synapse = None if kind == "flatten" else sum(layer.synapse is not None for layer in plan)
        plan.append(Layer(kind, f"{kind}{counters[kind]}", shape, out, synapse, config))

    for index, layer in enumerate(layers, start=1):
        where = layer_where(index, layer)
        if isinstance(layer, DenseLayer):
            if len(shape) > 1:
                add("flatten", (math.prod(shape),), None)
                shape = plan[-1].out_shape
            add("dense", (layer.features,), layer)
        elif isinstance(layer, ConvLayer):
            add("conv", conv_output_shape(layer, shape, where), layer)
        elif isinstance(layer, FlattenLayer):
            add("flatten", flatten_output_shape(shape, where), layer)
        else:
            raise ConfigError(
                f"{where}: the IMSNN family has no {layer_type(layer)} layer; it builds dense, "
                "conv and flatten layers (the paper's networks; a conv stride > 1 replaces "
                "pooling)"
            )
        shape = plan[-1].out_shape
    return plan


def _tuning_shape(layer: Layer, height: torch.Tensor, imsnn: ImsnnConfig) -> tuple[int, int]:
    """Shape of the means and widths: (out, in) per synapse, (groups, in) when shared."""
    out, inputs = height.shape[:2]
    if imsnn.tuning == "synapse":
        return out, inputs
    if layer.kind == "conv":
        raise ConfigError(
            f"[imsnn] tuning = {imsnn.tuning!r} shares tunings across a dense layer's "
            f"synapses; layer '{layer.name}' is a convolution: use tuning = \"synapse\""
        )
    groups = 1 if imsnn.tuning == "presynaptic" else imsnn.groups
    if out % groups:
        raise ConfigError(
            f"[imsnn] groups = {groups} does not divide layer '{layer.name}''s {out} neurons "
            f"into equal blocks: choose a divisor of {out}"
        )
    return groups, inputs


def _isi_range(layer: Layer, imsnn: ImsnnConfig) -> IsiRange:
    """The cap and bins of ``imsnn`` (convolutions are trained without them)."""
    if not imsnn.max_isi:
        return IsiRange()
    if layer.kind == "conv":
        raise ConfigError(
            f"[imsnn] max_isi caps dense ISI synapses only; layer '{layer.name}' is a "
            f"convolution: leave max_isi = 0"
        )
    return IsiRange(imsnn.max_isi, imsnn.bin_width)


def _synapse(layer: Layer, height: torch.Tensor, imsnn: ImsnnConfig, isi: bool) -> torch.nn.Module:
    """The synapse module of ``layer`` with the given initial heights (or weights);
    ``isi`` False gives a plain synapse."""
    config = layer.config
    conv = layer.kind == "conv"
    if imsnn.rule == "snn" or not isi:
        if conv:
            return PlainConv2d(height, config.stride, config.padding, name=layer.name)
        return PlainDense(height, name=layer.name)
    tuning = _tuning_shape(layer, height, imsnn)
    isi_range = _isi_range(layer, imsnn)
    mean = draw_uniform(tuning, imsnn.mean_min, imsnn.mean_max)
    width = draw_uniform(tuning, imsnn.width_min, imsnn.width_max)
    if conv:
        return IsiConv2d(
            height, mean, width, config.stride, config.padding, imsnn.rule, name=layer.name
        )
    if imsnn.tuning == "synapse":
        return IsiDense(height, mean, width, imsnn.rule, layer.name, isi_range)
    return SharedTuningDense(height, mean, width, imsnn.rule, layer.name, isi_range)


def _height_shape(layer: Layer) -> Shape:
    if layer.kind == "conv":
        kernel = layer.config.kernel
        return (layer.out_shape[0], layer.in_shape[0], kernel, kernel)
    return (layer.out_shape[0], math.prod(layer.in_shape))


class ImsnnNetwork(torch.nn.Module):
    """IMSNN (or its SNN baseline): spikes (batch, *input_shape, T) in, logits out."""

    def __init__(
        self,
        network: NetworkConfig,
        imsnn: ImsnnConfig,
        input_shape: Sequence[int],
        steps: int,
    ) -> None:
        super().__init__()
        #: Shape of one input sample without batch and time axes, e.g. (1, 28, 28).
        self.input_shape: Shape = tuple(int(n) for n in input_shape)
        #: Number of time steps T the network was built for.
        self.steps = steps
        #: The ``[imsnn]`` settings (rule, neurons, init ranges).
        self.imsnn = imsnn
        #: The forward pass, in order.
        self.plan = _plan(network.layers, self.input_shape)
        with_synapse = [layer for layer in self.plan if layer.synapse is not None]
        heights = [draw_heights(_height_shape(layer), imsnn.height_std) for layer in with_synapse]
        self.synapses = torch.nn.ModuleList(
            _synapse(layer, height, imsnn, isi=imsnn.input_isi or index > 0)
            for index, (layer, height) in enumerate(zip(with_synapse, heights, strict=True))
        )
        #: Shape of one output sample: (classes,).
        self.output_shape: Shape = self.plan[-1].out_shape

    @classmethod
    def from_config(cls, config: TrainConfig, input_shape: Sequence[int]) -> ImsnnNetwork:
        """The network of an IMSNN-family config (one with ``[imsnn]``)."""
        if config.imsnn is None:
            raise ConfigError("an IMSNN network needs an [imsnn] section")
        return cls(config.network, config.imsnn, input_shape, config.data.steps)

    @property
    def num_classes(self) -> int:
        """Number of output neurons, one per class."""
        return self.output_shape[0]

    def layer_names(self) -> list[str]:
        """Names of the hidden spiking layers in order, e.g. ["conv1", "conv2", "dense1"]."""
        return [layer.name for layer in self.plan[:-1] if layer.synapse is not None]

    def run(self, spikes: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Logits (batch, classes) and each hidden layer's spikes (batch, T, *shape)."""
        check_input_spikes(spikes, self.input_shape)
        config = self.imsnn
        x = spikes.movedim(-1, 1).to(next(self.parameters()).dtype)
        hidden: dict[str, torch.Tensor] = {}
        for layer in self.plan[:-1]:
            if layer.synapse is None:
                x = x.flatten(2)
                continue
            current = self.synapses[layer.synapse](x)
            fired = lif_spikes(current, config.decay, config.threshold, config.surrogate_beta)
            hidden[layer.name] = fired
            x = delay_one_step(fired)
        current = self.synapses[self.plan[-1].synapse](x)
        return output_potential(current, config.output_decay), hidden

    def forward(self, spikes: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits (batch, classes) and each hidden layer's spikes per neuron (batch,)."""
        logits, hidden = self.run(spikes)
        counts = [
            fired.detach().flatten(1).sum(1) / math.prod(fired.shape[2:])
            for fired in hidden.values()
        ]
        return logits, counts

    def loss(self, output: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """Cross-entropy of the logits, summed over the batch."""
        return {"loss": F.cross_entropy(output, labels, reduction="sum")}

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """Class of each sample: the largest logit (lowest index on ties)."""
        return output.argmax(-1)

    def after_step(self) -> None:
        """Nothing to do after an optimiser step."""

    def export_ir(self, metadata: dict | None = None) -> Graph:
        """The network as a float IR graph (see :mod:`pumice.train.imsnn.export`)."""
        return export_imsnn(self, metadata)
