"""A recurrent layer's intra-layer synapses, seen as a synapse node of their own.

A recurrent neuron node (traits ``recurrent``) holds an (n, n) weight from its own spikes
back to its own input (a Lava ``Dense``/``Sparse`` from ``s_out`` to ``a_in``). Code that
walks a graph's synapse sets (quantisation, pruning, sparsity and synapse counts, design
rules, mapping, traffic, the Lava backend) sees it as a :class:`Dense` (float) or
:class:`FixedDense` (fixed) named ``<layer>.recurrent``, whose source and target are the
layer itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir.graph import Graph
from pumice.convert.ir.node import Node
from pumice.convert.ir.synapses import Dense, FixedDense

#: Appended to a layer's name to name its recurrent synapse set.
SUFFIX = ".recurrent"


def recurrent_name(layer: str) -> str:
    """Name of ``layer``'s recurrent synapse set."""
    return layer + SUFFIX


def recurrent_layer(graph: Graph, name: str) -> str | None:
    """The recurrent layer whose synapse set ``name`` is, or None."""
    layer = name.removesuffix(SUFFIX)
    node = graph.nodes.get(layer)
    if layer != name and node is not None and node.traits.recurrent:
        return layer
    return None


def recurrent_synapse(node: Node) -> Dense | FixedDense:
    """The recurrent weights of ``node`` as a synapse node (fixed: mantissas and exponent)."""
    if node.domain == "float":
        return Dense(np.asarray(node.recurrent_weight), sparse=node.sparse)
    return FixedDense(
        node.recurrent_weight,
        sparse=node.sparse,
        weight_exp=int(node.recurrent_weight_exp),
        num_weight_bits=int(node.recurrent_num_weight_bits),
    )


def recurrent_fields(synapse: Dense | FixedDense) -> dict:
    """The recurrent fields of a neuron node that stand for ``synapse``."""
    fields = {"recurrent_weight": synapse.weight, "sparse": synapse.sparse}
    if synapse.domain == "fixed":
        fields["recurrent_weight_exp"] = synapse.weight_exp
        fields["recurrent_num_weight_bits"] = synapse.num_weight_bits
    return fields


def with_recurrent_synapse(node: Node, synapse: Dense | FixedDense) -> Node:
    """``node`` with its recurrent weights replaced by ``synapse``'s."""
    return dataclasses.replace(node, **recurrent_fields(synapse))


def weighted_synapses(graph: Graph) -> list[tuple[str, Node]]:
    """Every node with a weight array, in graph order, each recurrent set after its layer."""
    found = []
    for name, node in graph.nodes.items():
        if isinstance(getattr(node, "weight", None), np.ndarray):
            found.append((name, node))
        if node.traits.recurrent:
            found.append((recurrent_name(name), recurrent_synapse(node)))
    return found
