"""Synapse node kinds: dense, convolution and sum pooling, float and fixed point.

Layouts follow torch: feature maps are (channels, height, width); a dense weight is
(out, in); a conv weight is (out, in / groups, kernel_h, kernel_w) applied as a
cross-correlation. Float weights are in threshold units (SLAYER's convention); fixed-point
weights are the mantissas Lava's ProcessModels hold.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import field_checks as check
from pumice.convert.ir.fixed_point import (
    CONV_WEIGHT_RANGE,
    NUM_WEIGHT_BITS_RANGE,
    WEIGHT_EXP_RANGE,
)
from pumice.convert.ir.node import Node, register
from pumice.convert.ir.shapes import conv_output_hw, map_problem


@dataclasses.dataclass(frozen=True, eq=False)
class _DenseBase(Node):
    weight: np.ndarray
    #: Pruned: zero weights are absent synapses (Lava ``Sparse``), not stored zeros.
    sparse: bool = False

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.weight.shape[0],)

    def field_problem(self) -> str | None:
        return check.positive_shape("weight shape", self.weight.shape)

    def input_problem(self, input_shape: tuple[int, ...]) -> str | None:
        if self.weight.ndim != 2:
            return f"has a weight of shape {self.weight.shape}; a dense weight is (out, in)"
        if tuple(input_shape) != (self.weight.shape[1],):
            return (
                f"has a weight of shape {self.weight.shape}, which takes {self.weight.shape[1]} "
                f"inputs, but is fed shape {tuple(input_shape)}"
            )
        return None


@dataclasses.dataclass(frozen=True, eq=False)
class _ConvBase(Node):
    weight: np.ndarray
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1

    def field_problem(self) -> str | None:
        return check.first(
            check.positive_shape("weight shape", self.weight.shape),
            check.at_least("stride", self.stride, 1),
            check.at_least("padding", self.padding, 0),
            check.at_least("dilation", self.dilation, 1),
            check.at_least("groups", self.groups, 1),
            self._groups_problem(),
        )

    def _groups_problem(self) -> str | None:
        out_channels = self.weight.shape[0] if self.weight.ndim else 0
        if self.groups < 1 or out_channels % self.groups == 0:
            return None
        return f"has {out_channels} output channels, which {self.groups} groups do not divide"

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        kernel = tuple(self.weight.shape[2:])
        h, w = conv_output_hw(input_shape[1:], kernel, self.stride, self.padding, self.dilation)
        return (self.weight.shape[0], h, w)

    def input_problem(self, input_shape: tuple[int, ...]) -> str | None:
        if self.weight.ndim != 4:
            return f"has a weight of shape {self.weight.shape}; a conv weight is (out, in, kh, kw)"
        channels = self.weight.shape[1] * self.groups
        if len(input_shape) != 3 or input_shape[0] != channels:
            return (
                f"takes maps of {channels} channels (weight {self.weight.shape}, groups "
                f"{self.groups}) but is fed shape {tuple(input_shape)}"
            )
        return map_problem(self.output_shape(input_shape), input_shape)


@register(
    role="synapse",
    domain="float",
    connectivity="dense",
    formats=frozenset({"netx", "onnx", "nir"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class Dense(_DenseBase):
    """Float fully connected synapse: ``a = weight @ s``."""


@register(
    role="synapse",
    domain="float",
    connectivity="conv",
    formats=frozenset({"netx", "onnx", "nir"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class Conv2d(_ConvBase):
    """Float 2-D convolution synapse (cross-correlation, torch layout)."""


@register(
    role="synapse",
    domain="float",
    connectivity="pool",
    formats=frozenset({"netx", "onnx", "nir"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class SumPool2d(Node):
    """Float sum pooling with one shared weight (SLAYER's pool synapse)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] = (0, 0)
    weight: float = 1.0

    def field_problem(self) -> str | None:
        return check.first(
            check.at_least("kernel", self.kernel, 1),
            check.at_least("stride", self.stride, 1),
            check.at_least("padding", self.padding, 0),
        )

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        h, w = conv_output_hw(input_shape[1:], self.kernel, self.stride, self.padding)
        return (input_shape[0], h, w)

    def input_problem(self, input_shape: tuple[int, ...]) -> str | None:
        if len(input_shape) != 3:
            return f"pools (C, H, W) maps but is fed shape {tuple(input_shape)}"
        return map_problem(self.output_shape(input_shape), input_shape)

    def depthwise_weight(self, channels: int) -> np.ndarray:
        """The pool as a depthwise conv kernel (channels, 1, kh, kw) of its shared weight."""
        return np.full((channels, 1, *self.kernel), self.weight, dtype=np.float64)


@register(
    role="synapse",
    domain="fixed",
    connectivity="dense",
    formats=frozenset({"netx", "onnx"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class FixedDense(_DenseBase):
    """Lava ``Dense`` (fixed_pt): ``a = (weight @ s) << weight_exp`` (arithmetic shift).

    ``weight`` holds 8-bit mantissas (Loihi: sign + up to 8 magnitude bits); Lava clips
    them to 8 bits and drops ``8 - num_weight_bits`` low bits (one more when signs mix).
    """

    weight_exp: int = 0
    num_weight_bits: int = 8

    def field_problem(self) -> str | None:
        return check.first(
            super().field_problem(),
            check.dense_mantissas("weight", self.weight),
            check.integers_in("weight_exp", self.weight_exp, WEIGHT_EXP_RANGE),
            check.integers_in("num_weight_bits", self.num_weight_bits, NUM_WEIGHT_BITS_RANGE),
        )


@register(
    role="synapse",
    domain="fixed",
    connectivity="conv",
    formats=frozenset({"netx", "onnx"}),
)
@dataclasses.dataclass(frozen=True, eq=False)
class FixedConv2d(_ConvBase):
    """Lava ``Conv`` (fixed_pt): integer cross-correlation, result clamped to 24 bits.

    Lava's Conv model ignores ``weight_exp``; the Lava backend folds a non-negative
    exponent into the weights and refuses a negative one.
    """

    weight_exp: int = 0

    def field_problem(self) -> str | None:
        return check.first(
            super().field_problem(),
            check.integers_in("weight", self.weight, CONV_WEIGHT_RANGE),
            check.integers_in("weight_exp", self.weight_exp, WEIGHT_EXP_RANGE),
        )
