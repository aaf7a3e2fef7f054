"""The entry point: a dataset name or .npz path in, deterministic splits out."""

from __future__ import annotations

from collections.abc import Callable

from pumice.data.dataset import Dataset
from pumice.data.digits import load_digits
from pumice.data.gas_sensor import load_gas_sensor
from pumice.data.minmax import rescale_to_train
from pumice.data.mitbih import load_mitbih
from pumice.data.mnist import load_fashion_mnist, load_mnist
from pumice.data.mnist5k import load_mnist5k
from pumice.data.nmnist import load_nmnist
from pumice.data.npz import load_npz
from pumice.data.splits import Splits, split_three_way, split_with_test
from pumice.data.synthetic_ecg import load_synthetic_ecg
from pumice.errors import DataError

#: Level spacing (mV) of the level-crossing encoded ECG sets when none is given.
LEVEL_DELTA = 0.05

Loaded = Dataset | tuple[Dataset, Dataset]
#: name -> loader(root, steps, samples, level_delta, seed); a (train, test) pair keeps its test.
_LOADERS: dict[str, Callable[..., Loaded]] = {
    "fashion-mnist": lambda root, steps, samples, delta, seed: load_fashion_mnist(root),
    "mnist": lambda root, steps, samples, delta, seed: load_mnist(root),
    "mnist5k": lambda root, steps, samples, delta, seed: load_mnist5k(),
    "digits": lambda root, steps, samples, delta, seed: load_digits(),
    "nmnist": lambda root, steps, samples, delta, seed: load_nmnist(root, steps, samples),
    "mitbih": lambda root, steps, samples, delta, seed: load_mitbih(root, steps, delta, samples),
    "gas-sensor": lambda root, steps, samples, delta, seed: load_gas_sensor(root, samples),
    "synthetic-ecg": lambda root, steps, samples, delta, seed: load_synthetic_ecg(
        steps, delta, samples, seed
    ),
}
DATASET_NAMES = tuple(_LOADERS)
_WITH_ROOT = ("fashion-mnist", "mnist", "nmnist", "mitbih", "gas-sensor")
_WITH_SAMPLES = ("nmnist", "mitbih", "gas-sensor", "synthetic-ecg")


def load_splits(
    name_or_path: str,
    root: str | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
    *,
    steps: int | None = None,
    samples: int | None = None,
    level_delta: float = LEVEL_DELTA,
) -> Splits:
    """Load a dataset by name (see DATASET_NAMES) or a ``.npz`` path and split it.

    ``root`` is the directory of the datasets read from files (fashion-mnist defaults to
    the Debian package's). Official test splits (fashion-mnist, mnist, nmnist) are kept;
    the other datasets give 20 % to test. ``val_fraction`` of the rest goes to validation.
    ``seed`` also seeds synthetic-ecg's generator. ``steps`` is the number of time bins of
    the datasets that come as spikes (nmnist, mitbih, synthetic-ecg), ``level_delta`` the
    level spacing of the ECG sets. ``samples`` is the size of synthetic-ecg or a cap on
    nmnist (per split), mitbih and gas-sensor (classes taken in turn). Gas-sensor features
    are min-max scaled on the training split.
    """
    is_npz = name_or_path.endswith(".npz")
    if not is_npz and name_or_path not in _LOADERS:
        raise DataError(
            f"unknown dataset '{name_or_path}': use one of {', '.join(DATASET_NAMES)} "
            "or a path ending in .npz"
        )
    if root is not None and name_or_path not in _WITH_ROOT:
        raise DataError(
            f"root is only used by {', '.join(_WITH_ROOT)}: drop it for '{name_or_path}'"
        )
    if samples is not None and name_or_path not in _WITH_SAMPLES:
        raise DataError(
            f"samples is only used by {', '.join(_WITH_SAMPLES)}: drop it for '{name_or_path}'"
        )
    if is_npz:
        return split_three_way(load_npz(name_or_path), val_fraction, seed)
    loaded = _LOADERS[name_or_path](root, steps, samples, level_delta, seed)
    if isinstance(loaded, tuple):
        return split_with_test(*loaded, val_fraction, seed)
    splits = split_three_way(loaded, val_fraction, seed)
    return rescale_to_train(splits) if name_or_path == "gas-sensor" else splits
