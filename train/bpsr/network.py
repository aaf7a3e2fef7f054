"""The BPSR network family: heterogeneous (optionally recurrent) LIF layers trained with
spike and weight sparsity regularisers and, optionally, rewiring (the BPSR paper).

Time follows SLAYER's convention, which is also the deployed graph's: input spikes enter
the first synapse undelayed, and each spiking layer's output reaches the next synapse one
step later. Every layer also runs Lava's first step, in which no synaptic input has
arrived yet (see :mod:`pumice.train.bpsr.blocks`), so the exported graph emulated on
:func:`~pumice.convert.ir.windows.pad_for_lag` input and counted over
:func:`~pumice.convert.ir.windows.layer_windows` gives this forward pass's spikes exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from pumice.convert.ir import Graph
from pumice.errors import ConfigError
from pumice.train.bpsr.blocks import ConvBlock, DenseBlock
from pumice.train.bpsr.export import export_bpsr
from pumice.train.bpsr.regularizers import classification_loss, spike_l2, weight_l1
from pumice.train.bpsr.rewiring import Rewiring
from pumice.train.config import (
    ConvLayer,
    DenseLayer,
    FlattenLayer,
    LayerConfig,
    NetworkConfig,
    TrainConfig,
)
from pumice.train.errors import check_input_spikes
from pumice.train.layer_shapes import Shape, conv_output_shape, flatten_output_shape, layer_where
from pumice.train.sections.bpsr import BpsrConfig


def _block(
    index: int, layer: LayerConfig, shape: Shape, settings: BpsrConfig
) -> tuple[torch.nn.Module | None, Shape]:
    """The block of config layer #``index`` on input ``shape`` (None for a flatten layer)
    and its output shape."""
    where = layer_where(index, layer)
    if isinstance(layer, FlattenLayer):
        return None, flatten_output_shape(shape, where)
    if isinstance(layer, DenseLayer):
        block = DenseBlock(math.prod(shape), layer.features, layer.recurrent, settings)
        return block, (layer.features,)
    if not isinstance(layer, ConvLayer):
        raise ConfigError(
            f"{where}: the BPSR family has dense, conv and flatten layers only; use a strided "
            "conv instead of pooling"
        )
    out = conv_output_shape(layer, shape, where)
    block = ConvBlock(shape[0], layer.features, layer.kernel, layer.stride, layer.padding, settings)
    return block, out


class BpsrNetwork(torch.nn.Module):
    """BPSR spiking network: spikes (batch, *input_shape, T) in, class spikes out."""

    def __init__(
        self,
        network: NetworkConfig,
        settings: BpsrConfig,
        input_shape: Sequence[int],
        steps: int,
    ) -> None:
        super().__init__()
        #: Shape of one input sample without batch and time axes.
        self.input_shape: Shape = tuple(int(n) for n in input_shape)
        #: Number of time steps T the network was built for.
        self.steps = steps
        self.settings = settings
        blocks: list[torch.nn.Module] = []
        names: list[str] = []
        shape = self.input_shape
        sizes = [math.prod(shape)]  # neurons of the input and of each block
        for index, layer in enumerate(network.layers, start=1):
            block, shape = _block(index, layer, shape, settings)
            if block is None:  # a flatten layer: dense blocks flatten their input
                continue
            kind = "dense" if isinstance(block, DenseBlock) else "conv"
            names.append(f"{kind}{sum(n.startswith(kind) for n in names) + 1}")
            blocks.append(block)
            sizes.append(math.prod(shape))
        self.blocks = torch.nn.ModuleList(blocks)
        self._names = names
        #: Shape of one output sample without batch and time axes: (classes,).
        self.output_shape: Shape = shape
        #: Rewiring of each dense block's matrices, keyed ``<layer>_<weight name>``.
        rewiring = self._build_rewiring(sizes) if settings.rewiring else {}
        self.rewiring = torch.nn.ModuleDict(rewiring)
        self._hidden_counts: list[torch.Tensor] | None = None

    def _build_rewiring(self, sizes: list[int]) -> dict[str, Rewiring]:
        """One :class:`Rewiring` per dense and recurrent matrix; ``sizes`` are the neuron
        counts of the input and of each block, whose coordinates are drawn in that order."""
        generator = torch.Generator().manual_seed(self.settings.coordinate_seed)
        coordinates = [torch.rand(size, 3, generator=generator) for size in sizes]
        bound = self.settings.threshold
        found = {}
        for index, (name, block) in enumerate(zip(self._names, self.blocks, strict=True)):
            if not isinstance(block, DenseBlock):
                continue
            pre, post = coordinates[index], coordinates[index + 1]
            found[f"{name}_weight"] = Rewiring(pre, post, self.settings, bound)
            if block.recurrent_weight is not None:
                found[f"{name}_recurrent_weight"] = Rewiring(post, post, self.settings, bound)
        return found

    @classmethod
    def from_config(cls, config: TrainConfig, input_shape: Sequence[int]) -> BpsrNetwork:
        """The network of a BPSR-family config."""
        return cls(config.network, config.bpsr, input_shape, config.data.steps)

    @property
    def num_classes(self) -> int:
        """Number of output neurons, one per class."""
        return self.output_shape[0]

    def block_names(self) -> list[str]:
        """Names of all spiking layers in order, e.g. ["conv1", "dense1", "dense2"]."""
        return list(self._names)

    def layer_names(self) -> list[str]:
        """Names of the hidden spiking layers in order."""
        return self._names[:-1]

    def rewiring_of(self, layer: str, weight: str) -> Rewiring | None:
        """The rewiring of ``layer``'s ``weight`` ("weight" or "recurrent_weight"), or None."""
        key = f"{layer}_{weight}"
        return self.rewiring[key] if key in self.rewiring else None

    def forward(self, spikes: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run input spikes (batch, *input_shape, T).

        Returns the output layer's spikes (batch, classes, T) and, per hidden layer, each
        sample's spikes per neuron over the window (batch,). The hidden layers' spike
        counts (batch, *neurons), with their graph, are kept for :meth:`loss`.
        """
        check_input_spikes(spikes, self.input_shape)
        hidden: list[torch.Tensor] = []
        x = spikes
        for block in self.blocks:
            trains = block(x)
            emitted = trains[..., 1:]
            hidden.append(emitted.sum(-1))
            x = trains[..., :-1]
        self._hidden_counts = hidden[:-1]
        counts = [c.detach().flatten(1).sum(1) / math.prod(c.shape[1:]) for c in hidden[:-1]]
        return emitted, counts

    def synapse_weights(self) -> list[torch.nn.Parameter]:
        """Every synapse weight (dense, recurrent, conv)."""
        return [w for block in self.blocks for w in block.synapse_weights().values()]

    def loss(self, output: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """Classification, spike L2 and weight L1 terms and their sum, over the batch.

        Reads the hidden spike counts of the last :meth:`forward`.
        """
        if self._hidden_counts is None:
            raise RuntimeError("loss() reads the spike counts of forward(): run forward first")
        settings = self.settings
        classification = classification_loss(output, labels, settings.readout_scale)
        spikes = settings.lambda_spike * spike_l2(self._hidden_counts)
        weights = settings.lambda_weight * len(output) * weight_l1(self.synapse_weights())
        return {
            "loss": classification + spikes + weights,
            "classification": classification,
            "spike_l2": spikes,
            "weight_l1": weights,
        }

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """Class of each sample: the output neuron with most spikes (ties -> lowest index)."""
        return output.sum(-1).argmax(-1)

    @torch.no_grad()
    def after_step(self) -> None:
        """Clamp weights and biases to [-threshold, threshold] and tau to [0, 1]; rewire."""
        bound = self.settings.threshold
        for block in self.blocks:
            for weight in block.synapse_weights().values():
                weight.clamp_(-bound, bound)
            block.neuron.clamp_()
        for name, block in zip(self._names, self.blocks, strict=True):
            for key, weight in block.synapse_weights().items():
                rewiring = self.rewiring_of(name, key)
                if rewiring is not None:
                    rewiring.step(weight, weight.grad)

    def sparsity(self) -> dict[str, float]:
        """Fraction of absent synapses per rewired matrix, named like the IR's synapse sets
        (``dense1_synapse``, ``dense1.recurrent``)."""
        names = {"weight": "{}_synapse", "recurrent_weight": "{}.recurrent"}
        found = {}
        for name in self._names:
            for key, pattern in names.items():
                rewiring = self.rewiring_of(name, key)
                if rewiring is not None:
                    found[pattern.format(name)] = rewiring.sparsity
        return found

    def export_ir(self, metadata: dict | None = None) -> Graph:
        """The network as a float IR graph."""
        return export_bpsr(self, metadata)
