"""Checks of a node's own field values, shared by the kinds' ``field_problem`` methods.

Each returns a phrase that completes "layer 'name' (Kind) ..." when the value is wrong, or
None. Types and finiteness are checked before (:func:`~.validate.attribute_problem`).
"""

from __future__ import annotations

import numbers

import numpy as np

from pumice.convert.ir.fixed_point import (
    BIAS_EXP_RANGE,
    BIAS_MANT_RANGE,
    DU_RANGE,
    DV_RANGE,
    dense_mantissa_range,
)


def _span(lowest: int, highest: int) -> str:
    return str(lowest) if lowest == highest else f"[{lowest}, {highest}]"


def integers_in(field: str, value, bounds: tuple[int, int]) -> str | None:
    """``value`` (an integer or an array of them) must lie within ``bounds``, inclusive."""
    low, high = bounds
    if isinstance(value, numbers.Integral):
        lowest = highest = int(value)
    else:
        array = np.asarray(value)
        if array.dtype.kind not in "iu":
            return f"has {field} of {array.dtype} values; it holds integers"
        if array.size == 0:
            return None
        lowest, highest = int(array.min()), int(array.max())
    if low <= lowest and highest <= high:
        return None
    return f"has {field} = {_span(lowest, highest)}, outside Lava's range [{low}, {high}]"


def dense_mantissas(field: str, weight: np.ndarray) -> str | None:
    """Integer mantissas that Lava's Dense holds without clipping them (per sign mode)."""
    if weight.dtype.kind not in "iu":
        return f"has {field} of {weight.dtype} values; it holds integers"
    if weight.size == 0:
        return None
    lowest, highest = int(weight.min()), int(weight.max())
    return integers_in(f"{field} mantissas", weight, dense_mantissa_range(lowest, highest))


def at_least(field: str, values, low: int) -> str | None:
    """Every integer of ``values`` (a number or a tuple) is at least ``low``."""
    items = values if isinstance(values, tuple | list) else (values,)
    if all(item >= low for item in items):
        return None
    return f"has {field} {tuple(items) if len(items) > 1 else items[0]}; each must be >= {low}"


def fits_neurons(field: str, value, shape: tuple[int, ...]) -> str | None:
    """``value`` broadcasts over neurons of ``shape`` (one value, or one per neuron)."""
    try:
        np.broadcast_to(np.asarray(value), tuple(shape))
    except ValueError:
        return (
            f"has {field} of shape {np.shape(value)}, which does not fit neurons of shape {shape}"
        )
    return None


def first(*problems: str | None) -> str | None:
    """The first problem found, or None."""
    return next((problem for problem in problems if problem is not None), None)


def positive_shape(field: str, shape: tuple[int, ...]) -> str | None:
    """A shape of at least one dimension, every size at least 1."""
    if len(shape) == 0:
        return f"has an empty {field}"
    return at_least(field, tuple(shape), 1)


def decays(node) -> str | None:
    """``du`` and ``dv`` of a fixed-point neuron with Lava's multiplier decay."""
    return first(integers_in("du", node.du, DU_RANGE), integers_in("dv", node.dv, DV_RANGE))


def fixed_bias(node) -> str | None:
    """``bias_mant`` (one per neuron, or one for all) and ``bias_exp`` of a fixed neuron."""
    return first(
        fits_neurons("bias_mant", node.bias_mant, node.shape),
        integers_in("bias_mant", node.bias_mant, BIAS_MANT_RANGE),
        integers_in("bias_exp", node.bias_exp, BIAS_EXP_RANGE),
    )
