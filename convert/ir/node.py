"""The base of every IR node kind, the traits a kind declares once, and the kind registry.

A kind says what it is in one place, its :class:`Traits`; every table the emulator,
quantiser, design rules, mappers, exporters and the Lava backend use is derived from them
(:func:`kinds_with`). Code dispatches on a node's exact type (``table[type(node)]``) and
classifies it by its traits, never by ``isinstance`` against another kind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar, Literal

import numpy as np

from pumice.errors import ModelError

#: What a node does in the graph.
Role = Literal["input", "reshape", "synapse", "router", "neuron"]
#: Which numbers it holds: none (structural), trained floats, or Lava's integers.
Domain = Literal["structural", "float", "fixed"]
#: The interchange formats pumice writes, each of which can express some kinds.
FORMATS = ("netx", "onnx", "nir")


@dataclasses.dataclass(frozen=True)
class Traits:
    """What a node kind is; declared once, on the kind, by :func:`register`."""

    role: Role
    domain: Domain
    #: Synapses: how inputs connect to outputs ("dense", "conv" or "pool").
    connectivity: Literal["dense", "conv", "pool"] | None = None
    #: Neurons that emit spikes (False: a potential readout, read as ``v``).
    spiking: bool = False
    #: Neurons with synapses from their own spikes back to their input.
    recurrent: bool = False
    #: Neurons with a firing threshold (``threshold`` or ``vth``).
    threshold: bool = False
    #: Neurons: how state decays, by a multiplier ("multiply") or a right shift ("shift").
    leak: Literal["multiply", "shift"] | None = None
    #: Synapses whose weight depends on the presynaptic inter-spike interval (IMSNN).
    isi: bool = False
    #: The formats of :data:`FORMATS` whose exporter writes this kind.
    formats: frozenset[str] = frozenset()
    #: A float kind with no quantiser: the pass of this name replaces it first.
    lowered_by: str | None = None
    #: Inputs, neurons and routers whose spikes carry a value (Loihi 2 graded spikes), not
    #: a bare event; a fixed-point one's is an integer of :attr:`Node.message_bits` bits,
    #: and the synapses it feeds read it as a graded message. (A synapse behind a router
    #: scales its sum back by ``2**-message_bits``; one behind a TTFS neuron does not.)
    graded: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.formats) - set(FORMATS)
        if unknown:
            raise ValueError(f"unknown interchange formats {sorted(unknown)}")
        if (self.connectivity is not None) != (self.role == "synapse"):
            raise ValueError("synapses, and only synapses, declare a connectivity")
        neuron_only = self.spiking or self.recurrent or self.threshold or self.leak is not None
        if neuron_only and self.role != "neuron":
            raise ValueError("spiking, recurrent, threshold and leak are neuron traits")
        if self.graded and self.role not in ("input", "neuron", "router"):
            raise ValueError("only inputs, neurons and routers send graded spikes")

    @property
    def payload_router(self) -> bool:
        """A router whose lines carry graded spikes (an IMSNN payload router): the synapse
        it feeds scales its sum back by ``2**-message_bits``."""
        return self.role == "router" and self.graded


#: Every node kind by name, for generic (de)serialisation and for the completeness test.
NODE_KINDS: dict[str, type[Node]] = {}


def register(**traits) -> Callable[[type[Node]], type[Node]]:
    """Class decorator: give a kind its :class:`Traits` and add it to :data:`NODE_KINDS`."""

    def add(cls: type[Node]) -> type[Node]:
        if cls.__name__ in NODE_KINDS:
            raise ValueError(f"node kind {cls.__name__} is registered twice")
        cls.traits = Traits(**traits)
        NODE_KINDS[cls.__name__] = cls
        return cls

    return add


def kinds_with(**wanted) -> tuple[type[Node], ...]:
    """The registered kinds whose traits equal every ``name=value`` given."""
    return tuple(
        kind
        for kind in NODE_KINDS.values()
        if all(getattr(kind.traits, name) == value for name, value in wanted.items())
    )


@dataclasses.dataclass(frozen=True, eq=False)
class Node:
    """Base of every IR node; each kind is a frozen dataclass registered with its traits."""

    traits: ClassVar[Traits]

    @property
    def domain(self) -> Domain:
        """ "structural", "float" or "fixed"."""
        return self.traits.domain

    @property
    def is_neuron(self) -> bool:
        """True for nodes that hold neuron state and whose output is the layer's answer."""
        return self.traits.role == "neuron"

    @property
    def is_synapse(self) -> bool:
        """True for synapse nodes: Lava delivers their output one step later."""
        return self.traits.role == "synapse"

    @property
    def message_bits(self) -> int:
        """Bits of the integer each spike of this node carries (0: binary spikes); graded
        kinds say how many."""
        if self.traits.graded:
            raise TypeError(f"{type(self).__name__} sends graded spikes of no integer width")
        return 0

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of this node's output for one sample and one time step."""
        return input_shape

    def input_problem(self, input_shape: tuple[int, ...]) -> str | None:
        """Why an input of ``input_shape`` (per sample and step) cannot feed this node, or
        None when it fits; :meth:`Graph.shapes` raises it. A neuron layer (which has a
        ``shape``) takes an input of its own shape."""
        if self.is_neuron and tuple(input_shape) != tuple(self.shape):
            return f"has neurons of shape {tuple(self.shape)} but is fed shape {tuple(input_shape)}"
        return None

    def field_problem(self) -> str | None:
        """What is wrong with this node's own field values (a range, a size), completing
        "layer 'name' (Kind) ...", or None; :func:`~.validate.validate_graph` asks every
        node of a graph read from a file, after checking the fields' types."""
        return None

    def arrays(self) -> dict[str, np.ndarray]:
        """The node's array-valued fields."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }


def check_fraction(kind: str, field: str, value, shape: tuple[int, ...]) -> None:
    """Raise :class:`ModelError` unless ``value`` lies in [0, 1] and broadcasts to ``shape``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{kind}: {field} must be a number or an array of numbers") from None
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
