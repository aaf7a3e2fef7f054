"""Numeric options with their ranges: one rule each, used by the CLI and the Python API.

A :class:`IntRange` or :class:`FloatRange` is an argparse ``type`` (its error names the
range and what was given) and checks values passed from Python the same way.
"""

from __future__ import annotations

import argparse
import dataclasses
import math

from pumice.errors import PumiceError


@dataclasses.dataclass(frozen=True)
class IntRange:
    """Integers from ``low`` to ``high`` (None: no upper bound)."""

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

    def __call__(self, text: str) -> int:
        try:
            value = int(text)
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
class FloatRange:
    """Finite numbers between ``low`` and ``high``, each end open or closed."""

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

    def __call__(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {self.describe()}, got '{text}'") from None
        problem = self.problem(value)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    def check(self, option: str, value: object) -> None:
        problem = self.problem(value)
        if problem:
            raise PumiceError(f"{option} {problem}")


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
