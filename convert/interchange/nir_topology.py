"""The shape of a NIR graph as pumice reads it: one chain, recurrent loops set aside.

Exporters nest subgraphs (snnTorch writes each ``RLeaky``/``RSynaptic`` as a graph of
``input -> lif -> output`` with ``lif <-> w_rec``) or flatten them into the top graph
(nirtorch does, naming the nodes ``<module>.lif`` and ``<module>.w_rec``). Both come out
of :func:`flat_graph` as one flat graph; :func:`recurrent_loops` then finds each neuron
whose only other input is a Linear/Affine fed by that neuron alone (its recurrent
synapses), and :func:`chain` orders what is left from the Input to the Output,
refusing branches, merges and other loops.
"""

from __future__ import annotations

import dataclasses

import nir

from pumice.errors import ModelError

#: Neuron node types whose spikes may feed back to themselves through a weight matrix.
_RECURRENT_NEURONS = (nir.LIF, nir.CubaLIF)
_RECURRENT_SYNAPSES = (nir.Linear, nir.Affine)


@dataclasses.dataclass
class FlatGraph:
    """Named NIR nodes (no subgraphs) and the edges between them."""

    nodes: dict[str, nir.NIRNode]
    edges: list[tuple[str, str]]

    def predecessors(self, name: str) -> list[str]:
        return [src for src, dst in self.edges if dst == name]

    def successors(self, name: str) -> list[str]:
        return [dst for src, dst in self.edges if src == name]


def _only(graph: nir.NIRGraph, kind: type, where: str) -> str:
    names = [name for name, node in graph.nodes.items() if isinstance(node, kind)]
    if len(names) != 1:
        raise ModelError(
            f"NIR subgraph '{where}' has {len(names)} {kind.__name__} nodes; pumice reads "
            f"subgraphs with exactly one"
        )
    return names[0]


def flat_graph(graph: nir.NIRGraph, prefix: str = "") -> FlatGraph:
    """``graph`` with every nested NIRGraph node replaced by its own nodes, named
    ``<subgraph>.<node>``; a subgraph's Input and Output become plain edges."""
    nodes: dict[str, nir.NIRNode] = {}
    edges: list[tuple[str, str]] = []
    entry: dict[str, list[str]] = {}  # subgraph -> the nodes its Input feeds
    exit_: dict[str, list[str]] = {}  # subgraph -> the nodes feeding its Output
    for name, node in graph.nodes.items():
        full = prefix + name
        if not isinstance(node, nir.NIRGraph):
            nodes[full] = node
            continue
        inner = flat_graph(node, full + ".")
        source = full + "." + _only(node, nir.Input, full)
        sink = full + "." + _only(node, nir.Output, full)
        entry[full] = [dst for src, dst in inner.edges if src == source]
        exit_[full] = [src for src, dst in inner.edges if dst == sink]
        nodes.update({n: v for n, v in inner.nodes.items() if n not in (source, sink)})
        edges += [(s, d) for s, d in inner.edges if source not in (s, d) and sink not in (s, d)]
    for src, dst in graph.edges:
        for s in exit_.get(prefix + src, [prefix + src]):
            for d in entry.get(prefix + dst, [prefix + dst]):
                edges.append((s, d))
    for src, dst in edges:
        if src not in nodes or dst not in nodes:
            missing = src if src not in nodes else dst
            raise ModelError(f"NIR edge {src} -> {dst} names a node '{missing}' that is not there")
    return FlatGraph(nodes, list(dict.fromkeys(edges)))


def recurrent_loops(graph: FlatGraph) -> tuple[FlatGraph, dict[str, tuple[str, nir.NIRNode]]]:
    """The graph without its recurrent loops, and each recurrent neuron's synapse node
    (its name and the node)."""
    loops: dict[str, str] = {}
    for name, node in graph.nodes.items():
        if not isinstance(node, _RECURRENT_SYNAPSES):
            continue
        sources, targets = graph.predecessors(name), graph.successors(name)
        if len(sources) == 1 and sources == targets:
            neuron = sources[0]
            if isinstance(graph.nodes[neuron], _RECURRENT_NEURONS):
                if neuron in loops:
                    raise ModelError(
                        f"NIR node '{neuron}' has two recurrent synapses ('{loops[neuron]}', "
                        f"'{name}'); pumice reads one per layer"
                    )
                loops[neuron] = name
    looped = set(loops.values())
    kept = FlatGraph(
        {name: node for name, node in graph.nodes.items() if name not in looped},
        [(src, dst) for src, dst in graph.edges if src not in looped and dst not in looped],
    )
    return kept, {neuron: (name, graph.nodes[name]) for neuron, name in loops.items()}


def chain(graph: FlatGraph) -> list[str]:
    """Node names from the Input to the Output; anything but one straight chain is refused."""
    for name in graph.nodes:
        sources, targets = graph.predecessors(name), graph.successors(name)
        if len(sources) > 1:
            raise ModelError(
                f"NIR node '{name}' has {len(sources)} inputs ({', '.join(sources)}), a "
                f"merge or a recurrent edge other than a layer's own Linear/Affine loop; "
                f"pumice imports chains"
            )
        if len(targets) > 1:
            raise ModelError(
                f"NIR node '{name}' feeds {len(targets)} nodes ({', '.join(targets)}); "
                f"pumice imports chains without branches"
            )
    inputs = [name for name, node in graph.nodes.items() if isinstance(node, nir.Input)]
    if len(inputs) != 1:
        raise ModelError(f"NIR graph has {len(inputs)} Input nodes; pumice imports exactly one")
    order = inputs
    while graph.successors(order[-1]):
        after = graph.successors(order[-1])[0]
        if after in order:
            raise ModelError(
                f"NIR edge {order[-1]} -> {after} closes a loop; pumice imports feed-forward "
                f"chains (a layer's own Linear/Affine loop excepted)"
            )
        order.append(after)
    if len(order) != len(graph.nodes):
        missing = ", ".join(name for name in graph.nodes if name not in order)
        raise ModelError(f"NIR nodes {missing} are not on the chain from Input '{order[0]}'")
    if not isinstance(graph.nodes[order[-1]], nir.Output):
        raise ModelError(f"NIR chain ends at '{order[-1]}', not at an Output node")
    return order
