"""The IR graph: named nodes, directed edges, one input and one output."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from pumice.convert.ir.node import Node
from pumice.convert.ir.structural import Input
from pumice.errors import ModelError

#: Version of the IR; written into every file and checked on load.
IR_VERSION = 1


@dataclasses.dataclass
class Graph:
    """A feed-forward graph of IR nodes.

    ``nodes`` keeps insertion order, which is a topological order: each node's
    single predecessor comes before it. ``output`` names the neuron node whose
    spikes are the network's answer.
    """

    nodes: dict[str, Node]
    edges: list[tuple[str, str]]
    input: str
    output: str
    metadata: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.metadata = dict(self.metadata)  # a graph never shares its metadata with another
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ModelError` when the graph is not a well-formed chain/tree."""
        if self.input not in self.nodes or not isinstance(self.nodes[self.input], Input):
            raise ModelError(f"graph input '{self.input}' is not an Input node")
        if self.output not in self.nodes:
            raise ModelError(f"graph output '{self.output}' is not a node of the graph")
        order = {name: i for i, name in enumerate(self.nodes)}
        preds: dict[str, list[str]] = {name: [] for name in self.nodes}
        for src, dst in self.edges:
            if src not in order or dst not in order:
                raise ModelError(f"edge {src} -> {dst} names a node that does not exist")
            if order[src] >= order[dst]:
                raise ModelError(f"edge {src} -> {dst} goes backwards: nodes must be in order")
            preds[dst].append(src)
        for name, sources in preds.items():
            expected = 0 if name == self.input else 1
            if len(sources) != expected:
                raise ModelError(
                    f"node '{name}' has {len(sources)} inputs; pumice graphs give every node "
                    f"exactly one input (the Input node none)"
                )

    def predecessor(self, name: str) -> str:
        """The single node feeding ``name``."""
        return next(src for src, dst in self.edges if dst == name)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Per-sample, per-step output shape of every node.

        Raises :class:`ModelError` for the first node whose input does not fit it.
        """
        shapes: dict[str, tuple[int, ...]] = {}
        for name, node in self.nodes.items():
            if name == self.input:
                shapes[name] = tuple(node.shape)
                continue
            fed = shapes[self.predecessor(name)]
            problem = node.input_problem(fed)
            if problem is not None:
                raise ModelError(f"layer '{name}' ({type(node).__name__}) {problem}")
            shapes[name] = tuple(node.output_shape(fed))
        return shapes

    def neurons(self) -> Iterator[tuple[str, Node]]:
        """Neuron nodes in order."""
        return ((n, node) for n, node in self.nodes.items() if node.is_neuron)

    def hidden_neurons(self) -> list[str]:
        """Names of the spiking layers other than the output layer."""
        return [name for name, _ in self.neurons() if name != self.output]

    def domain(self) -> str:
        """ "float", "fixed", or "mixed" according to the non-structural nodes."""
        domains = {n.domain for n in self.nodes.values() if n.domain != "structural"}
        return domains.pop() if len(domains) == 1 else "mixed"

    @classmethod
    def chain(cls, named_nodes: list[tuple[str, Node]], metadata: dict | None = None) -> Graph:
        """A graph whose nodes feed each other in list order; the last neuron is the output."""
        names = [name for name, _ in named_nodes]
        output = [name for name, node in named_nodes if node.is_neuron][-1]
        return cls(
            nodes=dict(named_nodes),
            edges=list(zip(names[:-1], names[1:], strict=True)),
            input=names[0],
            output=output,
            metadata=dict(metadata or {}),
        )
