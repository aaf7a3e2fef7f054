"""The data contract of every subcommand: which samples a model runs on, as spikes.

``run``, ``report``, ``deploy`` and ``convert --calibrate`` take the same options
(:class:`DataOptions`; the CLI adds them to each subcommand in one place):

- ``--data``: a dataset name or a ``.npz`` of spikes; by default the data the model
  records from its training.
- A user's ``.npz`` runs whole. ``--split`` takes one of its deterministic train/val/test
  parts (20 % test, then 10 % of the rest for validation, seed 0; a model trained on that
  very file keeps its training's split). A named dataset, and the model's own training
  file, run their test split (``convert --calibrate``: the validation split).
- ``--samples N``: the first N samples, exactly; asking for more than there are is an
  error. Without it, all (or a command's stated cap, e.g. ``report``'s 100).
- ``--steps``: T of intensity data (default: the model's training T). Spike data gives T
  itself, so ``--steps`` (and ``--max-rate``) do not apply to it.
- ``--seed``, ``--max-rate``: the rate encoding's seed and largest spike probability.

Before anything is encoded, labels are checked against the model's outputs, the input
shape against the model's input, and the run against the memory left.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from pumice.convert.ir import Graph
from pumice.convert.ir.ttfs import graded_input_problem
from pumice.convert.ir.windows import model_lag
from pumice.errors import DataError, PumiceError
from pumice.number_options import COUNT, RATE, SEED
from pumice.run_memory import check_run_fits

#: Splits ``--split`` chooses from.
SPLITS = ("train", "val", "test")
#: Defaults of a ``.npz``'s split when the model was not trained on it.
NPZ_VAL_FRACTION, NPZ_SPLIT_SEED = 0.1, 0


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """The data options every subcommand shares (see the module docstring)."""

    #: Dataset name or ``.npz`` path; None: the data the model was trained on.
    data: str | None = None
    #: Directory of a named dataset's files.
    root: str | None = None
    #: "train", "val" or "test"; None: a named dataset's ``default_split``, a ``.npz`` whole.
    split: str | None = None
    #: The first N samples; None: all of them, at most ``sample_limit``.
    samples: int | None = None
    #: Seed of the rate encoding.
    seed: int = 0
    #: Time steps T of intensity data; None: the model's training T.
    steps: int | None = None
    #: Rate-coding maximum; None: the model's training value (else 1.0).
    max_rate: float | None = None
    #: The split a named dataset (or the model's own training file) runs by default.
    default_split: str = "test"
    #: At most this many samples when ``samples`` is None (None: all).
    sample_limit: int | None = None
    #: The options' names, for messages (``convert`` calls them differently).
    data_option: str = "--data"
    samples_option: str = "--samples"

    def __post_init__(self) -> None:
        if self.split is not None and self.split not in SPLITS:
            raise PumiceError(f"--split must be one of {', '.join(SPLITS)}, got '{self.split}'")
        if self.samples is not None:
            COUNT.check(self.samples_option, self.samples)
        SEED.check("--seed", self.seed)
        if self.steps is not None:
            COUNT.check("--steps", self.steps)
        if self.max_rate is not None:
            RATE.check("--max-rate", self.max_rate)


@dataclasses.dataclass
class ModelInputs:
    """The spikes a model runs on and their labels."""

    #: (samples, *input shape, T), uint8 0/1.
    spikes: np.ndarray
    labels: np.ndarray
    #: Where they came from, for tables and messages ("digits test split").
    source: str

    @property
    def steps(self) -> int:
        return int(self.spikes.shape[-1])


def num_classes(graph: Graph) -> int:
    """How many classes the model tells apart: its output layer's neurons."""
    return math.prod(graph.shapes()[graph.output])


def _check_labels(labels: np.ndarray, classes: int, source: str) -> None:
    if len(labels) and (labels.min() < 0 or labels.max() >= classes):
        raise DataError(
            f"{source} has labels {labels.min()}..{labels.max()}, but the model has {classes} "
            f"outputs (classes 0..{classes - 1}): use data labelled 0..{classes - 1}"
        )


