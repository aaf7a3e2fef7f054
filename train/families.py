"""The network families, by name: the module class a config trains.

A config with ``[imsnn]`` trains an IMSNN network, one with ``[bpsr]`` a BPSR network,
any other a SLAYER CUBA network (:attr:`TrainConfig.family`). Each class fulfils
:class:`~pumice.train.network_family.NetworkFamily`. :data:`FAMILIES` names its module
and class as a string, imported on first use: reading a config or this table imports
neither torch nor lava, and no family module imports this one.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pumice.errors import ConfigError

if TYPE_CHECKING:
    from pumice.train.config import TrainConfig
    from pumice.train.network_family import NetworkFamily

#: Family name -> "module:class" of its network.
FAMILIES: dict[str, str] = {
    "slayer": "pumice.train.network:SpikingNetwork",
    "imsnn": "pumice.train.imsnn.network:ImsnnNetwork",
    "bpsr": "pumice.train.bpsr.network:BpsrNetwork",
    "ttfs": "pumice.train.ttfs.network:TtfsNetwork",
    "asf": "pumice.train.asf.network:AsfNetwork",
}


def network_class(family: str) -> type[NetworkFamily]:
    """The network class of ``family``; :class:`ConfigError` for an unknown name."""
    if family not in FAMILIES:
        raise ConfigError(
            f"unknown network family {family!r}: pumice trains {', '.join(map(repr, FAMILIES))}"
        )
    module, name = FAMILIES[family].split(":")
    return getattr(importlib.import_module(module), name)


def build_network(config: TrainConfig, input_shape: Sequence[int]) -> NetworkFamily:
    """The untrained network of ``config`` for samples of ``input_shape``."""
    return network_class(config.family).from_config(config, tuple(input_shape))
