"""How each fixed-point (and structural) node kind becomes Lava processes: one builder per
kind, by exact kind.

A builder is ``fn(context, name, node) -> Built``. The generic loop of
:func:`pumice.deploy.lava_network.build_lava_network` connects the predecessor's output
port to ``Built.in_port`` and, by the node's role, files the process among the synapses,
neurons or routers and gives a neuron its sink and monitors.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from lava.magma.core.process.process import AbstractProcess

from pumice.convert.ir import Graph
from pumice.convert.ir.kind_table import KindTable
from pumice.deploy.sample_resets import SampleResets

#: Kind -> its Lava builder; ``@lava_builder(Kind)`` adds one.
LAVA_BUILDERS = KindTable()
lava_builder = LAVA_BUILDERS.register


@dataclasses.dataclass
class Built:
    """The Lava side of one IR node."""

    #: The node's own process; None for a node that is only a view of a port (Flatten).
    process: AbstractProcess | None
    #: Where the predecessor's output connects (None for the input and port views).
    in_port: object | None
    #: The port the node's output leaves by.
    out_port: object
    #: Vars that hold state between steps: zeroed between samples.
    state: tuple = ()
    #: Further synapse processes the node needs, by name (a recurrent layer's own).
    extra_synapses: dict[str, AbstractProcess] = dataclasses.field(default_factory=dict)
    #: For each line of a vector output port, the IR's flat index of what it carries;
    #: None when Lava's line order is the IR's (or the output is a map).
    order: np.ndarray | None = None


@dataclasses.dataclass
class BuildContext:
    """What builders may read: the graph, its shapes, the spike source, and what was built."""

    graph: Graph
    shapes: dict[str, tuple[int, ...]]
    source: AbstractProcess
    built: dict[str, Built] = dataclasses.field(default_factory=dict)
    #: Per-sample resets inside Lava, or None (states are reset between runs instead).
    resets: SampleResets | None = None

    def fed_by(self, name: str) -> str:
        """The node feeding ``name``."""
        return self.graph.predecessor(name)

    def input_shape(self, name: str) -> tuple[int, ...]:
        """The IR shape of ``name``'s input (per sample and step)."""
        return self.shapes[self.fed_by(name)]

    def input_order(self, name: str) -> np.ndarray | None:
        """:attr:`Built.order` of ``name``'s input."""
        return self.built[self.fed_by(name)].order

    def message_bits(self, name: str) -> int:
        """Payload bits of the graded spikes reaching synapse ``name`` through any reshapes
        (0: binary spikes), for Lava's ``num_message_bits``."""
        source = self.fed_by(name)
        while self.graph.nodes[source].traits.role == "reshape":
            source = self.fed_by(source)
        return self.graph.nodes[source].message_bits
