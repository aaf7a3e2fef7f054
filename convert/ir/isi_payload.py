"""Graded-spike lowering of factored ISI synapses: a payload router per presynaptic layer.

Where an ISI synapse's modulation belongs to the presynaptic neuron (an
:class:`~pumice.convert.ir.ISIDense` with tunings shared per input or per group), the
sending side can put the Gaussian of the ISI into the spike itself: Loihi 2's spikes
carry an integer payload (graded spikes), Loihi 1's do not. The synapse behind the
router keeps one weight per synapse, so a neuron's fan-in is the plain network's.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir.node import Node, register
from pumice.errors import ModelError

#: Widest payload a Lava ``Dense`` takes (``num_message_bits``, LavaPyType precision 5).
MAX_MESSAGE_BITS = 31


@dataclasses.dataclass(frozen=True, eq=False)
class _PayloadBase(Node):
    """A spike of input ``j`` (a vector (N,)) with ISI ``isi <= L`` leaves, in the same
    step, on lines ``j * lines + g`` (g < lines), each carrying ``table[j * lines + g,
    isi - 1]``; a line whose value is 0 sends nothing, nor does an ISI above ``L``.
    ISIs follow :class:`~pumice.convert.ir.ISIDense`'s convention. Output (N * lines,).
    """

    #: (N * lines, L): each line's value at ISIs 1..L.
    table: np.ndarray
    #: Lines per input neuron (the tuning groups).
    lines: int
    #: Payload width on the chip; the synapse fed divides its sum by ``2**bits``.
    num_message_bits: int = 8

    def __post_init__(self) -> None:
        kind = type(self).__name__
        for field in ("lines", "num_message_bits"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ModelError(f"{kind}: {field} must be an integer >= 1, got {value!r}")
        if self.num_message_bits > MAX_MESSAGE_BITS:
            raise ModelError(
                f"{kind}: num_message_bits must be at most {MAX_MESSAGE_BITS} (Lava's Dense), "
                f"got {self.num_message_bits}"
            )
        table = self.table
        if not isinstance(table, np.ndarray) or table.ndim != 2 or table.shape[1] < 1:
            raise ModelError(f"{kind}: table must be a (lines, largest ISI) array")
        if table.shape[0] % self.lines:
            raise ModelError(
                f"{kind}: table has {table.shape[0]} lines, not a multiple of {self.lines} "
                f"per input"
            )
        self._check_values()

    def _check_values(self) -> None:
        raise NotImplementedError

    @property
    def message_bits(self) -> int:
        return int(self.num_message_bits)

    @property
    def largest_isi(self) -> int:
        """The largest ISI that sends a payload."""
        return int(self.table.shape[1])

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (input_shape[0] * self.lines,) if input_shape else input_shape

    def input_problem(self, input_shape: tuple[int, ...]) -> str | None:
        inputs = self.table.shape[0] // self.lines
        if tuple(input_shape) != (inputs,):
            return (
                f"sends {self.lines} lines for each of {inputs} inputs but is fed shape "
                f"{tuple(input_shape)}"
            )
        return None


@register(role="router", domain="float", graded=True)
@dataclasses.dataclass(frozen=True, eq=False)
class ISIPayload(_PayloadBase):
    """Float payload router: ``table`` holds gains in [0, 1] (a Gaussian of the ISI)."""

    def _check_values(self) -> None:
        table = self.table
        if table.dtype.kind != "f" or not np.all(np.isfinite(table)):
            raise ModelError("ISIPayload: table must hold finite floats")
        if table.size and (table.min() < 0 or table.max() > 1):
            raise ModelError(
                f"ISIPayload: gains must lie in [0, 1], got [{table.min():g}, {table.max():g}]"
            )


@register(role="router", domain="fixed", graded=True)
@dataclasses.dataclass(frozen=True, eq=False)
class FixedISIPayload(_PayloadBase):
    """Fixed-point payload router: ``table`` holds unsigned ``num_message_bits``-bit
    payloads (pumice's ``IsiPayload`` Lava process sends them)."""

    def _check_values(self) -> None:
        table = self.table
        if table.dtype.kind not in "iu":
            raise ModelError("FixedISIPayload: table must hold integers")
        top = (1 << self.num_message_bits) - 1
        if table.size and (table.min() < 0 or table.max() > top):
            raise ModelError(
                f"FixedISIPayload: payloads must lie in [0, {top}] ({self.num_message_bits} "
                f"bits), got [{table.min()}, {table.max()}]"
            )
