"""IMSNN node kinds: ISI-modulated synapses and the binner that lowers them.

The synapses follow Adams et al., "Synaptic modulation using interspike intervals
increases energy efficiency of spiking neural networks": a synapse's weight is a Gaussian
of its presynaptic neuron's inter-spike interval.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from pumice.convert.ir import field_checks as check
from pumice.convert.ir.node import Node, register
from pumice.convert.ir.shapes import conv_output_hw
from pumice.errors import ModelError


@dataclasses.dataclass(frozen=True, eq=False)
class _ISIBase(Node):
    """Shared fields of the ISI-modulated synapses.

    Each presynaptic neuron ``j`` holds the time of its last spike, starting at 0. A
    spike at run step ``n`` (0-based; time ``n + 1``) has the inter-spike interval
    ``isi = n + 1 - last_j`` (so a first spike at step ``n`` has ``isi = n + 1``) and
    sets ``last_j = n + 1``. It contributes ``height * exp(-(isi - mean)**2 / (2 *
    width**2))`` through every synapse it drives; a step without a spike contributes 0.
    ``mean`` and ``width`` are (out, in); ``width`` must be positive, all values finite.
    """

    height: np.ndarray
    mean: np.ndarray
    width: np.ndarray

    #: Dimensions of ``height``: (out, in) for dense, (out, in, kh, kw) for conv.
    height_dims: ClassVar[int] = 2

    def __post_init__(self) -> None:
        kind = type(self).__name__
        arrays = {"height": self.height, "mean": self.mean, "width": self.width}
        for field, value in arrays.items():
            if not isinstance(value, np.ndarray) or not np.all(np.isfinite(value)):
                raise ModelError(f"{kind}: {field} must be an array of finite numbers")
        if self.height.ndim != self.height_dims:
            raise ModelError(
                f"{kind}: height has {self.height.ndim} dimensions, expected {self.height_dims}"
            )
        pairs = self.height.shape[:2]
        for field in ("mean", "width"):
            if arrays[field].shape != pairs:
                raise ModelError(
                    f"{kind}: {field} has shape {arrays[field].shape}; it needs one value per "
                    f"(out, in) pair, shape {pairs}"
                )
        if self.width.size and self.width.min() <= 0:
            raise ModelError(
                f"{kind}: widths must be positive, got a smallest width of {self.width.min():g}"
            )

    def input_problem(self, input_shape: tuple[int, ...]) -> str | None:
        expected = 1 if self.height_dims == 2 else 3
        fed = input_shape[0] if input_shape else None
        if len(input_shape) != expected or fed != self.height.shape[1]:
            return (
                f"has {self.height.shape[1]} inputs (height {self.height.shape}) but is fed "
                f"a map of shape {tuple(input_shape)}"
            )
        return None


@register(role="synapse", domain="float", connectivity="dense", isi=True, lowered_by="lower_isi")
@dataclasses.dataclass(frozen=True, eq=False)
class ISIDense(_ISIBase):
    """Float ISI-modulated dense synapse; ``height``, ``mean``, ``width`` are (out, in)."""

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.height.shape[0],)


@register(role="synapse", domain="float", connectivity="conv", isi=True, lowered_by="lower_isi")
@dataclasses.dataclass(frozen=True, eq=False)
class ISIConv2d(_ISIBase):
    """Float ISI-modulated convolution: ``height`` is (out, in, kh, kw); ``mean`` and
    ``width`` are (out, in), one per kernel, shared by all its positions."""

    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)

    height_dims: ClassVar[int] = 4

    def field_problem(self) -> str | None:
        return check.first(
            check.at_least("stride", self.stride, 1), check.at_least("padding", self.padding, 0)
        )

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        kernel = tuple(self.height.shape[2:])
        h, w = conv_output_hw(input_shape[1:], kernel, self.stride, self.padding)
        return (self.height.shape[0], h, w)


@register(role="router", domain="structural")
@dataclasses.dataclass(frozen=True, eq=False)
class ISIBinner(Node):
    """Route each spike to one of ``num_bins`` lines by its inter-spike interval.

    ISIs follow :class:`ISIDense`'s convention. A spike of input ``j`` (or channel ``c``
    of a map) with ``isi <= num_bins`` leaves on line ``j * num_bins + isi - 1`` (channel
    ``c * num_bins + isi - 1``) in the same step; a longer ISI is dropped. A (C, H, W)
    map becomes (C * num_bins, H, W), a vector (N,) becomes (N * num_bins,). Followed by a
    standard synapse it computes an ISI-modulated synapse exactly for integer ISIs.
    """

    num_bins: int

    def __post_init__(self) -> None:
        if isinstance(self.num_bins, bool) or not isinstance(self.num_bins, int | np.integer):
            raise ModelError(f"ISIBinner: num_bins must be an integer, got {self.num_bins!r}")
        if self.num_bins < 1:
            raise ModelError(f"ISIBinner: num_bins must be at least 1, got {self.num_bins}")

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (input_shape[0] * self.num_bins, *input_shape[1:])
