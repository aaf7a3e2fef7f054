"""Numeric options with their ranges: one rule each, used by the CLI and the Python API.

A :class:`IntRange` or :class:`FloatRange` is an argparse ``type`` (its error names the
range and what was given) and checks values passed from Python the same way.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable

from pumice.errors import PumiceError


class _Range:
    """A range's two uses: an argparse ``type`` and a check of a value from Python.

    Subclasses say what they hold (``describe``), why a value is out (``problem``) and
    how text becomes a number (``parse``)."""

    parse: Callable[[str], int | float]

    def describe(self) -> str:
        raise NotImplementedError

    def problem(self, value: object) -> str | None:
        raise NotImplementedError

    def __call__(self, text: str) -> int | float:
        try:
            value = type(self).parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {self.describe()}, got '{text}'") from None
        problem = self.problem(value)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    def check(self, option: str, value: object) -> None:
        """Raise :class:`PumiceError` naming ``option`` unless ``value`` is in the range."""
        problem = self.problem(value)
        if problem:
            raise PumiceError(f"{option} {problem}")


@dataclasses.dataclass(frozen=True)
class IntRange(_Range):
    """Integers from ``low`` to ``high`` (None: no upper bound)."""

    parse = int

    low: int
    high: int | None = None

    def describe(self) -> str:
        if self.high is None:
            return f"an integer >= {self.low}"
        return f"an integer from {self.low} to {self.high}"

    def problem(self, value: object) -> str | None:
        """Why ``value`` is not in the range, or None."""
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be {self.describe()}, got {value!r}"
        if value < self.low or (self.high is not None and value > self.high):
            return f"must be {self.describe()}, got {value}"
        return None


@dataclasses.dataclass(frozen=True)
class FloatRange(_Range):
    """Finite numbers between ``low`` and ``high``, each end open or closed."""

    parse = float

    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        left = f"> {self.low:g}" if self.low_open else f">= {self.low:g}"
        if math.isinf(self.high):
            return f"a number {left}"
        right = f"< {self.high:g}" if self.high_open else f"<= {self.high:g}"
        return f"a number {left} and {right}"

    def problem(self, value: object) -> str | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return f"must be {self.describe()}, got {value!r}"
        below = value <= self.low if self.low_open else value < self.low
        above = value >= self.high if self.high_open else value > self.high
        return f"must be {self.describe()}, got {value:g}" if below or above else None


#: Sample counts, time steps and similar counts.
COUNT = IntRange(1)
#: Seeds numpy's generators accept.
SEED = IntRange(0, 2**32 - 1)
#: A rate encoder's largest spike probability per step.
RATE = FloatRange(0.0, 1.0, low_open=True)
#: Seconds per step of a NIR model.
SECONDS = FloatRange(0.0, low_open=True)
#: Weight bits of a Loihi synapse.
WEIGHT_BITS = IntRange(1, 8)
#: Fraction of weights to prune.
FRACTION = FloatRange(0.0, 1.0, high_open=True)
#: A magnitude (ISI tolerance).
MAGNITUDE = FloatRange(0.0)
#: Payload bits of a graded spike (Lava's Dense takes up to 31).
PAYLOAD_BITS = IntRange(1, 31)


@dataclasses.dataclass(frozen=True)
class PowerOfTwo(IntRange):
    """Powers of two from ``low``."""

    def describe(self) -> str:
        return f"a power of two >= {self.low}"

    def problem(self, value: object) -> str | None:
        problem = super().problem(value)
        if problem is None and value & (value - 1):
            return f"must be {self.describe()}, got {value}"
        return problem


#: Integer units per threshold unit.
SCALE = PowerOfTwo(1)
