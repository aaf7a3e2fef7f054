"""The entry point: a dataset name or .npz path in, deterministic splits out."""

from __future__ import annotations

from pumice.data.digits import load_digits
from pumice.data.mnist import load_fashion_mnist, load_mnist
from pumice.data.mnist5k import load_mnist5k
from pumice.data.npz import load_npz
from pumice.data.splits import Splits, split_three_way, split_with_test
from pumice.errors import DataError

_WITH_TEST_SPLIT = {"fashion-mnist": load_fashion_mnist, "mnist": load_mnist}
_WITHOUT_TEST_SPLIT = {"mnist5k": load_mnist5k, "digits": load_digits}
DATASET_NAMES = (*_WITH_TEST_SPLIT, *_WITHOUT_TEST_SPLIT)


def load_splits(
    name_or_path: str, root: str | None = None, val_fraction: float = 0.1, seed: int = 0
) -> Splits:
    """Load a dataset by name (see DATASET_NAMES) or a ``.npz`` path and split it.

    ``root`` is the directory of fashion-mnist or mnist. Official test splits are kept; the
    other datasets give 20 % to test. ``val_fraction`` of the rest goes to validation.
    """
    if name_or_path in _WITH_TEST_SPLIT:
        train, test = _WITH_TEST_SPLIT[name_or_path](root)
        return split_with_test(train, test, val_fraction, seed)
    is_npz = name_or_path.endswith(".npz")
    if not is_npz and name_or_path not in _WITHOUT_TEST_SPLIT:
        raise DataError(
            f"unknown dataset '{name_or_path}': use one of {', '.join(DATASET_NAMES)} "
            "or a path ending in .npz"
        )
    if root is not None:
        raise DataError(
            f"root is only used by fashion-mnist and mnist: drop it for '{name_or_path}'"
        )
    data = load_npz(name_or_path) if is_npz else _WITHOUT_TEST_SPLIT[name_or_path]()
    return split_three_way(data, val_fraction, seed)
