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
    ``mean`` and ``width`` are (out, in) (see :class:`ISIDense` for shared ones);
    ``width`` must be positive, all values finite.

    The ISI range a chip deploys (``max_isi``, ``bin_width``): a spike whose ISI exceeds
    ``max_isi`` contributes 0; ISIs ``b * w + 1 .. (b + 1) * w`` all use the Gaussian at
    their bin's centre ``b * w + (w + 1) / 2`` (``w = bin_width``; 1 keeps every ISI).
    """

    height: np.ndarray
    mean: np.ndarray
    width: np.ndarray
    #: Largest ISI that contributes (None: every ISI). Keyword only, as ``bin_width``.
    max_isi: int | None = dataclasses.field(default=None, kw_only=True)
    #: ISI steps per bin; 1: the Gaussian at the ISI itself.
    bin_width: int = dataclasses.field(default=1, kw_only=True)

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
        for field in ("mean", "width"):
            problem = self._tuning_problem(arrays[field].shape)
            if problem:
                raise ModelError(f"{kind}: {field} has shape {arrays[field].shape}; {problem}")
        if self.width.size and self.width.min() <= 0:
            raise ModelError(
                f"{kind}: widths must be positive, got a smallest width of {self.width.min():g}"
            )
        for field, low in (("max_isi", 1), ("bin_width", 1)):
            value = getattr(self, field)
            if value is None and field == "max_isi":
                continue
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise ModelError(f"{kind}: {field} must be an integer >= {low}, got {value!r}")
        if self.max_isi is not None and self.max_isi % self.bin_width:
            raise ModelError(
                f"{kind}: max_isi {self.max_isi} is not a whole number of bins of "
                f"{self.bin_width} steps"
            )

    def _tuning_problem(self, shape: tuple[int, ...]) -> str | None:
        pairs = self.height.shape[:2]
        if shape != pairs:
            return f"it needs one value per (out, in) pair, shape {pairs}"
        return None

    @property
    def groups(self) -> int:
        """Tunings per presynaptic neuron (the number of outputs: one per synapse)."""
        return int(self.mean.shape[0])

    def tuning(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and width of every (out, in) pair, shared ones repeated over their block."""
        repeat = self.height.shape[0] // self.groups
        return np.repeat(self.mean, repeat, axis=0), np.repeat(self.width, repeat, axis=0)

    def centre(self, isi) -> np.ndarray:
        """The ISI each ISI stands for: its bin's centre (the ISI itself for 1-step bins)."""
        isi = np.asarray(isi, dtype=np.float64)
        if self.bin_width == 1:
            return isi
        width = self.bin_width
        return np.floor((isi - 1) / width) * width + (width + 1) / 2

    def contributes(self, isi) -> np.ndarray:
        """Whether a spike of this ISI contributes (within ``max_isi``)."""
        isi = np.asarray(isi)
        return np.ones(isi.shape, bool) if self.max_isi is None else isi <= self.max_isi

    def group_gain(self, isi: int) -> np.ndarray:
        """``exp(-(c - mean)**2 / (2 width**2))`` per tuning, (groups, in), at the centre
        ``c`` of ``isi``; 0 beyond ``max_isi``."""
        if not self.contributes(isi):
            return np.zeros(self.mean.shape)
        return np.exp(-((self.centre(isi) - self.mean) ** 2) / (2.0 * self.width**2))

    def modulation(self, isi: int) -> np.ndarray:
        """The factor (out, in) a spike of ``isi`` multiplies the heights by."""
        repeat = self.height.shape[0] // self.groups
        return np.repeat(self.group_gain(isi), repeat, axis=0)

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
    """Float ISI-modulated dense synapse; ``height`` is (out, in).

    ``mean`` and ``width`` are (groups, in): output ``o`` uses tuning ``o // (out /
    groups)`` of every input. ``groups = out`` is one tuning per synapse (Adams et al.);
    fewer groups share a tuning per presynaptic neuron, so the modulation is a gain per
    spike and group (``groups = 1``: one gain per spike).
    """

    def _tuning_problem(self, shape: tuple[int, ...]) -> str | None:
        out, inputs = self.height.shape
        if len(shape) != 2 or shape[1] != inputs or shape[0] < 1 or out % shape[0]:
            return (
                f"it needs (groups, {inputs}) with groups dividing the {out} outputs "
                f"(groups = {out}: one per synapse)"
            )
        return None

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
    of a map) falls in bin ``b = (isi - 1) // bin_width``; with ``b < num_bins`` it
    leaves on line ``j * num_bins + b`` (channel ``c * num_bins + b``) in the same step,
    otherwise it is dropped. A (C, H, W) map becomes (C * num_bins, H, W), a vector (N,)
    becomes (N * num_bins,). Followed by a standard synapse it computes an ISI-modulated
    synapse exactly for integer ISIs (one ISI per bin, or bins its synapse was trained on).
    """

    num_bins: int
    #: ISI steps per bin.
    bin_width: int = 1

    def __post_init__(self) -> None:
        for field in ("num_bins", "bin_width"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ModelError(f"ISIBinner: {field} must be an integer, got {value!r}")
            if value < 1:
                raise ModelError(f"ISIBinner: {field} must be at least 1, got {value}")

    @property
    def largest_isi(self) -> int:
        """The largest ISI a line carries."""
        return int(self.num_bins * self.bin_width)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (input_shape[0] * self.num_bins, *input_shape[1:])
