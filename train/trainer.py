"""Training loop: the family's loss, Adam(W), per-epoch validation, checkpoints and resume.

A run directory holds::

    run_config.toml   the config the run was started with (the user's own config file may
                      sit beside it, as config.toml or any other name: it is never rewritten)
    metrics.jsonl     one JSON line per completed epoch
    checkpoint.pt     model, optimiser, epoch, RNG states and config (rewritten every epoch)
    result.json       test accuracy and spikes per neuron, written at the end
    .train.lock       while a trainer runs: its lock (:mod:`pumice.train.run_lock`)

Every file is written atomically, and one trainer at a time writes into a run directory.
Training is deterministic for a config: shuffling and rate encoding of epoch ``e`` draw
from a generator seeded with ``([train] seed, e)``, and evaluation encodes with a
generator seeded with ``[data] seed``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from pumice.atomic import atomic_write_text
from pumice.data import Dataset, Splits, load_splits
from pumice.errors import ConfigError
from pumice.train.checkpoint import CHECKPOINT_NAME, Checkpoint, load_checkpoint, save_checkpoint
from pumice.train.config import DataConfig, TrainConfig, config_to_dict, save_config
from pumice.train.device import select_device
from pumice.train.families import build_network
from pumice.train.run_lock import run_lock
from pumice.train.spike_batches import num_batches, spike_batches

METRICS_NAME = "metrics.jsonl"
RESULT_NAME = "result.json"
#: The run's copy of its config; not "config.toml", the name users give their own.
CONFIG_NAME = "run_config.toml"

#: ``[train]`` keys that may change when a run is resumed.
_RESUMABLE_CHANGES = {"epochs", "device", "eval_batch_size"}


@dataclass
class TrainResult:
    """What a finished run produced."""

    #: The trained network (on the training device).
    model: torch.nn.Module
    #: One record per epoch, as in ``metrics.jsonl``.
    metrics: list[dict[str, Any]]
    #: Fraction of test samples classified correctly.
    test_accuracy: float
    #: Hidden layer name -> mean spikes per neuron per sample on the test split.
    test_spikes_per_neuron: dict[str, float]
    #: The run directory.
    out_dir: Path


def evaluate(
    model: torch.nn.Module,
    dataset: Dataset,
    steps: int,
    seed: int,
    max_rate: float = 1.0,
    batch_size: int = 256,
    encoding: str = "rate",
    min_intensity: float = 0.0,
) -> tuple[float, dict[str, float]]:
    """Accuracy of ``model`` on ``dataset`` and its hidden layers' spikes per neuron.

    Samples are encoded with ``encoding`` (rate encoding with a generator seeded with
    ``seed``), so the result is deterministic. Spikes per neuron of a layer is the layer's
    total spike count over the ``steps`` window divided by its neuron count, averaged over
    samples.
    """
    device = next(model.parameters()).device
    names = model.layer_names()
    correct = 0
    spike_sums = torch.zeros(len(names), dtype=torch.float64)
    was_training = model.training
    model.eval()
    batches = spike_batches(
        dataset,
        steps,
        batch_size,
        np.random.default_rng(seed),
        max_rate,
        device=device,
        encoding=encoding,
        min_intensity=min_intensity,
    )
    with torch.no_grad():
        for spikes, labels in batches:
            output, counts = model(spikes)
            correct += int((model.predict(output) == labels).sum())
            spike_sums += torch.stack([count.sum().double().cpu() for count in counts])
    model.train(was_training)
    per_neuron = (spike_sums / len(dataset)).tolist()
    return correct / len(dataset), dict(zip(names, per_neuron, strict=True))


def config_splits(data: DataConfig) -> Splits:
    """The train/validation/test splits a ``[data]`` section describes."""
    return load_splits(
        data.name,
        data.root,
        data.val_fraction,
        data.seed,
        steps=data.steps,
        samples=data.samples,
        level_delta=data.level_delta,
    )


def _evaluate_split(
    model: torch.nn.Module, dataset: Dataset, config: TrainConfig
) -> tuple[float, dict[str, float]]:
    """:func:`evaluate` with the config's encoding settings."""
    data = config.data
    return evaluate(
        model,
        dataset,
        data.steps,
        data.seed,
        data.max_rate,
        config.train.eval_batch_size,
        data.encoding,
        data.min_intensity,
    )


