"""Reference semantics of the dense, convolution and pooling synapses (float and fixed).

A fixed-point synapse's output is what Lava sends on its int32 channel: Dense wraps its
int64 sum to int32 there, Conv clamps to 24 bits first.
"""

from __future__ import annotations

import numpy as np

from pumice.convert import event_ops, tensor_ops
from pumice.convert import lava_arithmetic as la
from pumice.convert.intervals import LineEvents
from pumice.convert.ir import Conv2d, Dense, FixedConv2d, FixedDense, SumPool2d
from pumice.convert.ir.fixed_point import STATE_BITS
from pumice.convert.semantics.registry import on_events, semantics


@semantics(Dense)
def _dense(node: Dense, x: np.ndarray) -> np.ndarray:
    return tensor_ops.dense(node.weight, x)


@semantics(FixedDense)
def _fixed_dense(node: FixedDense, x: np.ndarray) -> np.ndarray:
    weight = la.effective_dense_weights(node.weight, node.num_weight_bits)
    return la.wrap_int32(la.arithmetic_shift(tensor_ops.dense(weight, x), node.weight_exp))


@semantics(Conv2d)
def _conv(node: Conv2d, x: np.ndarray) -> np.ndarray:
    return tensor_ops.conv2d(node.weight, x, node.stride, node.padding, node.dilation, node.groups)


def _sum_bound(weight: np.ndarray, x: np.ndarray, exponent: int) -> int:
    """An upper bound of ``|conv(weight, x) << exponent|``: the largest output's summed
    ``|weight|`` times the largest ``|x|``."""
    taps = np.abs(weight).reshape(len(weight), -1).sum(axis=1).max(initial=0)
    largest = max(int(x.max(initial=0)), -int(x.min(initial=0)))
    return int(taps) * largest << max(exponent, 0)


@semantics(FixedConv2d)
def _fixed_conv(node: FixedConv2d, x: np.ndarray) -> np.ndarray:
    weight = node.weight.astype(np.int64)
    total = tensor_ops.conv2d(weight, x, node.stride, node.padding, node.dilation, node.groups)
    shifted = la.arithmetic_shift(total, node.weight_exp)
    if x.dtype.kind in "iub" and _sum_bound(weight, x, node.weight_exp) < 1 << (STATE_BITS - 1):
        return shifted  # provably nothing to wrap: skip scanning the sums
    return la.wrap_signed(shifted, STATE_BITS)


@semantics(SumPool2d)
def _sum_pool(node: SumPool2d, x: np.ndarray) -> np.ndarray:
    channels = x.shape[1]
    kernel = node.depthwise_weight(channels)
    return tensor_ops.conv2d(kernel, x, node.stride, node.padding, (1, 1), channels)


def _binned_dense_total(weight: np.ndarray, x: LineEvents) -> np.ndarray:
    """``weight @ lines`` from a router's events, each weighted by the value it carries."""
    sample, line, step = x.events()
    batch, steps = x.intervals.shape[0], x.intervals.shape[-1]
    return event_ops.dense_events(weight, batch, steps, sample, line, step, x.values())


@on_events(Dense)
def _binned_dense(node: Dense, x: LineEvents) -> np.ndarray:
    return _binned_dense_total(np.asarray(node.weight, dtype=np.float64), x)


@on_events(FixedDense)
def _binned_fixed_dense(node: FixedDense, x: LineEvents) -> np.ndarray:
    weight = la.effective_dense_weights(node.weight, node.num_weight_bits)
    return la.wrap_int32(la.arithmetic_shift(_binned_dense_total(weight, x), node.weight_exp))


def _binned_conv_total(node: Conv2d | FixedConv2d, weight: np.ndarray, x: LineEvents):
    batch, _, height, width, steps = x.intervals.shape
    return event_ops.conv_events(
        weight, (height, width), batch, steps, x.events(), node.stride, node.padding, node.dilation
    )


@on_events(Conv2d)
def _binned_conv(node: Conv2d, x: LineEvents) -> np.ndarray:
    if node.groups != 1 or x.intervals.ndim != 5:
        return _conv(node, x.dense())
    return _binned_conv_total(node, np.asarray(node.weight, dtype=np.float64), x)


@on_events(FixedConv2d)
def _binned_fixed_conv(node: FixedConv2d, x: LineEvents) -> np.ndarray:
    if node.groups != 1 or x.intervals.ndim != 5:
        return _fixed_conv(node, x.dense())
    total = _binned_conv_total(node, node.weight.astype(np.int64), x)
    return la.wrap_signed(la.arithmetic_shift(total, node.weight_exp), STATE_BITS)
