"""Training configuration: a TOML file parsed into frozen, validated dataclasses.

The file has four sections::

    [data]      what to train on and how images become spikes
    [neuron]    CUBA neuron parameters shared by every layer
    [network]   the layers, as an array of tables ``[[network.layers]]``
    [train]     optimiser, loss and device

Every section rejects keys it does not know, values of the wrong type and
impossible values with a one-line :class:`~pumice.errors.ConfigError` naming the
file, the section and the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

from pumice.atomic import atomic_write_text
from pumice.errors import ConfigError
from pumice.toml_dataclass import (
    as_table,
    check,
    construct,
    from_table,
    read_toml,
    reject_unknown,
    toml_lines,
    type_name,
)
from pumice.train.sections.asf import AsfConfig
from pumice.train.sections.bpsr import BpsrConfig
from pumice.train.sections.imsnn import ImsnnConfig
from pumice.train.sections.ttfs import TtfsConfig


@dataclass(frozen=True)
class DataConfig:
    """Which data set to train on and how its samples become spike trains."""

    #: Data set name ("fashion-mnist", "mnist", "mnist5k", "digits", "nmnist", "mitbih",
    #: "gas-sensor", "synthetic-ecg") or a ``.npz`` path (relative to the working directory).
    name: str
    #: Number of time steps T each sample is presented for.
    steps: int
    #: Folder holding the raw data files; None uses the data layer's default location.
    root: str | None = None
    #: Fraction of the training split held out for validation.
    val_fraction: float = 0.1
    #: Spike probability per step of a pixel of intensity 1 (rate encoding).
    max_rate: float = 1.0
    #: Seed of the train/validation split and of the evaluation encoding.
    seed: int = 0
    #: How intensities become spikes: "rate" (Bernoulli per step, ``max_rate``), or one
    #: spike per input by "rank_order" or "latency", or "intensity" (one graded spike
    #: per input at step 0 carrying its 8-bit intensity; TTFS networks take it). Data
    #: sets that come as spikes (nmnist, mitbih, synthetic-ecg, .npz) need the default
    #: "rate", which they ignore.
    encoding: Literal["rate", "rank_order", "latency", "intensity"] = "rate"
    #: Intensities at or below this never fire under rank_order and latency encoding.
    min_intensity: float = 0.0
    #: Level spacing in mV of the level-crossing encoded mitbih and synthetic-ecg.
    level_delta: float = 0.05
    #: Number of samples of synthetic-ecg (None: 600); a cap on nmnist (per split), mitbih
    #: and gas-sensor (classes taken in turn); other data sets need None.
    samples: int | None = None

    def __post_init__(self) -> None:
        check(bool(self.name), "name", "must not be empty")
        check(self.steps >= 1, "steps", f"must be >= 1, got {self.steps}")
        check(
            0.0 < self.val_fraction < 1.0,
            "val_fraction",
            f"must be in (0, 1), got {self.val_fraction}",
        )
        check(0.0 < self.max_rate <= 1.0, "max_rate", f"must be in (0, 1], got {self.max_rate}")
        check(
            0.0 <= self.min_intensity < 1.0,
            "min_intensity",
            f"must be in [0, 1), got {self.min_intensity}",
        )
        check(self.level_delta > 0, "level_delta", f"must be > 0, got {self.level_delta}")
        check(
            self.samples is None or self.samples >= 1,
            "samples",
            f"must be >= 1, got {self.samples}",
        )


@dataclass(frozen=True)
class NeuronConfig:
    """CUBA LIF parameters (SLAYER's units, weights scaled by 64) shared by all layers."""

    #: Firing threshold of the membrane voltage.
    threshold: float = 1.25
    #: Fraction of the synaptic current lost per step, in [0, 1].
    current_decay: float = 0.25
    #: Fraction of the membrane voltage lost per step, in [0, 1].
    voltage_decay: float = 0.03
    #: Time constant of the surrogate spike derivative.
    tau_grad: float = 0.03
    #: Scale of the surrogate spike derivative.
    scale_grad: float = 3.0

    def __post_init__(self) -> None:
        check(self.threshold > 0, "threshold", f"must be > 0, got {self.threshold}")
        for key in ("current_decay", "voltage_decay"):
            value = getattr(self, key)
            check(0.0 <= value <= 1.0, key, f"must be in [0, 1], got {value}")
        check(self.tau_grad > 0, "tau_grad", f"must be > 0, got {self.tau_grad}")
        check(self.scale_grad > 0, "scale_grad", f"must be > 0, got {self.scale_grad}")


@dataclass(frozen=True)
class DenseLayer:
    """Fully connected CUBA layer; a multi-dimensional input is flattened first."""

    #: Number of neurons.
    features: int
    #: Intra-layer synapses from the layer's spikes of the previous step (BPSR family only).
    recurrent: bool = False

    def __post_init__(self) -> None:
        check(self.features >= 1, "features", f"must be >= 1, got {self.features}")


@dataclass(frozen=True)
class ConvLayer:
    """2-D convolution CUBA layer on (channels, height, width) input."""

    #: Number of output channels.
    features: int
    #: Square kernel size.
    kernel: int
    #: Stride in both directions.
    stride: int = 1
    #: Zero padding on every side.
    padding: int = 0

    def __post_init__(self) -> None:
        check(self.features >= 1, "features", f"must be >= 1, got {self.features}")
        check(self.kernel >= 1, "kernel", f"must be >= 1, got {self.kernel}")
        check(self.stride >= 1, "stride", f"must be >= 1, got {self.stride}")
        check(self.padding >= 0, "padding", f"must be >= 0, got {self.padding}")


@dataclass(frozen=True)
class PoolLayer:
    """Sum pooling CUBA layer (SLAYER's ``Pool``: fixed unit weights, spiking output)."""

    #: Square pooling window.
    kernel: int
    #: Stride in both directions; None means equal to ``kernel``.
    stride: int | None = None

    def __post_init__(self) -> None:
        check(self.kernel >= 1, "kernel", f"must be >= 1, got {self.kernel}")
        check(self.stride is None or self.stride >= 1, "stride", f"must be >= 1, got {self.stride}")


@dataclass(frozen=True)
class FlattenLayer:
    """Reshape (channels, height, width) to one feature axis; no neurons."""


LayerConfig = DenseLayer | ConvLayer | PoolLayer | FlattenLayer

#: ``type`` value in ``[[network.layers]]`` -> layer dataclass.
LAYER_TYPES: dict[str, type] = {
    "dense": DenseLayer,
    "conv": ConvLayer,
    "pool": PoolLayer,
    "flatten": FlattenLayer,
}


@dataclass(frozen=True)
class NetworkConfig:
    """The layers from input to output; the last one is the dense output layer."""

    #: Layers in order; the last must be dense with one neuron per class.
    layers: tuple[LayerConfig, ...]

    def __post_init__(self) -> None:
        check(len(self.layers) > 0, "layers", "must hold at least one layer")
        check(
            isinstance(self.layers[-1], DenseLayer),
            "layers",
            "must end with a dense output layer (one neuron per class)",
        )


@dataclass(frozen=True)
class OptimConfig:
    """Optimiser, loss and device of a training run."""

    #: Number of passes over the training split.
    epochs: int = 10
    #: Samples per training step.
    batch_size: int = 32
    #: Adam learning rate.
    lr: float = 1e-3
    #: Seed of weight initialisation, shuffling and training spike encoding.
    seed: int = 0
    #: Adam (L2) weight decay.
    weight_decay: float = 0.0
    #: Loss function; "spike_rate" is SLAYER's ``SpikeRate`` (summed squared rate error).
    #: Used by the SLAYER family; the IMSNN and BPSR families define their own loss.
    loss: Literal["spike_rate"] = "spike_rate"
    #: "adam", or "adamw" (decoupled weight decay; BPSR trains with it).
    optimizer: Literal["adam", "adamw"] = "adam"
    #: Target output spike rate of the correct class.
    true_rate: float = 0.2
    #: Target output spike rate of the other classes.
    false_rate: float = 0.03
    #: "cpu", "cuda", or "auto" (cuda when available).
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    #: Samples per evaluation step.
    eval_batch_size: int = 256

    def __post_init__(self) -> None:
        check(self.epochs >= 1, "epochs", f"must be >= 1, got {self.epochs}")
        check(self.batch_size >= 1, "batch_size", f"must be >= 1, got {self.batch_size}")
        check(self.lr > 0, "lr", f"must be > 0, got {self.lr}")
        check(self.weight_decay >= 0, "weight_decay", f"must be >= 0, got {self.weight_decay}")
        for key in ("true_rate", "false_rate"):
            value = getattr(self, key)
            check(0.0 <= value <= 1.0, key, f"must be in [0, 1], got {value}")
        check(
            self.false_rate < self.true_rate,
            "false_rate",
            f"must be below true_rate ({self.true_rate}), got {self.false_rate}",
        )
        check(
            self.eval_batch_size >= 1,
            "eval_batch_size",
            f"must be >= 1, got {self.eval_batch_size}",
        )


@dataclass(frozen=True)
class TrainConfig:
    """A whole training run: data, neurons, network and optimiser."""

    #: ``[data]``
    data: DataConfig
    #: ``[network]``
    network: NetworkConfig
    #: ``[neuron]``
    neuron: NeuronConfig = NeuronConfig()
    #: ``[train]``
    train: OptimConfig = OptimConfig()
    #: ``[imsnn]``: present for an IMSNN network (ISI-modulated synapses).
    imsnn: ImsnnConfig | None = None
    #: ``[bpsr]``: present for a BPSR network (heterogeneous, recurrent LIF).
    bpsr: BpsrConfig | None = None
    #: ``[ttfs]``: present for a TTFS network (time-to-first-spike, surrogate DNN).
    ttfs: TtfsConfig | None = None
    #: ``[asf]``: present for an ASF network (accumulated spiking flow, counts backward).
    asf: AsfConfig | None = None

    def __post_init__(self) -> None:
        chosen = [name for name in _OPTIONAL_SECTIONS if getattr(self, name) is not None]
        if len(chosen) > 1:
            given = " or ".join(f"[{name}]" for name in chosen)
            many = "not both" if len(chosen) == 2 else "only one"
            raise ConfigError(f"give {given}, {many}: each selects a network family")
        if self.ttfs is None and self.data.encoding == "intensity":
            raise ConfigError(
                '[data] encoding = "intensity" sends each intensity as one graded spike, '
                "which only TTFS networks take: add a [ttfs] section or choose another encoding"
            )
        if self.ttfs is not None and self.data.encoding != "intensity":
            raise ConfigError(
                f"[ttfs] networks encode each input intensity as a spike time in their first "
                f'layer, from one graded spike at step 0: set [data] encoding = "intensity" '
                f"(got {self.data.encoding!r})"
            )
        if self.imsnn is not None and self.imsnn.rule != "snn":
            if self.imsnn.mean_max > self.data.steps:
                raise ConfigError(
                    f"[imsnn] mean_max {self.imsnn.mean_max} is longer than the time window "
                    f"([data] steps = {self.data.steps}): no ISI can reach such a mean; "
                    "lower mean_max or raise steps"
                )

    @property
    def family(self) -> str:
        """ "slayer", "imsnn", "bpsr", "ttfs" or "asf": which network family the config trains."""
        if self.imsnn is not None:
            return "imsnn"
        if self.bpsr is not None:
            return "bpsr"
        if self.ttfs is not None:
            return "ttfs"
        if self.asf is not None:
            return "asf"
        return "slayer"


_SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "neuron": NeuronConfig,
    "network": NetworkConfig,
    "train": OptimConfig,
    "imsnn": ImsnnConfig,
    "bpsr": BpsrConfig,
    "ttfs": TtfsConfig,
    "asf": AsfConfig,
}

