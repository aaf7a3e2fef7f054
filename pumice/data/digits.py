"""scikit-learn's 1,797 handwritten 8x8 digits, the dataset that needs no download."""

from __future__ import annotations

import numpy as np

from pumice.data.dataset import Dataset
from pumice.errors import DataError


def load_digits() -> Dataset:
    """The digits as (1797, 1, 8, 8) intensities in [0, 1] (pixel values 0..16 divided by 16)."""
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as err:
        raise DataError("the digits dataset needs scikit-learn: pip install scikit-learn") from err
    bunch = sklearn_load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None]
    return Dataset(x, bunch.target.astype(np.int64), "digits", 10)
