"""Kernel of the fixed-point convolution synapse (Lava ``Conv``; pooling is a grouped conv).

Event-driven: each spike at (channel, row, column) adds its kernel taps to the outputs it
reaches. Sums are clamped to 24 bits and sent one step later, as Lava's Conv does (see
:func:`pumice.convert.semantics.synapses._fixed_conv`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pumice.convert.ir import FixedConv2d
from pumice.convert.ir.fixed_point import STATE_BITS
from pumice.convert.kernels.dense import zero
from pumice.convert.kernels.events import collect_lines
from pumice.convert.kernels.prepared import prepared
from pumice.convert.kernels.registry import kernel
from pumice.convert.kernels.trains import Current, Trains
from pumice.convert.kernels.weights import WeightTable, weight_table

_WRAP = 1 << STATE_BITS


@njit(cache=True)
def _scatter(acc, rows, line, geometry):
    """Add the taps of a spike on input ``line`` (flat (channel, row, column)) to ``acc``
    ((out rows * out columns) x out channels)."""
    height, width, out_h, out_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w = geometry
    per_group, out_channels = rows.shape[3], acc.shape[1]
    channel, position = divmod(line, height * width)
    row, column = divmod(position, width)
    first = (channel // (rows.shape[0] // (out_channels // per_group))) * per_group
    for i in range(rows.shape[1]):
        reach_h = row + pad_h - i * dil_h
        if reach_h < 0 or reach_h % stride_h != 0 or reach_h // stride_h >= out_h:
            continue
        for j in range(rows.shape[2]):
            reach_w = column + pad_w - j * dil_w
            if reach_w < 0 or reach_w % stride_w != 0 or reach_w // stride_w >= out_w:
                continue
            target = acc[(reach_h // stride_h) * out_w + reach_w // stride_w]
            taps = rows[channel, i, j]
            for k in range(per_group):
                target[first + k] += taps[k]


@njit(parallel=True, cache=True)
def conv_current(x, time_major, bins, plane, rows, scale, exponent, accumulator, geometry, out):
    """Synaptic input (batch, steps, out channels * out rows * out columns) of ``x``;
    ``rows`` is (input channels, kh, kw, out channels per group)."""
    steps = out.shape[1]
    out_h, out_w = geometry[2], geometry[3]
    out_channels = out.shape[2] // (out_h * out_w)
    for b in prange(x.shape[0]):
        xb = x[b]
        neurons = xb.shape[1] if time_major else xb.shape[0]
        lines = np.empty((steps, neurons), np.int32)
        counts = np.zeros(steps, np.int32)
        collect_lines(xb, time_major, bins, plane, lines, counts)
        acc = np.zeros((out_h * out_w, out_channels), accumulator.dtype)
        flat = acc.reshape(-1)
        zero(out[b, 0])
        for t in range(steps - 1):
            zero(flat)
            for k in range(counts[t]):
                _scatter(acc, rows, lines[t, k], geometry)
            target = out[b, t + 1]
            for p in range(out_h * out_w):
                for o in range(out_channels):
                    total = np.int64(acc[p, o]) << scale
                    if exponent >= 0:
                        total = total << exponent
                    else:
                        total = total >> -exponent
                    total = (total + _WRAP // 2) % _WRAP - _WRAP // 2
                    target[o * out_h * out_w + p] = np.int32(total)


def _conv_table(node: FixedConv2d) -> WeightTable | None:
    """The table ``rows[c, i, j, k] = weight[g * per_group_out + k, c - g * per_group_in, i,
    j]`` (input channel c in group g)."""
    weight = np.asarray(node.weight, dtype=np.int64)
    out_channels, per_group_in = weight.shape[:2]
    groups = int(node.groups)
    per_group_out = out_channels // groups
    grouped = weight.reshape(groups, per_group_out, per_group_in, *weight.shape[2:])
    full = grouped.transpose(0, 2, 3, 4, 1).reshape(groups * per_group_in, *weight.shape[2:], -1)
    bound = int(np.abs(weight).reshape(out_channels, -1).sum(axis=1).max(initial=0))
    return weight_table(full, (0, 1, 2), bound)


@kernel(FixedConv2d)
def _fixed_conv(node: FixedConv2d, x: Trains) -> Current | None:
    table = prepared(node, _conv_table)
    if table is None:
        return None
    channels, height, width = x.shape
    out_shape = node.output_shape(x.shape)
    geometry = (
        height,
        width,
        out_shape[1],
        out_shape[2],
        *node.stride,
        *node.padding,
        *node.dilation,
    )
    geometry = tuple(int(value) for value in geometry)
    out = np.empty((x.data.shape[0], x.steps, int(np.prod(out_shape))), np.int32)
    conv_current(
        x.data, x.time_major, x.bins, x.plane, table.rows, table.scale, int(node.weight_exp),
        table.accumulator, geometry, out,
    )  # fmt: skip
    return Current(out, tuple(out_shape))
