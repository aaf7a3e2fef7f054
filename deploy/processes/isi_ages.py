"""The per-neuron ISI age counter of pumice's ISI processes (binner, payload router)."""

from __future__ import annotations

import numpy as np
from lava.magma.core.model.py.model import PyLoihiProcessModel


def step_ages(model: PyLoihiProcessModel, spiked: np.ndarray, longest: int) -> np.ndarray:
    """Each neuron's steps since its last spike, this step, saturating one past
    ``longest`` (past it the exact count is not needed); ``model.age`` keeps what the next
    step starts from (0 where ``spiked``). At every ``reset_interval`` steps from
    ``reset_step`` a new sample starts, silent until now: ages restart from ``reset_step``."""
    interval, start = model.proc_params["reset_interval"], model.proc_params["reset_step"]
    if interval and (model.time_step - 1) % interval == start:
        model.age[:] = min(start, longest + 1)
    age = np.minimum(model.age + 1, longest + 1)
    model.age[:] = np.where(spiked, 0, age)
    return age