#: Sections that may be left out and then stay None (they select a network family).
_OPTIONAL_SECTIONS = ("imsnn", "bpsr", "ttfs", "asf")


def load_config(path: str | os.PathLike) -> TrainConfig:
    """Read and validate a training config file.

    Raises :class:`ConfigError` for a missing or unreadable file, invalid TOML, unknown
    sections or keys, wrong types and impossible values.
    """
    return config_from_dict(read_toml(path, "config file"), source=str(path))


def config_from_dict(table: dict[str, Any], source: str = "<config>") -> TrainConfig:
    """Validate a parsed TOML table (or :func:`config_to_dict` output) into a config."""
    reject_unknown(table, _SECTIONS, f"{source}:", "section")
    for name in ("data", "network"):
        if name not in table:
            raise ConfigError(f"{source}: missing required section [{name}]")
    _reject_slayer_settings(table, source)
    sections = {}
    for name, cls in _SECTIONS.items():
        where = f"{source}: [{name}]"
        if name in _OPTIONAL_SECTIONS and name not in table:
            continue
        value = table.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table, got {type_name(value)}")
        if cls is NetworkConfig:
            sections[name] = _network_from_dict(value, where, source)
        else:
            sections[name] = from_table(cls, value, where)
    try:
        return TrainConfig(**sections)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