def _npz(graph: Graph, options: DataOptions, name: str, own: bool):
    from pumice.data import load_npz, split_three_way

    trained = graph.metadata.get("data", {})
    if options.root is not None:
        raise DataError(f"--root is read for named datasets only: drop it for '{name}'")
    dataset = load_npz(name, num_classes=num_classes(graph))
    for option, value in (("--steps", options.steps), ("--max-rate", options.max_rate)):
        if value is not None and not (option == "--steps" and value == dataset.num_steps):
            raise DataError(
                f"'{name}' holds spikes of {dataset.num_steps} steps, which give T and the "
                f"encoding themselves: {option} applies to intensity data only, drop it"
            )
    split = options.split or (options.default_split if own else None)
    if split is None:
        return dataset, f"'{name}'"
    val_fraction = trained.get("val_fraction", NPZ_VAL_FRACTION) if own else NPZ_VAL_FRACTION
    seed = trained.get("seed", NPZ_SPLIT_SEED) if own else NPZ_SPLIT_SEED
    try:
        splits = split_three_way(dataset, val_fraction, seed)
    except DataError:
        raise DataError(
            f"'{name}' has {len(dataset)} samples, too few to split into train, val and test: "
            f"drop --split to run all of them"
        ) from None
    return getattr(splits, split), f"'{name}' {split} split"


def _named(graph: Graph, options: DataOptions, name: str, own: bool, steps: int):
    from pumice.data import LEVEL_DELTA, load_splits

    trained = graph.metadata.get("data", {}) if own else {}
    root = options.root if options.root is not None else trained.get("root")
    splits = load_splits(
        name,
        root=root,
        val_fraction=trained.get("val_fraction", 0.1),
        seed=trained.get("seed", 0),
        steps=steps,
        samples=trained.get("samples"),
        level_delta=trained.get("level_delta", LEVEL_DELTA),
    )
    split = options.split or options.default_split
    return getattr(splits, split), f"{name} {split} split"


def _first(dataset, options: DataOptions, source: str):
    available = len(dataset)
    if options.samples is not None and options.samples > available:
        raise DataError(
            f"{options.samples_option} {options.samples} is more than the {available} samples "
            f"of {source}: pass at most {available}, or leave it out to run all of them"
        )
    count = options.samples or min(options.sample_limit or available, available)
    if count == available:
        return dataset, f"{source}, all {available} samples"
    return dataset.subset(np.arange(count)), f"{source}, first {count} of {available}"


def model_inputs(graph: Graph, options: DataOptions, *, recorded: bool = False) -> ModelInputs:
    """The samples ``options`` choose for ``graph``, as spikes, with their labels.

    ``recorded``: the run will keep every layer's trains (counted in the memory check).
    """
    from pumice.data import as_spikes

    trained = graph.metadata.get("data", {})
    name = options.data or trained.get("name")
    if name is None:
        raise PumiceError(
            f"the model does not record the data it was trained on: pass {options.data_option} "
            f"(a dataset name or a .npz file of spikes)"
        )
    own = name == trained.get("name")
    steps = options.steps or graph.metadata.get("steps")
    if name.endswith(".npz"):
        dataset, source = _npz(graph, options, name, own)
        steps = dataset.num_steps
    else:
        if steps is None:
            raise PumiceError(
                f"the model does not record its time steps T, and '{name}' needs them to "
                f"become spikes: pass --steps"
            )
        dataset, source = _named(graph, options, name, own, steps)
    expected = tuple(graph.shapes()[graph.input])
    if tuple(dataset.input_shape) != expected:
        raise DataError(
            f"{source} holds samples of shape {tuple(dataset.input_shape)}, but the model's "
            f"input is {expected}: use data of the model's input shape"
        )
    _check_labels(dataset.y, num_classes(graph), source)
    dataset, source = _first(dataset, options, source)
    encoding = trained.get("encoding", "rate")
    check_run_fits(
        graph,
        len(dataset),
        steps,
        encoded=not dataset.is_spikes and encoding == "rate",
        recorded=recorded,
        run_steps=steps + model_lag(graph),
        steps_option=not dataset.is_spikes,
    )
    rate = options.max_rate if options.max_rate is not None else trained.get("max_rate", 1.0)
    min_intensity = trained.get("min_intensity", 0.0)
    spikes = as_spikes(dataset, steps, options.seed, rate, encoding, min_intensity)
    problem = graded_input_problem(graph, spikes)
    if problem is not None:
        raise DataError(f"{source} cannot feed this model: {problem}")
    return ModelInputs(spikes, dataset.y, source)


def load_inputs(graph: Graph, data: str | None = None, **options) -> tuple[np.ndarray, np.ndarray]:
    """Spikes and labels for ``graph``: :func:`model_inputs` with ``DataOptions(data, ...)``."""
    inputs = model_inputs(graph, DataOptions(data=data, **options))
    return inputs.spikes, inputs.labels


def data_file(data: str | None) -> str | None:
    """``data`` when it names a file (a ``.npz``), for the checks that keep inputs intact."""
    return data if data is not None and data.endswith(".npz") else None
