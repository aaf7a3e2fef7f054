"""The ASF network family: an IF/LIF network trained on spike counts (Wu et al.).

Forward: an ordinary simulation over the T steps, without an autograd graph, keeping per
neuron its total input FI = sum_t I(t) and its spike count FO = sum_t s(t). The output
layer never fires; its potential at the end of the window is V^N(T) = FI^N and the loss
is 1/2 ||Y - V^N(T) / (T V_th)||^2 summed over the batch (eq. 5).

Backward, on counts only, no time loop: FI^n = W^n FO^{n-1} (eq. 6) is rebuilt from the
counts with autograd, and each layer's neurons pass dL/dFO^n * S^n back to FI^n with one
ratio S^n = sum FO / sum FI per layer (:mod:`.ratio`, :mod:`.count_flow`), which gives
eqs. (7)-(9) for the weights.

Time follows SLAYER's convention, so the exported graph lines up with
:mod:`pumice.convert.ir.windows`: the input enters the first synapse undelayed, and every
layer's spikes reach the next synapse one step later (Lava's synaptic buffer). So the
FO^{n-1} that layer n's equations use is what it received in the window: layer n-1's
count less its spikes of the last step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from pumice.convert.ir import Graph
from pumice.convert.ir.fixed_point import DECAY_ONE
from pumice.errors import ConfigError
from pumice.train.asf.count_flow import count_flow
from pumice.train.asf.export import export_asf
from pumice.train.asf.neurons import delay_one_step, fire
from pumice.train.asf.plan import AsfLayer, plan_layers
from pumice.train.asf.ratio import batch_ratio
from pumice.train.asf.synapses import over_time, synaptic_input
from pumice.train.config import NetworkConfig, TrainConfig
from pumice.train.errors import check_input_spikes
from pumice.train.layer_shapes import Shape
from pumice.train.sections.asf import AsfConfig


@dataclass
class Flow:
    """What the forward simulation leaves for the backward pass, per spiking layer."""

    #: Input spike counts (batch, *input_shape): what the first synapse received.
    inputs: torch.Tensor
    #: FI per hidden layer (batch, *neurons), in :meth:`AsfNetwork.layer_names` order.
    total_inputs: list[torch.Tensor]
    #: FO per hidden layer (batch, *neurons).
    spike_counts: list[torch.Tensor]
    #: FO less the last step's spikes: what the next synapse received in the window.
    delivered: list[torch.Tensor]
    #: V^N(T) of the output layer (batch, classes).
    potential: torch.Tensor
    #: Per hidden layer its spikes (batch, *neurons, T), when recorded.
    trains: dict[str, torch.Tensor] | None = None


class AsfNetwork(torch.nn.Module):
    """ASF network: spikes (batch, *input_shape, T) in, the output potential out."""

    def __init__(
        self, network: NetworkConfig, settings: AsfConfig, input_shape: Sequence[int], steps: int
    ) -> None:
        super().__init__()
        #: Shape of one input sample without batch and time axes, e.g. (1, 28, 28).
        self.input_shape: Shape = tuple(int(n) for n in input_shape)
        #: Number of time steps T the network was built for.
        self.steps = steps
        #: The ``[asf]`` settings.
        self.settings = settings
        #: Voltage decay of the conv and dense neurons, on Loihi's 12-bit grid.
        self.voltage_decay = round(settings.voltage_decay * DECAY_ONE) / DECAY_ONE
        #: The forward pass, in order.
        self.plan = plan_layers(network.layers, self.input_shape)
        self._spiking = [layer for layer in self.plan if layer.kind != "flatten"]
        hidden = len(self._spiking) - 1
        if steps <= hidden:
            raise ConfigError(
                f"[data] steps = {steps} is too short for {hidden} hidden layers: each delays "
                f"the spikes by one step, so the output layer would receive nothing; use "
                f"steps > {hidden}"
            )
        self.weights = torch.nn.ParameterDict(
            {
                layer.name: torch.nn.Parameter(self._initial_weight(layer))
                for layer in self.plan
                if layer.has_weights
            }
        )
        #: S^n of each hidden layer, as last used (kept across batches for the momentum).
        self.register_buffer("ratios", torch.ones(hidden))
        #: Shape of one output sample: (classes,).
        self.output_shape: Shape = self.plan[-1].out_shape

    def _initial_weight(self, layer: AsfLayer) -> torch.Tensor:
        settings = self.settings
        std = settings.weight_scale * math.sqrt(2.0 / layer.fan_in()) * settings.threshold
        return torch.randn(layer.weight_shape()) * std

    @classmethod
    def from_config(cls, config: TrainConfig, input_shape: Sequence[int]) -> AsfNetwork:
        """The network of an ASF-family config (one with ``[asf]``)."""
        if config.asf is None:
            raise ConfigError("an ASF network needs an [asf] section")
        return cls(config.network, config.asf, input_shape, config.data.steps)

    @property
    def num_classes(self) -> int:
        """Number of output neurons, one per class."""
        return self.output_shape[0]

    def layer_names(self) -> list[str]:
        """Names of the hidden spiking layers in order, e.g. ["conv1", "pool1", "dense1"]."""
        return [layer.name for layer in self._spiking[:-1]]

    def threshold_of(self, layer: AsfLayer) -> float:
        """V_th of a hidden layer's neurons: the pool threshold behind average pooling."""
        return self.settings.pool_threshold if layer.kind == "pool" else self.settings.threshold

    def voltage_decay_of(self, layer: AsfLayer) -> float:
        """Voltage decay of a hidden layer's neurons: pooling neurons are IF (no leak)."""
        return 0.0 if layer.kind == "pool" else self.voltage_decay

    def _weight(self, layer: AsfLayer) -> torch.Tensor | None:
        return self.weights[layer.name] if layer.has_weights else None

    @torch.no_grad()
    def simulate(self, spikes: torch.Tensor, record: bool = False) -> Flow:
        """The forward simulation of input spikes (batch, *input_shape, T), no graph kept.

        With ``record``, :attr:`Flow.trains` holds every hidden layer's spikes.
        """
        check_input_spikes(spikes, self.input_shape)
        dtype = next(iter(self.weights.values())).dtype
        x = spikes.to(dtype).movedim(-1, 0)  # (T, batch, *input_shape)
        flow = Flow(x.sum(0), [], [], [], torch.empty(0), {} if record else None)
        received = flow.inputs
        for layer in self.plan[:-1]:
            if layer.kind == "flatten":
                x, received = x.flatten(2), received.flatten(1)
                continue
            current = over_time(layer, self._weight(layer), x)
            fired = fire(current, self.threshold_of(layer), self.voltage_decay_of(layer))
            counts = fired.sum(0)
            received = counts - fired[-1]
            flow.total_inputs.append(current.sum(0))
            flow.spike_counts.append(counts)
            flow.delivered.append(received)
            if record:
                flow.trains[layer.name] = fired.movedim(0, -1)
            x = delay_one_step(fired)
        output = self.plan[-1]
        flow.potential = synaptic_input(output, self._weight(output), received)
        return flow

    def _gains(self, flow: Flow) -> list[torch.Tensor]:
        """dFO/dFI of each hidden layer: S^n, times the input mask where it is used."""
        settings = self.settings
        gains = []
        for index, layer in enumerate(self._spiking[:-1]):
            fi, fo = flow.total_inputs[index], flow.spike_counts[index]
            masked = settings.ratio_mask and layer.kind != "pool"
            momentum = settings.ratio_momentum
            ratio = (1 - momentum) * batch_ratio(fo, fi, masked) + momentum * self.ratios[index]
            if self.training:
                self.ratios[index] = ratio
            gains.append(ratio * (fi > 0).to(fi.dtype) if settings.ratio_mask else ratio)
        return gains

    def count_graph(self, flow: Flow) -> torch.Tensor:
        """V^N(T) rebuilt from the counts with autograd: the ASF backward pass."""
        gains = iter(self._gains(flow))
        spiking = iter(zip(flow.total_inputs, flow.delivered, strict=True))
        counts = flow.inputs
        for layer in self.plan[:-1]:
            if layer.kind == "flatten":
                counts = counts.flatten(1)
                continue
            total_input = synaptic_input(layer, self._weight(layer), counts)
            _, delivered = next(spiking)
            counts = count_flow(total_input, delivered, next(gains))
        output = self.plan[-1]
        return synaptic_input(output, self._weight(output), counts)

    def forward(self, spikes: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """V^N(T) (batch, classes), in the count graph when autograd is on, and each hidden
        layer's spikes per neuron (batch,)."""
        flow = self.simulate(spikes)
        output = self.count_graph(flow) if torch.is_grad_enabled() else flow.potential
        per_neuron = [count.flatten(1).sum(1) / count[0].numel() for count in flow.spike_counts]
        return output, per_neuron

    def loss(self, output: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """1/2 ||Y - V^N(T) / (T V_th)||^2 with one-hot Y, summed over the batch (eq. 5)."""
        target = F.one_hot(labels, self.num_classes).to(output.dtype)
        rate = output / (self.steps * self.settings.threshold)
        return {"loss": 0.5 * ((target - rate) ** 2).sum()}

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """Class of each sample: the largest potential (lowest index on ties)."""
        return output.argmax(-1)

    def after_step(self) -> None:
        """Nothing to do after an optimiser step."""

    def export_ir(self, metadata: dict | None = None) -> Graph:
        """The network as a float IR graph (see :mod:`pumice.train.asf.export`)."""
        return export_asf(self, metadata)
