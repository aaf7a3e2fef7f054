"""Training checkpoints: everything needed to continue a run or rebuild its network."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from pumice.atomic import atomic_open
from pumice.errors import ConfigError, ModelError
from pumice.train.config import TrainConfig, config_from_dict, config_to_dict
from pumice.train.families import build_network

#: File name of the checkpoint inside a run directory.
CHECKPOINT_NAME = "checkpoint.pt"
_FORMAT = "pumice-train-checkpoint"
_VERSION = 1
_KEYS = (
    "format",
    "version",
    "epoch",
    "config",
    "input_shape",
    "model",
    "optimizer",
    "rng",
    "metrics",
)


@dataclass
class Checkpoint:
    """The state of a run after a completed epoch."""

    #: Number of completed epochs.
    epoch: int
    #: The run's config.
    config: TrainConfig
    #: Shape of one input sample without batch and time axes.
    input_shape: tuple[int, ...]
    #: the network's ``state_dict()``.
    model: dict[str, Any]
    #: ``optimizer.state_dict()``.
    optimizer: dict[str, Any]
    #: Random number generator states ("torch", and "cuda" when CUDA is available).
    rng: dict[str, Any]
    #: One metrics record per completed epoch.
    metrics: list[dict[str, Any]]


def save_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically (temporary file, then rename)."""
    payload = {
        "format": _FORMAT,
        "version": _VERSION,
        "epoch": checkpoint.epoch,
        "config": config_to_dict(checkpoint.config),
        "input_shape": list(checkpoint.input_shape),
        "model": checkpoint.model,
        "optimizer": checkpoint.optimizer,
        "rng": checkpoint.rng,
        "metrics": checkpoint.metrics,
    }
    with atomic_open(path, "wb") as handle:
        torch.save(payload, handle)


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint; :class:`ModelError` if it is missing, truncated or not one of ours."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no checkpoint there to resume from; train without resume")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(
            f"{path}: cannot read the checkpoint ({reason}); delete it and train again"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ModelError(f"{path}: not a pumice training checkpoint")
    if payload.get("version") != _VERSION:
        raise ModelError(
            f"{path}: checkpoint version {payload.get('version')!r} is not supported "
            f"(this pumice reads version {_VERSION})"
        )
    missing = [key for key in _KEYS if key not in payload]
    if missing:
        raise ModelError(f"{path}: checkpoint lacks {', '.join(missing)}; it is damaged")
    try:
        config = config_from_dict(payload["config"], source=f"{path} (stored config)")
    except ConfigError as exc:
        raise ModelError(str(exc)) from None
    return Checkpoint(
        epoch=int(payload["epoch"]),
        config=config,
        input_shape=tuple(payload["input_shape"]),
        model=payload["model"],
        optimizer=payload["optimizer"],
        rng=payload["rng"],
        metrics=list(payload["metrics"]),
    )


def network_from_checkpoint(checkpoint: Checkpoint) -> torch.nn.Module:
    """Rebuild the checkpoint's network on the CPU with its trained weights."""
    network = build_network(checkpoint.config, checkpoint.input_shape)
    try:
        network.load_state_dict(checkpoint.model)
    except RuntimeError as exc:
        reason = " ".join(str(exc).split())
        raise ModelError(f"checkpoint weights do not fit its network: {reason}") from None
    return network


def load_network(path: str | os.PathLike) -> torch.nn.Module:
    """The trained network stored in the checkpoint at ``path`` (on the CPU)."""
    return network_from_checkpoint(load_checkpoint(path))