#: Settings only the SLAYER family reads: section -> keys (None: the whole section).
_SLAYER_ONLY: dict[str, tuple[str, ...] | None] = {
    "neuron": None,
    "train": ("loss", "true_rate", "false_rate"),
}


def _reject_slayer_settings(table: dict[str, Any], source: str) -> None:
    """An IMSNN or BPSR config must not set what only SLAYER networks read."""
    family = next((name for name in _OPTIONAL_SECTIONS if name in table), None)
    if family is None:
        return
    for section, keys in _SLAYER_ONLY.items():
        given = table.get(section)
        if given is None:
            continue
        if keys is None:
            raise ConfigError(
                f"{source}: [{section}] sets SLAYER CUBA neurons, which a [{family}] network "
                f"does not have: set its neurons in [{family}]"
            )
        for key in keys:
            if isinstance(given, dict) and key in given:
                raise ConfigError(
                    f"{source}: [{section}] {key} applies to SLAYER networks only; a "
                    f"[{family}] network defines its own loss: remove it"
                )


def _network_from_dict(table: dict[str, Any], where: str, source: str) -> NetworkConfig:
    """Parse ``[network]``: an array of layer tables, each with a ``type``."""
    reject_unknown(table, ["layers"], where)
    layers = table.get("layers")
    if not isinstance(layers, list) or not all(isinstance(item, dict) for item in layers):
        raise ConfigError(
            f"{where} layers must be an array of tables ([[network.layers]]), "
            f"got {type_name(layers)}"
        )
    parsed = []
    for index, item in enumerate(layers, start=1):
        kind = item.get("type")
        layer_where = f"{source}: [[network.layers]] #{index}"
        if not isinstance(kind, str) or kind not in LAYER_TYPES:
            raise ConfigError(
                f"{layer_where} type must be one of {', '.join(LAYER_TYPES)}, got {kind!r}"
            )
        parsed.append(
            from_table(LAYER_TYPES[kind], item, f"{layer_where} ({kind})", also_allowed=("type",))
        )
    return construct(NetworkConfig, {"layers": tuple(parsed)}, where)


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """The config as plain TOML-shaped data (None values left out, layers with ``type``)."""
    type_names = {cls: name for name, cls in LAYER_TYPES.items()}
    table: dict[str, Any] = {}
    for name in _SECTIONS:
        section = getattr(config, name)
        if section is None or (config.family != "slayer" and _SLAYER_ONLY.get(name, ()) is None):
            continue
        if name == "network":
            layers = [
                {"type": type_names[type(layer)], **as_table(layer)} for layer in section.layers
            ]
            table[name] = {"layers": layers}
        else:
            table[name] = as_table(section)
            if config.family != "slayer":
                for key in _SLAYER_ONLY.get(name) or ():
                    table[name].pop(key, None)
    return table


def dump_config(config: TrainConfig) -> str:
    """The config as TOML text that :func:`load_config` reads back to an equal config."""
    table = config_to_dict(config)
    lines: list[str] = []
    for name, section in table.items():
        if name == "network":
            for layer in section["layers"]:
                lines += ["[[network.layers]]", *toml_lines(layer), ""]
        else:
            lines += [f"[{name}]", *toml_lines(section), ""]
    return "\n".join(lines)


def save_config(config: TrainConfig, path: str | os.PathLike) -> None:
    """Write the config as TOML to ``path`` atomically."""
    atomic_write_text(path, dump_config(config))
