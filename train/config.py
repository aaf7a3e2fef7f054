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

import dataclasses
import json
import math
import os
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pumice.atomic import atomic_write_text
from pumice.errors import ConfigError
from pumice.train.bpsr.config import BpsrConfig
from pumice.train.config_checks import InvalidValue as _InvalidValue
from pumice.train.config_checks import check as _check
from pumice.train.imsnn.config import ImsnnConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


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
    #: spike per input by "rank_order" or "latency". Data sets that come as spikes
    #: (nmnist, mitbih, synthetic-ecg, .npz) need the default "rate", which they ignore.
    encoding: Literal["rate", "rank_order", "latency"] = "rate"
    #: Intensities at or below this never fire under rank_order and latency encoding.
    min_intensity: float = 0.0
    #: Level spacing in mV of the level-crossing encoded mitbih and synthetic-ecg.
    level_delta: float = 0.05
    #: Number of samples of synthetic-ecg (None: 600); a cap on nmnist (per split), mitbih
    #: and gas-sensor (classes taken in turn); other data sets need None.
    samples: int | None = None

    def __post_init__(self) -> None:
        _check(bool(self.name), "name", "must not be empty")
        _check(self.steps >= 1, "steps", f"must be >= 1, got {self.steps}")
        _check(
            0.0 < self.val_fraction < 1.0,
            "val_fraction",
            f"must be in (0, 1), got {self.val_fraction}",
        )
        _check(0.0 < self.max_rate <= 1.0, "max_rate", f"must be in (0, 1], got {self.max_rate}")
        _check(
            0.0 <= self.min_intensity < 1.0,
            "min_intensity",
            f"must be in [0, 1), got {self.min_intensity}",
        )
        _check(self.level_delta > 0, "level_delta", f"must be > 0, got {self.level_delta}")
        _check(
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
        _check(self.threshold > 0, "threshold", f"must be > 0, got {self.threshold}")
        for key in ("current_decay", "voltage_decay"):
            value = getattr(self, key)
            _check(0.0 <= value <= 1.0, key, f"must be in [0, 1], got {value}")
        _check(self.tau_grad > 0, "tau_grad", f"must be > 0, got {self.tau_grad}")
        _check(self.scale_grad > 0, "scale_grad", f"must be > 0, got {self.scale_grad}")


@dataclass(frozen=True)
class DenseLayer:
    """Fully connected CUBA layer; a multi-dimensional input is flattened first."""

    #: Number of neurons.
    features: int
    #: Intra-layer synapses from the layer's spikes of the previous step (BPSR family only).
    recurrent: bool = False

    def __post_init__(self) -> None:
        _check(self.features >= 1, "features", f"must be >= 1, got {self.features}")


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
        _check(self.features >= 1, "features", f"must be >= 1, got {self.features}")
        _check(self.kernel >= 1, "kernel", f"must be >= 1, got {self.kernel}")
        _check(self.stride >= 1, "stride", f"must be >= 1, got {self.stride}")
        _check(self.padding >= 0, "padding", f"must be >= 0, got {self.padding}")


@dataclass(frozen=True)
class PoolLayer:
    """Sum pooling CUBA layer (SLAYER's ``Pool``: fixed unit weights, spiking output)."""

    #: Square pooling window.
    kernel: int
    #: Stride in both directions; None means equal to ``kernel``.
    stride: int | None = None

    def __post_init__(self) -> None:
        _check(self.kernel >= 1, "kernel", f"must be >= 1, got {self.kernel}")
        _check(
            self.stride is None or self.stride >= 1, "stride", f"must be >= 1, got {self.stride}"
        )


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
        _check(len(self.layers) > 0, "layers", "must hold at least one layer")
        _check(
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
        _check(self.epochs >= 1, "epochs", f"must be >= 1, got {self.epochs}")
        _check(self.batch_size >= 1, "batch_size", f"must be >= 1, got {self.batch_size}")
        _check(self.lr > 0, "lr", f"must be > 0, got {self.lr}")
        _check(self.weight_decay >= 0, "weight_decay", f"must be >= 0, got {self.weight_decay}")
        for key in ("true_rate", "false_rate"):
            value = getattr(self, key)
            _check(0.0 <= value <= 1.0, key, f"must be in [0, 1], got {value}")
        _check(
            self.false_rate < self.true_rate,
            "false_rate",
            f"must be below true_rate ({self.true_rate}), got {self.false_rate}",
        )
        _check(
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

    def __post_init__(self) -> None:
        if self.imsnn is not None and self.bpsr is not None:
            raise ConfigError("give [imsnn] or [bpsr], not both: each selects a network family")
        if self.imsnn is not None and self.imsnn.rule != "snn":
            if self.imsnn.mean_max > self.data.steps:
                raise ConfigError(
                    f"[imsnn] mean_max {self.imsnn.mean_max} is longer than the time window "
                    f"([data] steps = {self.data.steps}): no ISI can reach such a mean; "
                    "lower mean_max or raise steps"
                )

    @property
    def family(self) -> str:
        """ "slayer", "imsnn" or "bpsr": which network family the config trains."""
        if self.imsnn is not None:
            return "imsnn"
        if self.bpsr is not None:
            return "bpsr"
        return "slayer"


_SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "neuron": NeuronConfig,
    "network": NetworkConfig,
    "train": OptimConfig,
    "imsnn": ImsnnConfig,
    "bpsr": BpsrConfig,
}

#: Sections that may be left out and then stay None (they select a network family).
_OPTIONAL_SECTIONS = {"imsnn", "bpsr"}


def load_config(path: str | os.PathLike) -> TrainConfig:
    """Read and validate a training config file.

    Raises :class:`ConfigError` for a missing or unreadable file, invalid TOML, unknown
    sections or keys, wrong types and impossible values.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    return config_from_dict(table, source=str(path))


def config_from_dict(table: dict[str, Any], source: str = "<config>") -> TrainConfig:
    """Validate a parsed TOML table (or :func:`config_to_dict` output) into a config."""
    _reject_unknown(table, _SECTIONS, f"{source}: top level", "sections")
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
            raise ConfigError(f"{where} must be a table, got {_type_name(value)}")
        if cls is NetworkConfig:
            sections[name] = _network_from_dict(value, where, source)
        else:
            sections[name] = _dataclass_from_dict(cls, value, where)
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
    _reject_unknown(table, {"layers": None}, where, "keys")
    layers = table.get("layers")
    if not isinstance(layers, list) or not all(isinstance(item, dict) for item in layers):
        raise ConfigError(
            f"{where} layers must be an array of tables ([[network.layers]]), "
            f"got {_type_name(layers)}"
        )
    parsed = []
    for index, item in enumerate(layers, start=1):
        item = dict(item)
        kind = item.pop("type", None)
        layer_where = f"{source}: [[network.layers]] #{index}"
        if kind not in LAYER_TYPES:
            raise ConfigError(
                f"{layer_where} type must be one of {', '.join(LAYER_TYPES)}, got {kind!r}"
            )
        parsed.append(_dataclass_from_dict(LAYER_TYPES[kind], item, f"{layer_where} ({kind})"))
    try:
        return NetworkConfig(layers=tuple(parsed))
    except _InvalidValue as exc:
        raise ConfigError(f"{where} {exc.key} {exc.problem}") from None


def _dataclass_from_dict(cls: type, table: dict[str, Any], where: str) -> Any:
    """Build dataclass ``cls`` from ``table``, checking keys, types and values."""
    fields = {field.name: field for field in dataclasses.fields(cls)}
    allowed = dict(fields)
    if cls in LAYER_TYPES.values():
        allowed = {"type": None, **fields}
    _reject_unknown(table, allowed, where, "keys")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, field in fields.items():
        if name not in table:
            if field.default is dataclasses.MISSING:
                raise ConfigError(f"{where} missing required key '{name}'")
            continue
        values[name] = _coerce(table[name], hints[name], f"{where} {name}")
    try:
        return cls(**values)
    except _InvalidValue as exc:
        raise ConfigError(f"{where} {exc.key} {exc.problem}") from None


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` against a field type (int, float, str, Literal, X | None)."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            allowed = ", ".join(repr(choice) for choice in choices)
            raise ConfigError(f"{where} must be one of {allowed}, got {value!r}")
        return value
    if isinstance(hint, types.UnionType):
        # ``X | None``: TOML has no null, so a present value is always an X.
        (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _coerce(value, inner, where)
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ConfigError(f"{where} must be a finite number, got {value}")
        return float(value)
    if hint in (int, str, bool) and type(value) is hint:
        return value
    raise ConfigError(f"{where} must be {_HINT_NAMES[hint]}, got {_type_name(value)} {value!r}")


_HINT_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "a boolean"}


def _reject_unknown(table: dict[str, Any], allowed: dict[str, Any], where: str, what: str) -> None:
    """Raise :class:`ConfigError` for the first key of ``table`` not in ``allowed``."""
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key '{key}'; allowed {what}: {', '.join(allowed)}")


def _type_name(value: Any) -> str:
    """TOML-ish name of a parsed value's type, for error messages."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names.update({list: "an array", dict: "a table"})
    return names.get(type(value), type(value).__name__)


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
                {"type": type_names[type(layer)], **_fields_dict(layer)} for layer in section.layers
            ]
            table[name] = {"layers": layers}
        else:
            table[name] = _fields_dict(section)
            if config.family != "slayer":
                for key in _SLAYER_ONLY.get(name) or ():
                    table[name].pop(key, None)
    return table


def _fields_dict(obj: Any) -> dict[str, Any]:
    """A flat dataclass as a dict without its None fields."""
    items = ((field.name, getattr(obj, field.name)) for field in dataclasses.fields(obj))
    return {key: value for key, value in items if value is not None}


def dump_config(config: TrainConfig) -> str:
    """The config as TOML text that :func:`load_config` reads back to an equal config."""
    table = config_to_dict(config)
    lines: list[str] = []
    for name, section in table.items():
        if name == "network":
            for layer in section["layers"]:
                lines += ["[[network.layers]]", *_toml_pairs(layer), ""]
        else:
            lines += [f"[{name}]", *_toml_pairs(section), ""]
    return "\n".join(lines)


def _toml_pairs(section: dict[str, Any]) -> list[str]:
    """``key = value`` lines for a flat table of str, int and float values."""
    # JSON string and number syntax is valid TOML for the values a config holds.
    return [f"{key} = {json.dumps(value)}" for key, value in section.items()]


def save_config(config: TrainConfig, path: str | os.PathLike) -> None:
    """Write the config as TOML to ``path`` atomically."""
    atomic_write_text(path, dump_config(config))
