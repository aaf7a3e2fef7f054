"""IR node kinds: structural, float (trained) and fixed-point (Lava ``fixed_pt``) nodes.

Layouts follow torch: feature maps are (channels, height, width); a dense weight is
(out, in); a conv weight is (out, in / groups, kernel_h, kernel_w) applied as a
cross-correlation. Float values are in threshold units (SLAYER's convention);
fixed-point values are the integers Lava's ProcessModels hold.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from pumice.errors import ModelError

#: Every node class by its kind name, for generic (de)serialisation.
NODE_KINDS: dict[str, type[Node]] = {}


def register(cls: type[Node]) -> type[Node]:
    """Class decorator that adds a node kind to :data:`NODE_KINDS`."""
    NODE_KINDS[cls.__name__] = cls
    return cls


@dataclasses.dataclass(frozen=True, eq=False)
class Node:
    """Base of every IR node; subclasses are frozen dataclasses."""

    #: "structural", "float" or "fixed".
    domain: ClassVar[str] = "structural"
    #: True for nodes that hold neuron state (u, v) and emit spikes.
    is_neuron: ClassVar[bool] = False
    #: True for synapse nodes: Lava delivers their output one step later.
    is_synapse: ClassVar[bool] = False

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of this node's output for one sample and one time step."""
        return input_shape

    def arrays(self) -> dict[str, np.ndarray]:
        """The node's array-valued fields."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Input(Node):
    """Spikes entering the graph, one tensor of ``shape`` per time step."""

    shape: tuple[int, ...]


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Flatten(Node):
    """Reshape a (C, H, W) map to a vector in C order."""

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(input_shape)),)


def conv_output_hw(
    hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int]:
    """Output height and width of a 2-D convolution."""
    return tuple(
        (hw[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
        for i in range(2)
    )


@dataclasses.dataclass(frozen=True, eq=False)
class _DenseBase(Node):
    weight: np.ndarray
    #: Pruned: zero weights are absent synapses (Lava ``Sparse``), not stored zeros.
    sparse: bool = False

    is_synapse: ClassVar[bool] = True

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.weight.shape[0],)


@dataclasses.dataclass(frozen=True, eq=False)
class _ConvBase(Node):
    weight: np.ndarray
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1

    is_synapse: ClassVar[bool] = True

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        kernel = tuple(self.weight.shape[2:])
        h, w = conv_output_hw(input_shape[1:], kernel, self.stride, self.padding, self.dilation)
        return (self.weight.shape[0], h, w)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Dense(_DenseBase):
    """Float fully connected synapse: ``a = weight @ s``."""

    domain: ClassVar[str] = "float"


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Conv2d(_ConvBase):
    """Float 2-D convolution synapse (cross-correlation, torch layout)."""

    domain: ClassVar[str] = "float"


@register
@dataclasses.dataclass(frozen=True, eq=False)
class SumPool2d(Node):
    """Float sum pooling with one shared weight (SLAYER's pool synapse)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] = (0, 0)
    weight: float = 1.0

    domain: ClassVar[str] = "float"
    is_synapse: ClassVar[bool] = True

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        h, w = conv_output_hw(input_shape[1:], self.kernel, self.stride, self.padding, (1, 1))
        return (input_shape[0], h, w)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class CubaLIF(Node):
    """Float current-based LIF (SLAYER CUBA): decays are fractions lost per step.

    ``u = u * (1 - current_decay) + a``; ``v = v * (1 - voltage_decay) + u + bias``;
    spike where ``v >= threshold``, then ``v = 0``.
    """

    shape: tuple[int, ...]
    threshold: float
    #: A fraction in [0, 1], or one per neuron (an array broadcast over ``shape``).
    current_decay: float | np.ndarray
    voltage_decay: float | np.ndarray
    bias: np.ndarray

    domain: ClassVar[str] = "float"
    is_neuron: ClassVar[bool] = True

    def __post_init__(self) -> None:
        for field in ("current_decay", "voltage_decay"):
            _check_fraction(type(self).__name__, field, getattr(self, field), self.shape)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class FixedDense(_DenseBase):
    """Lava ``Dense`` (fixed_pt): ``a = (weight @ s) << weight_exp`` (arithmetic shift).

    ``weight`` holds 8-bit mantissas (Loihi: sign + up to 8 magnitude bits); Lava clips
    them to 8 bits and drops ``8 - num_weight_bits`` low bits (one more when signs mix).
    """

    weight_exp: int = 0
    num_weight_bits: int = 8

    domain: ClassVar[str] = "fixed"


@register
@dataclasses.dataclass(frozen=True, eq=False)
class FixedConv2d(_ConvBase):
    """Lava ``Conv`` (fixed_pt): integer cross-correlation, result clamped to 24 bits.

    Lava's Conv model ignores ``weight_exp``; the Lava backend folds a non-negative
    exponent into the weights and refuses a negative one.
    """

    weight_exp: int = 0

    domain: ClassVar[str] = "fixed"


@register
@dataclasses.dataclass(frozen=True, eq=False)
class FixedCubaLIF(Node):
    """Lava ``LIF`` (fixed_pt, Loihi-2 bit-accurate) parameters.

    ``du``/``dv`` are 12-bit (Lava adds 1 to ``du``), ``vth`` is compared after a
    6-bit left shift, bias is ``bias_mant << bias_exp``.
    """

    shape: tuple[int, ...]
    du: int
    dv: int
    vth: int
    bias_mant: np.ndarray
    bias_exp: int = 0

    domain: ClassVar[str] = "fixed"
    is_neuron: ClassVar[bool] = True


def _check_fraction(kind: str, field: str, value, shape: tuple[int, ...]) -> None:
    """Raise :class:`ModelError` unless ``value`` lies in [0, 1] and broadcasts to ``shape``."""
    array = np.asarray(value, dtype=np.float64)
    try:
        np.broadcast_to(array, tuple(shape))
    except ValueError:
        raise ModelError(
            f"{kind}: {field} has shape {array.shape}, which does not fit neurons of shape "
            f"{tuple(shape)}"
        ) from None
    if array.size and not (np.all(array >= 0) and np.all(array <= 1)):
        raise ModelError(
            f"{kind}: {field} must lie in [0, 1], got values in [{array.min():g}, {array.max():g}]"
        )


def _check_recurrent(kind: str, shape: tuple[int, ...], weight) -> None:
    """Raise :class:`ModelError` unless ``weight`` is an (n, n) array for ``n`` neurons."""
    n = int(np.prod(shape))
    if not isinstance(weight, np.ndarray):
        raise ModelError(f"{kind} needs a recurrent_weight array of shape ({n}, {n})")
    if weight.shape != (n, n):
        raise ModelError(
            f"{kind}: recurrent_weight has shape {weight.shape}; a layer of {n} neurons "
            f"needs ({n}, {n})"
        )


#: A shift of this size means no leak at all (the state keeps its value).
NO_LEAK = 24


@register
@dataclasses.dataclass(frozen=True, eq=False)
class FixedShiftLIF(Node):
    """CUBA LIF whose leaks are right shifts, per neuron (no multiplier needed).

    ``u = u - (u >> shift_u) + (a << 6)`` (wrapped to 24 bits like Lava's LIF);
    ``v = v - (v >> shift_v) + u + bias`` (saturated at 24 bits); spike where
    ``v > vth << 6``, then ``v = 0``. ``>>`` is arithmetic (floor); a shift of
    :data:`NO_LEAK` leaves the state as it is. Shifts are arrays broadcast over ``shape``.
    """

    shape: tuple[int, ...]
    shift_u: np.ndarray
    shift_v: np.ndarray
    vth: int
    bias_mant: np.ndarray
    bias_exp: int = 0

    domain: ClassVar[str] = "fixed"
    is_neuron: ClassVar[bool] = True


@dataclasses.dataclass(frozen=True, eq=False)
class _ISIBase(Node):
    """Shared fields of the ISI-modulated synapses (IMSNN, NOTES.md section 1).

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

    domain: ClassVar[str] = "float"
    is_synapse: ClassVar[bool] = True
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


@register
@dataclasses.dataclass(frozen=True, eq=False)
class ISIDense(_ISIBase):
    """Float ISI-modulated dense synapse; ``height``, ``mean``, ``width`` are (out, in)."""

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.height.shape[0],)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class ISIConv2d(_ISIBase):
    """Float ISI-modulated convolution: ``height`` is (out, in, kh, kw); ``mean`` and
    ``width`` are (out, in), one per kernel, shared by all its positions."""

    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)

    height_dims: ClassVar[int] = 4

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        kernel = tuple(self.height.shape[2:])
        h, w = conv_output_hw(input_shape[1:], kernel, self.stride, self.padding, (1, 1))
        return (self.height.shape[0], h, w)


@register
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


@register
@dataclasses.dataclass(frozen=True, eq=False)
class CubaLI(Node):
    """Float non-spiking output layer: :class:`CubaLIF` without threshold or reset.

    The network's answer is ``v`` at the last step of the window (largest wins, lowest
    index on ties). It must be the graph's output: it feeds nothing.
    """

    shape: tuple[int, ...]
    #: A fraction in [0, 1], or one per neuron, as in :class:`CubaLIF`.
    current_decay: float | np.ndarray
    voltage_decay: float | np.ndarray
    bias: np.ndarray

    domain: ClassVar[str] = "float"
    is_neuron: ClassVar[bool] = True

    def __post_init__(self) -> None:
        for field in ("current_decay", "voltage_decay"):
            _check_fraction(type(self).__name__, field, getattr(self, field), self.shape)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class FixedCubaLI(Node):
    """Fixed-point non-spiking output layer: Lava ``LIF`` arithmetic with no spikes.

    Fields as :class:`FixedCubaLIF` without ``vth``; ``v`` saturates at 24 bits. It runs
    on Lava as a ``LIF`` with the largest threshold Lava holds (``vth = 2**17 - 1``, so
    ``v > 8388544`` would spike): the emulator and the Lava backend refuse a run in which
    ``v`` climbs that high. The answer is ``v`` at the last step of the window.
    """

    shape: tuple[int, ...]
    du: int
    dv: int
    bias_mant: np.ndarray
    bias_exp: int = 0

    domain: ClassVar[str] = "fixed"
    is_neuron: ClassVar[bool] = True


@register
@dataclasses.dataclass(frozen=True, eq=False)
class RecurrentCubaLIF(CubaLIF):
    """:class:`CubaLIF` with intra-layer synapses (BPSR, NOTES.md section 4).

    ``recurrent_weight`` (n, n) adds ``recurrent_weight @ s(t-1)`` to the synaptic input
    at step ``t`` (a Lava ``Dense`` from the layer's spikes back to itself). ``sparse``
    marks zero weights as absent synapses. ``current_decay``, ``voltage_decay`` may be
    per-neuron arrays here and in :class:`CubaLIF`.
    """

    recurrent_weight: np.ndarray = None
    sparse: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_recurrent(type(self).__name__, self.shape, self.recurrent_weight)


@dataclasses.dataclass(frozen=True, eq=False)
class _FixedRecurrence:
    """Intra-layer synapses of a fixed-point LIF, lowered as a Lava ``Dense`` (or
    ``Sparse``) from the layer's spikes to its own input: ``recurrent_weight`` mantissas,
    ``recurrent_weight_exp`` and ``recurrent_num_weight_bits`` as in :class:`FixedDense`."""

    recurrent_weight: np.ndarray = None
    recurrent_weight_exp: int = 0
    recurrent_num_weight_bits: int = 8
    sparse: bool = False

    def __post_init__(self) -> None:
        _check_recurrent(type(self).__name__, self.shape, self.recurrent_weight)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class FixedRecurrentShiftLIF(_FixedRecurrence, FixedShiftLIF):
    """:class:`FixedShiftLIF` with intra-layer synapses (see :class:`_FixedRecurrence`)."""


@register
@dataclasses.dataclass(frozen=True, eq=False)
class FixedRecurrentCubaLIF(_FixedRecurrence, FixedCubaLIF):
    """:class:`FixedCubaLIF` with intra-layer synapses (see :class:`_FixedRecurrence`)."""


FLOAT_KINDS = tuple(c for c in NODE_KINDS.values() if c.domain == "float")
FIXED_KINDS = tuple(c for c in NODE_KINDS.values() if c.domain == "fixed")
