"""Reference semantics of the structural kinds: the input and reshapes."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import Flatten, Input
from pumice.convert.semantics.registry import semantics


@semantics(Input)
def _input(node: Input, spikes: np.ndarray) -> np.ndarray:
    return spikes


@semantics(Flatten)
def _flatten(node: Flatten, x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], -1, x.shape[-1])
