"""A labelled set of samples: intensities in [0, 1] or spikes already encoded in time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pumice.errors import DataError


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples ``x`` with labels ``y``.

    ``x`` is either float32 intensities in [0, 1] shaped (N, *input_shape) (images are
    (N, 1, H, W)) or uint8 spikes of 0/1 shaped (N, *input_shape, T). ``y`` holds int64
    labels in [0, num_classes).
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    num_classes: int

    def __post_init__(self) -> None:
        _validate(self)

    def __len__(self) -> int:
        return len(self.y)

    @property
    def is_spikes(self) -> bool:
        """Whether ``x`` holds 0/1 spikes with a trailing time axis."""
        return self.x.dtype == np.uint8

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample, without the sample axis and without the time axis."""
        return self.x.shape[1:-1] if self.is_spikes else self.x.shape[1:]

    @property
    def num_steps(self) -> int | None:
        """Number of time steps T of spike data, None for intensities."""
        return self.x.shape[-1] if self.is_spikes else None

    def subset(self, indices: np.ndarray) -> Dataset:
        """The samples at ``indices``, with the same name and number of classes."""
        return Dataset(self.x[indices], self.y[indices], self.name, self.num_classes)


def _validate(data: Dataset) -> None:
    """Raise a DataError if ``data`` breaks one of the invariants of Dataset."""
    x, y, name = data.x, data.y, data.name
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):
        raise DataError(f"dataset '{name}': x and y must be numpy arrays, convert them first")
    if y.ndim != 1 or y.dtype != np.int64:
        raise DataError(
            f"dataset '{name}': y must be 1-D int64 labels, got {y.dtype} of shape {y.shape}"
        )
    if len(x) != len(y):
        raise DataError(
            f"dataset '{name}' has {len(x)} samples but {len(y)} labels: give one label per sample"
        )
    if len(y) == 0:
        raise DataError(f"dataset '{name}' is empty: give it at least one sample")
    if not isinstance(data.num_classes, int) or data.num_classes < 1:
        raise DataError(f"dataset '{name}': num_classes must be a positive int")
    if y.min() < 0 or y.max() >= data.num_classes:
        raise DataError(
            f"dataset '{name}' has labels outside [0, {data.num_classes}): "
            f"got {y.min()}..{y.max()}, relabel them as 0..num_classes-1"
        )
    if x.dtype == np.uint8:
        if x.ndim < 3 or x.max() > 1:
            raise DataError(
                f"dataset '{name}': uint8 x must be 0/1 spikes shaped (N, *input_shape, T)"
            )
    elif x.dtype == np.float32:
        if x.ndim < 2 or not (x.min() >= 0 and x.max() <= 1):
            raise DataError(
                f"dataset '{name}': float32 x must be intensities in [0, 1] shaped (N, ...)"
            )
    else:
        raise DataError(
            f"dataset '{name}': x has dtype {x.dtype}, use float32 intensities or uint8 spikes"
        )
