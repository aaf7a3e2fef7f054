"""The conversion steps, found by name, and the state they pass along.

A step is ``fn(state, config) -> str | None``: it updates ``state`` (the graph, the
report) and says in one line what it changed, or returns None when it had nothing to do
(the run then leaves it out of its table). :data:`STANDARD_STEPS` is the order
``pumice convert`` runs them in (FINN's ``build_dataflow`` steps are the model).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from pumice.convert.ir import Graph

#: Step name -> step function.
STEPS: dict[str, Callable] = {}
#: The steps of a conversion, in order; ``load`` and ``write`` always run.
STANDARD_STEPS = (
    "load",
    "lower_isi",
    "prune",
    "quantize",
    "trim_isi_bins",
    "shift_leak",
    "check",
    "write",
)


def step(name: str) -> Callable[[Callable], Callable]:
    """Decorator: register ``fn`` as the conversion step ``name``."""

    def add(fn: Callable) -> Callable:
        STEPS[name] = fn
        return fn

    return add


@dataclasses.dataclass
class ConversionState:
    """What the steps read and write as a conversion runs."""

    #: The graph as the last step left it.
    graph: Graph | None = None
    #: Calibration input spikes (samples, *input shape, T) and labels, or None.
    spikes: np.ndarray | None = None
    labels: np.ndarray | None = None
    #: The report sections the steps add (their passes' reports, design rules, ...).
    report: dict = dataclasses.field(default_factory=dict)
