"""Network families: the module class a config trains, chosen by its optional sections.

A config with ``[imsnn]`` trains an IMSNN network, one with ``[bpsr]`` a BPSR network,
any other a SLAYER CUBA network. Every family's module provides what the trainer,
checkpoints and exporters use:

- ``from_config(config, input_shape)`` (classmethod) builds it;
- ``forward(spikes) -> (output, counts)``: input spikes (batch, *input_shape, T); the
  output the loss reads; per hidden layer, each sample's spikes per neuron (batch,);
- ``loss(output, labels) -> dict``: ``"loss"`` is what is minimised, summed over the
  batch; every other entry (also summed) is a part of it reported on its own in the
  training log (e.g. a regulariser);
- ``predict(output)``: the class of each sample;
- ``after_step()``: called after each optimiser step (e.g. rewiring);
- ``layer_names()``, ``num_classes``, ``input_shape``, ``steps``;
- ``export_ir(metadata) -> Graph``: the trained network as a float IR graph.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import torch

from pumice.train.config import TrainConfig

#: Family name -> "module:class" of its network, imported when first used.
FAMILIES: dict[str, str] = {
    "slayer": "pumice.train.network:SpikingNetwork",
    "imsnn": "pumice.train.imsnn.network:ImsnnNetwork",
    "bpsr": "pumice.train.bpsr.network:BpsrNetwork",
}


def network_class(family: str) -> type[torch.nn.Module]:
    """The network class of ``family``."""
    module, name = FAMILIES[family].split(":")
    return getattr(importlib.import_module(module), name)


def build_network(config: TrainConfig, input_shape: Sequence[int]) -> torch.nn.Module:
    """The untrained network of ``config`` for samples of ``input_shape``."""
    return network_class(config.family).from_config(config, tuple(input_shape))