def train(
    config: TrainConfig,
    out_dir: str | os.PathLike,
    resume: bool = False,
    progress: bool = True,
    splits: Splits | None = None,
    config_file: str | os.PathLike | None = None,
) -> TrainResult:
    """Train the config's network, writing metrics, checkpoints and results to ``out_dir``.

    With ``resume=True`` the run continues after the last epoch in ``out_dir``'s
    checkpoint (``[train] epochs`` may be raised); otherwise ``out_dir`` must not hold a
    checkpoint yet. ``splits`` replaces the config's data set (e.g. a benchmark's subset).
    ``config_file`` is the file ``config`` was read from: should it be the run's own copy
    (:data:`CONFIG_NAME`), it is left as it is. Raises
    :class:`~pumice.train.run_lock.RunBusyError` while another trainer writes into ``out_dir``.
    """
    out_dir = Path(out_dir)
    with run_lock(out_dir) as lock:
        if lock.stale_owner is not None and progress:
            tqdm.write(
                f"{out_dir}: taking over the lock of process {lock.stale_owner}, now gone",
                file=sys.stderr,
            )
        return _train(config, out_dir, resume, progress, splits, config_file)


def _train(
    config: TrainConfig,
    out_dir: Path,
    resume: bool,
    progress: bool,
    splits: Splits | None,
    config_file: str | os.PathLike | None,
) -> TrainResult:
    """:func:`train` under the run directory's lock."""
    data = config.data
    if splits is None:
        splits = config_splits(data)
    device = select_device(config.train.device)
    torch.manual_seed(config.train.seed)
    model = build_network(config, splits.train.input_shape)
    if model.num_classes != splits.train.num_classes:
        raise ConfigError(
            f"the last layer has {model.num_classes} neurons but '{data.name}' has "
            f"{splits.train.num_classes} classes: set its features to {splits.train.num_classes}"
        )
    model.to(device)
    optimizer_class = torch.optim.AdamW if config.train.optimizer == "adamw" else torch.optim.Adam
    optimizer = optimizer_class(
        [p for p in model.parameters() if p.requires_grad],
        lr=config.train.lr,
        weight_decay=config.train.weight_decay,
    )
    checkpoint_path = out_dir / CHECKPOINT_NAME
    if resume:
        metrics = _restore(checkpoint_path, config, model, optimizer)
    else:
        if checkpoint_path.exists():
            raise ConfigError(
                f"{out_dir} already holds a training run: resume it or choose a new out_dir"
            )
        metrics = []
    if not _is_file(config_file, out_dir / CONFIG_NAME):
        save_config(config, out_dir / CONFIG_NAME)
    atomic_write_text(out_dir / METRICS_NAME, "".join(_json_line(r) for r in metrics))

    for epoch in range(len(metrics) + 1, config.train.epochs + 1):
        started = time.perf_counter()
        train_losses, train_accuracy = _train_epoch(
            model, optimizer, splits.train, config, epoch, device, progress
        )
        train_s = time.perf_counter() - started
        val_accuracy, spikes = _evaluate_split(model, splits.val, config)
        record = {
            "epoch": epoch,
            "train_loss": train_losses.pop("loss"),
            "train_loss_parts": train_losses,
            "train_accuracy": train_accuracy,
            "val_accuracy": val_accuracy,
            "spikes_per_neuron": spikes,
            "wall_s": time.perf_counter() - started,
            "train_s": train_s,
        }
        metrics.append(record)
        save_checkpoint(
            checkpoint_path,
            Checkpoint(
                epoch=epoch,
                config=config,
                input_shape=model.input_shape,
                model=model.state_dict(),
                optimizer=optimizer.state_dict(),
                rng=_rng_state(),
                metrics=metrics,
            ),
        )
        with open(out_dir / METRICS_NAME, "a", encoding="utf-8") as handle:
            handle.write(_json_line(record))

    test_accuracy, test_spikes = _evaluate_split(model, splits.test, config)
    result = {
        "epochs": len(metrics),
        "test_accuracy": test_accuracy,
        "test_samples": len(splits.test),
        "spikes_per_neuron": test_spikes,
    }
    atomic_write_text(out_dir / RESULT_NAME, json.dumps(result, indent=2) + "\n")
    return TrainResult(model, metrics, test_accuracy, test_spikes, out_dir)


