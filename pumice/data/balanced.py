"""Capping a data set at a number of samples while keeping its classes balanced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pumice.errors import DataError

Item = TypeVar("Item")


def take_round_robin(
    by_class: Sequence[Sequence[Item]], limit: int | None
) -> list[tuple[int, Item]]:
    """(label, item) pairs taking one item of each class in turn, at most ``limit`` in all.

    ``by_class[label]`` lists a class's items in a fixed order; ``None`` takes them all.
    Classes that run out are skipped, so the first ``limit`` pairs stay as balanced as
    the classes allow.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise DataError(f"samples must be an integer >= 1, got {limit!r}")
    longest = max((len(items) for items in by_class), default=0)
    pairs = [
        (label, items[i])
        for i in range(longest)
        for label, items in enumerate(by_class)
        if i < len(items)
    ]
    return pairs if limit is None else pairs[:limit]
