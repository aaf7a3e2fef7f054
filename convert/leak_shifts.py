"""Decays rounded to powers of two, so leaks become right shifts (BPSR's post-training step).

A decay fraction ``d`` becomes the shift ``m = round(-log2 d)`` (``d = 0``: no leak), and
the neuron becomes a :class:`~pumice.convert.ir.FixedShiftLIF` computing
``v - (v >> m)`` (a recurrent one a :class:`~pumice.convert.ir.FixedRecurrentShiftLIF`).
Decays may be per neuron, so are the shifts. Used by the ``shift_leak`` pass (on fixed
graphs) and by the quantiser (``leak="shift"``, which per-neuron float decays need).
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import FixedRecurrentShiftLIF, FixedShiftLIF
from pumice.convert.ir.fixed_point import NO_LEAK


def decay_to_shift(decay: float) -> int:
    """The shift whose leak ``2**-shift`` is nearest to ``decay`` in log scale."""
    return int(decays_to_shifts(decay))


def decays_to_shifts(decay: float | np.ndarray) -> np.ndarray:
    """:func:`decay_to_shift` of every element (a per-neuron array or a scalar)."""
    decay = np.asarray(decay, dtype=np.float64)
    with np.errstate(divide="ignore"):
        shift = np.clip(np.round(-np.log2(np.maximum(decay, 0.0))), 0, NO_LEAK - 1)
    return np.where(decay <= 0, NO_LEAK, shift).astype(np.int64)


def shift_to_decay(shift: int) -> float:
    """The leak fraction a shift stands for (0 for :data:`NO_LEAK`)."""
    return 0.0 if shift >= NO_LEAK else 2.0**-shift


def _listed(values: np.ndarray):
    """One number when every neuron shares it, else the per-neuron list (for reports)."""
    values = np.asarray(values)
    if values.size and np.all(values == values.flat[0]):
        return values.flat[0].item()
    return values.tolist()


def shift_neuron(
    name: str, current_decay, voltage_decay, **fields
) -> tuple[FixedShiftLIF | FixedRecurrentShiftLIF, dict]:
    """A shift-leak neuron for decay fractions (scalars or per neuron) and its report entry.

    ``fields`` are the new node's other fields (``shape``, ``vth``, bias, and the
    recurrent ones for a recurrent layer, which then becomes a
    :class:`FixedRecurrentShiftLIF`).
    """
    shift_u, shift_v = decays_to_shifts(current_decay), decays_to_shifts(voltage_decay)
    kind = FixedRecurrentShiftLIF if "recurrent_weight" in fields else FixedShiftLIF
    node = kind(shift_u=shift_u, shift_v=shift_v, **fields)
    rounded = np.vectorize(shift_to_decay, otypes=[np.float64])
    change = {
        "layer": name,
        "current_decay": [_listed(current_decay), _listed(rounded(shift_u))],
        "voltage_decay": [_listed(voltage_decay), _listed(rounded(shift_v))],
        "shifts": [_listed(shift_u), _listed(shift_v)],
    }
    return node, change