def _train_epoch(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    dataset: Dataset,
    config: TrainConfig,
    epoch: int,
    device: torch.device,
    progress: bool,
) -> tuple[dict[str, float], float]:
    """One pass over ``dataset``; returns (each loss entry per sample, accuracy)."""
    model.train()
    start_epoch = getattr(model, "start_epoch", None)  # a family's schedule over epochs
    if start_epoch is not None:
        start_epoch(epoch)
    rng = np.random.default_rng([config.train.seed, epoch])
    batch_size = config.train.batch_size
    batches = spike_batches(
        dataset,
        config.data.steps,
        batch_size,
        rng,
        config.data.max_rate,
        True,
        device,
        config.data.encoding,
        config.data.min_intensity,
    )
    totals: dict[str, float] = {}
    correct = 0
    bar = tqdm(
        batches,
        total=num_batches(dataset, batch_size),
        desc=f"epoch {epoch}/{config.train.epochs}",
        unit="batch",
        disable=not progress,
    )
    for seen, (spikes, labels) in enumerate(bar, start=1):
        output, _ = model(spikes)
        losses = model.loss(output, labels)
        optimizer.zero_grad()
        losses["loss"].backward()
        optimizer.step()
        model.after_step()
        for key, value in losses.items():
            totals[key] = totals.get(key, 0.0) + float(value.detach())
        correct += int((model.predict(output) == labels).sum())
        if seen % 10 == 0 or seen == bar.total:
            done = min(seen * batch_size, len(dataset))
            bar.set_postfix(loss=totals["loss"] / done, acc=correct / done, refresh=False)
    bar.close()
    return {key: total / len(dataset) for key, total in totals.items()}, correct / len(dataset)


def _restore(
    path: Path,
    config: TrainConfig,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
) -> list[dict[str, Any]]:
    """Load the checkpoint at ``path`` into ``model`` and ``optimizer``; return its metrics."""
    checkpoint = load_checkpoint(path)
    changed = _config_changes(checkpoint.config, config)
    if changed:
        raise ConfigError(
            f"{path}: the run was started with a different config ({'; '.join(changed)}): "
            "resume with the original config (only [train] epochs, device and "
            "eval_batch_size may change) or train into a new out_dir"
        )
    model.load_state_dict(checkpoint.model)
    optimizer.load_state_dict(checkpoint.optimizer)
    torch.set_rng_state(checkpoint.rng["torch"])
    if "cuda" in checkpoint.rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(checkpoint.rng["cuda"])
    return checkpoint.metrics[: checkpoint.epoch]


def _config_changes(old: TrainConfig, new: TrainConfig) -> list[str]:
    """``[section] key: old -> new`` for each setting that differs, except resumable ones."""
    old_table, new_table = config_to_dict(old), config_to_dict(new)
    changes = []
    for section in new_table:
        keys = dict.fromkeys([*old_table[section], *new_table[section]])
        for key in keys:
            if section == "train" and key in _RESUMABLE_CHANGES:
                continue
            before = old_table[section].get(key)
            after = new_table[section].get(key)
            if before != after:
                changes.append(f"[{section}] {key}: {before!r} -> {after!r}")
    return changes


def _is_file(path: str | os.PathLike | None, other: Path) -> bool:
    """True when ``path`` is given and names the same existing file as ``other``."""
    try:
        return path is not None and os.path.samefile(path, other)
    except OSError:
        return False


def _rng_state() -> dict[str, Any]:
    """The torch RNG states, to be restored on resume."""
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _json_line(record: dict[str, Any]) -> str:
    """One record as a line of ``metrics.jsonl``."""
    return json.dumps(record) + "\n"
