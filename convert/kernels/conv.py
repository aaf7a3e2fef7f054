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
def _scatter(acc, rows, line, plane, reach_start, reach_out, reach_tap, groups):
    """Add the taps of a spike on input ``line`` (flat (channel, row, column)) to ``acc``
    ((out rows * out columns) x out channels), through the output positions its input
    position reaches (``reach_*``, grouped by input position)."""
    per_group = rows.shape[2]
    channel, position = divmod(line, plane)
    first = (channel // (rows.shape[0] // groups)) * per_group
    taps = rows[channel]
    for k in range(reach_start[position], reach_start[position + 1]):
        target = acc[reach_out[k]]
        weights = taps[reach_tap[k]]
        for o in range(per_group):
            target[first + o] += weights[o]


@njit(parallel=True, cache=True)
def conv_current(
    x, time_major, bins, plane, rows, scale, exponent, accumulator, reach_start, reach_out,
    reach_tap, groups, out_positions, out,
):  # fmt: skip
    """Synaptic input (batch, steps, out channels * out positions) of ``x``; ``rows`` is
    (input channels, taps, out channels per group)."""
    steps, out_channels = out.shape[1], out.shape[2] // out_positions
    plane_in = len(reach_start) - 1
    for b in prange(x.shape[0]):
        xb = x[b]
        neurons = xb.shape[1] if time_major else xb.shape[0]
        lines = np.empty((steps, neurons), np.int32)
        counts = np.zeros(steps, np.int32)
        collect_lines(xb, time_major, bins, plane, lines, counts)
        acc = np.zeros((out_positions, out_channels), accumulator.dtype)
        flat = acc.reshape(-1)
        zero(out[b, 0])
        for t in range(steps - 1):
            zero(flat)
            for k in range(counts[t]):
                _scatter(
                    acc, rows, lines[t, k], plane_in, reach_start, reach_out, reach_tap, groups
                )
            target = out[b, t + 1]
            for p in range(out_positions):
                for o in range(out_channels):
                    total = np.int64(acc[p, o]) << scale
                    if exponent >= 0:
                        total = total << exponent
                    else:
                        total = total >> -exponent
                    total = ((total + _WRAP // 2) & (_WRAP - 1)) - _WRAP // 2
                    target[o * out_positions + p] = np.int32(total)


def _reach(node: FixedConv2d, in_shape: tuple[int, ...]):
    """For each input position, the output positions its spikes reach and through which
    tap (``i * kw + j``): CSR arrays (starts by input position, out position, tap)."""
    _, height, width = in_shape
    _, out_h, out_w = node.output_shape(in_shape)
    kh, kw = node.weight.shape[2:]
    oy, ox, i, j = np.meshgrid(
        np.arange(out_h), np.arange(out_w), np.arange(kh), np.arange(kw), indexing="ij"
    )
    iy = oy * node.stride[0] - node.padding[0] + i * node.dilation[0]
    ix = ox * node.stride[1] - node.padding[1] + j * node.dilation[1]
    valid = (iy >= 0) & (iy < height) & (ix >= 0) & (ix < width)
    source = (iy * width + ix)[valid]
    order = np.argsort(source, kind="stable")
    starts = np.searchsorted(source[order], np.arange(height * width + 1))
    out_position = (oy * out_w + ox)[valid][order]
    tap = (i * kw + j)[valid][order]
    return starts.astype(np.int64), out_position.astype(np.int64), tap.astype(np.int64)


def _conv_table(node: FixedConv2d) -> WeightTable | None:
    """The table ``rows[c, i * kw + j, k] = weight[g * per_group_out + k, c - g *
    per_group_in, i, j]`` (input channel ``c`` in group ``g``)."""
    weight = np.asarray(node.weight, dtype=np.int64)
    out_channels, per_group_in, kh, kw = weight.shape
    groups = int(node.groups)
    per_group_out = out_channels // groups
    grouped = weight.reshape(groups, per_group_out, per_group_in, kh * kw)
    full = grouped.transpose(0, 2, 3, 1).reshape(groups * per_group_in, kh * kw, per_group_out)
    bound = int(np.abs(weight).reshape(out_channels, -1).sum(axis=1).max(initial=0))
    return weight_table(full, (0, 1), bound)


@kernel(FixedConv2d)
def _fixed_conv(node: FixedConv2d, x: Trains) -> Current | None:
    table = prepared(node, _conv_table)
    if table is None:
        return None
    out_shape = node.output_shape(x.shape)
    reach = prepared(node, _reach, tuple(x.shape))
    out = np.empty((x.data.shape[0], x.steps, int(np.prod(out_shape))), np.int32)
    conv_current(
        x.data, x.time_major, x.bins, x.plane, table.rows, table.scale, int(node.weight_exp),
        table.accumulator, *reach, int(node.groups), int(np.prod(out_shape[1:])), out,
    )  # fmt: skip
    return Current(out, tuple(out_shape))
