"""Quantisers of the float synapses: Dense -> FixedDense, Conv2d and SumPool2d -> FixedConv2d."""

from __future__ import annotations

from pumice.convert.ir import Conv2d, Dense, FixedConv2d, FixedDense, SumPool2d
from pumice.convert.quantizers.registry import QuantizeContext, quantizer
from pumice.convert.weight_format import grid_format


def fixed_dense(integer, step: int, bits: int, sparse: bool, shift: int = 0) -> FixedDense:
    """Integer weights on a ``bits``-bit grid of ``step`` as Lava Dense mantissas; ``shift``
    lowers the exponent (the payload bits of graded input spikes)."""
    fmt = grid_format(integer, bits, step)
    return FixedDense(
        fmt.mantissa,
        sparse=sparse,
        weight_exp=fmt.exponent - shift,
        num_weight_bits=fmt.num_weight_bits,
    )


@quantizer(Dense)
def _dense(name: str, node: Dense, context: QuantizeContext) -> FixedDense:
    integer, step = context.grid(name)
    shift = context.input_shift.get(name, 0)
    return fixed_dense(integer, step, context.weight_bits, node.sparse, shift)


@quantizer(Conv2d)
def _conv(name: str, node: Conv2d, context: QuantizeContext) -> FixedConv2d:
    # Lava's Conv ignores weight_exp: the grid is stored as plain integer weights.
    integer, _ = context.grid(name)
    return FixedConv2d(
        integer,
        stride=node.stride,
        padding=node.padding,
        dilation=node.dilation,
        groups=node.groups,
    )


@quantizer(SumPool2d)
def _pool(name: str, node: SumPool2d, context: QuantizeContext) -> FixedConv2d:
    integer, _ = context.grid(name)
    return FixedConv2d(integer, stride=node.stride, padding=node.padding, groups=integer.shape[0])
