"""Per-feature min-max scaling fitted on the training split only."""

from __future__ import annotations

import numpy as np

from pumice.data.dataset import Dataset
from pumice.data.splits import Splits


def rescale_to_train(splits: Splits) -> Splits:
    """Scale every feature by its training-split min and max; val and test clipped to [0, 1].

    A feature constant on the training split becomes 0.
    """
    low, high = splits.train.x.min(axis=0), splits.train.x.max(axis=0)
    varies = high > low
    span = np.where(varies, high - low, 1)

    def rescale(data: Dataset) -> Dataset:
        x = np.where(varies, np.clip((data.x - low) / span, 0, 1), 0).astype(np.float32)
        return Dataset(x, data.y, data.name, data.num_classes)

    return Splits(rescale(splits.train), rescale(splits.val), rescale(splits.test))
