"""The TTFS network family: a surrogate DNN standing for a time-to-first-spike SNN.

Park et al., "Training Energy-Efficient Deep Spiking Neural Networks with
Time-to-First-Spike Coding": the network is trained as a DNN whose activations pass
through each layer's TTFS encoder/decoder (no time loop, so an epoch costs what a DNN's
does), with the paper's three methods as switches of ``[ttfs]``: stochastic relaxation
(SR), initial-value kernel regularisation (TR) and temporal-kernel-aware batch norm
(TB). :meth:`TtfsNetwork.export_ir` writes the SNN it stands for
(:mod:`pumice.train.ttfs.export`), which fires the surrogate's spike times.

Input: each intensity once, as an 8-bit graded spike at step 0 (``[data] encoding =
"intensity"``); the input layer encodes it as a spike time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from pumice.convert.ir import Graph
from pumice.errors import ConfigError, ModelError
from pumice.train.config import (
    ConvLayer,
    DenseLayer,
    FlattenLayer,
    LayerConfig,
    PoolLayer,
    TrainConfig,
)
from pumice.train.errors import check_input_spikes
from pumice.train.layer_shapes import (
    Shape,
    conv_output_shape,
    flatten_output_shape,
    layer_where,
    pool_output_shape,
    pool_stride,
)
from pumice.train.sections.ttfs import TtfsConfig
from pumice.train.ttfs.blocks import InputEncoder, TtfsLayer, conv_layer, dense_layer
from pumice.train.ttfs.export import export_ttfs
from pumice.train.ttfs.regularizers import kernel_aware_batch_norm, kernel_regularization

#: Intensities arrive as 8-bit payloads.
INTENSITY_LEVELS = 255


class TtfsInputError(ModelError):
    """Input that is not one intensity frame per sample (e.g. rate-coded spikes)."""


def check_intensity_frames(spikes: torch.Tensor) -> None:
    """Raise :class:`TtfsInputError` unless every value sits at step 0 in [0, 255]."""
    later = spikes[..., 1:]
    if later.numel() and bool((later != 0).any()):
        steps = int((later != 0).flatten(0, -2).any(0).sum()) + 1
        raise TtfsInputError(
            f"a TTFS network takes each input intensity once, at step 0 (encoding "
            f'"intensity"), but this input has values at {steps} steps: rate-coded or '
            "other spike data cannot feed it"
        )
    first = spikes[..., 0]
    if bool(((first < 0) | (first > INTENSITY_LEVELS) | (first != first.round())).any()):
        raise TtfsInputError(
            "a TTFS network takes 8-bit intensities (integers 0..255) at step 0; this input "
            "holds other values"
        )


class TtfsNetwork(torch.nn.Module):
    """The surrogate DNN: intensity frames (batch, *input_shape, T) in, class logits out."""

    def __init__(self, config: TrainConfig, input_shape: Sequence[int]) -> None:
        super().__init__()
        settings: TtfsConfig = config.ttfs
        self.settings = settings
        #: Shape of one input sample without batch and time axes.
        self.input_shape: Shape = tuple(int(n) for n in input_shape)
        #: Time steps of the input frames (only step 0 holds values).
        self.steps = config.data.steps
        self.encoder = InputEncoder(settings)
        self.stages = torch.nn.ModuleList()
        #: Per stage: "ttfs", "pool", "flatten" or "output"; spiking stages are named.
        self.kinds: list[str] = []
        self.names: list[str] = []
        #: Per stage: whether its (dense) input map is flattened first.
        self.flattens: list[bool] = []
        shape = self.input_shape
        layers = config.network.layers
        for index, layer in enumerate(layers, start=1):
            where = layer_where(index, layer)
            self.flattens.append(isinstance(layer, DenseLayer) and len(shape) > 1)
            stage, kind, shape = self._stage(layer, shape, where, index == len(layers))
            self.stages.append(stage)
            self.kinds.append(kind)
            prefix = self._prefix(layer, kind)
            counts = sum(n.startswith(prefix) for n in self.names)
            self.names.append(f"{prefix}{counts + 1}")
        #: Shape of one output sample: (classes,).
        self.output_shape: Shape = shape
        #: Probability that stochastic relaxation replaces a layer's kernel by a ReLU.
        self.relaxation = 0.0
        #: The compiled training forward pass (``[ttfs] compile``), made on first use.
        self._compiled = None

    @staticmethod
    def _prefix(layer: LayerConfig, kind: str) -> str:
        return {"flatten": "flatten", "pool": "pool"}.get(
            kind, "conv" if isinstance(layer, ConvLayer) else "dense"
        )

    def _stage(
        self, layer: LayerConfig, shape: Shape, where: str, last: bool
    ) -> tuple[torch.nn.Module, str, Shape]:
        """The module of config layer ``layer`` on input ``shape``, its kind, its output."""
        settings = self.settings
        if isinstance(layer, FlattenLayer):
            return torch.nn.Flatten(), "flatten", flatten_output_shape(shape, where)
        if isinstance(layer, PoolLayer):
            stride = pool_stride(layer)
            pool = torch.nn.MaxPool2d(layer.kernel, stride)
            return pool, "pool", pool_output_shape(layer, shape, where)
        if isinstance(layer, ConvLayer):
            out = conv_output_shape(layer, shape, where)
            conv = conv_layer(
                shape[0], layer.features, layer.kernel, layer.stride, layer.padding, settings
            )
            return conv, "ttfs", out
        if not isinstance(layer, DenseLayer) or layer.recurrent:
            raise ConfigError(f"{where}: the TTFS family has conv, pool, flatten and dense layers")
        inputs = math.prod(shape)
        if last:
            return torch.nn.Linear(inputs, layer.features), "output", (layer.features,)
        return dense_layer(inputs, layer.features, settings), "ttfs", (layer.features,)

    @classmethod
    def from_config(cls, config: TrainConfig, input_shape: Sequence[int]) -> TtfsNetwork:
        """The network of a TTFS-family config."""
        return cls(config, input_shape)

    @property
    def num_classes(self) -> int:
        """Number of output neurons, one per class."""
        return self.output_shape[0]

    def layer_names(self) -> list[str]:
        """Names of the spiking layers in order: the input encoder, TTFS and pool layers."""
        return ["encode"] + [
            n for n, k in zip(self.names, self.kinds, strict=True) if k in _SPIKING
        ]

    def ttfs_layers(self) -> list[TtfsLayer]:
        """The layers with weights, batch norm and a kernel."""
        return [s for s, k in zip(self.stages, self.kinds, strict=True) if k == "ttfs"]

    def start_epoch(self, epoch: int) -> None:
        """Set SR's relaxation probability for (1-based) ``epoch``: ``max(0, 1 - e / E)``
        with ``e = epoch - 1`` epochs done."""
        settings = self.settings
        if settings.stochastic_relaxation:
            self.relaxation = max(0.0, 1.0 - (epoch - 1) / settings.relaxation_epochs)

    def _relaxed(self) -> bool:
        return self.training and self.relaxation > 0 and bool(torch.rand(()) < self.relaxation)

    def forward(self, spikes: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits (batch, classes) of intensity frames, and per spiking layer each
        sample's spikes per neuron (the fraction of its neurons whose value is not
        pruned)."""
        check_input_spikes(spikes, self.input_shape)
        check_intensity_frames(spikes)
        if self.training and self.settings.compile:
            if self._compiled is None:
                self._compiled = torch.compile(self._forward, dynamic=True)
            return self._compiled(spikes)
        return self._forward(spikes)

    def _forward(self, spikes: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x = self.encoder(spikes[..., 0] / INTENSITY_LEVELS, self._relaxed())
        counts = [_spikes_per_neuron(x)]
        for stage, kind, flatten in zip(self.stages, self.kinds, self.flattens, strict=True):
            x = x.flatten(1) if flatten else x
            x = stage(x, self._relaxed()) if kind == "ttfs" else stage(x)
            if kind in _SPIKING:
                counts.append(_spikes_per_neuron(x))
        return x, counts

    def loss(self, output: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """``CE + lambda_TR L_TR + lambda_TB L_TB``, each part summed over the batch."""
        settings = self.settings
        batch = len(output)
        cross_entropy = torch.nn.functional.cross_entropy(output, labels, reduction="sum")
        parts = {"cross_entropy": cross_entropy}
        if settings.lambda_tr > 0:
            kernels = [self.encoder.kernel] + [layer.kernel for layer in self.ttfs_layers()]
            parts["kernel_tr"] = settings.lambda_tr * batch * kernel_regularization(kernels)
        if settings.lambda_tb > 0:
            pairs = [(layer.norm, layer.kernel) for layer in self.ttfs_layers()]
            parts["kernel_bn_tb"] = settings.lambda_tb * batch * kernel_aware_batch_norm(pairs)
        return {"loss": sum(parts.values()), **parts}

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """Class of each sample: the largest logit (the output potential)."""
        return output.argmax(-1)

    @torch.no_grad()
    def after_step(self) -> None:
        """Keep every kernel's ``tau`` at or above ``tau_min``."""
        for kernel in [self.encoder.kernel] + [layer.kernel for layer in self.ttfs_layers()]:
            kernel.tau.clamp_(min=self.settings.tau_min)

    def export_ir(self, metadata: dict | None = None) -> Graph:
        """The SNN the surrogate stands for, as a float IR graph."""
        return export_ttfs(self, metadata)


#: Stages whose neurons spike in the deployed network.
_SPIKING = ("ttfs", "pool")


def _spikes_per_neuron(x: torch.Tensor) -> torch.Tensor:
    return (x.detach() > 0).flatten(1).float().mean(1)
