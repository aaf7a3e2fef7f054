"""Export a float IR graph as a NIR file (``nir.write``) for snnTorch, Norse and other NIR tools.

The inverse of :mod:`pumice.convert.interchange.nir_import`'s forward-Euler mapping at
``dt`` seconds per step, written in snnTorch's convention (``r = tau_mem/dt``,
``w_in = tau_syn/dt``, so the input gain is 1 and synapse weights are written as they
are)::

    Input      -> Input
    Dense      -> Linear (the IR's synapses have no bias)
    Conv2d     -> Conv2d with a zero bias
    SumPool2d  -> SumPool2d; its weight s moves on to the next Dense/Conv2d weights or
                  neuron input weight (NIR's SumPool2d has none)
    Flatten    -> Flatten(start_dim=0, end_dim=-1)
    CubaLIF    -> CubaLIF(tau_syn = dt/current_decay, tau_mem = dt/voltage_decay,
                          r = tau_mem/dt, w_in = s * tau_syn/dt, v_leak = bias * tau_mem/dt,
                          v_threshold = threshold, v_reset = 0)   for decays in (0, 1]
    CubaLIF    -> IF(r = s/dt, v_threshold = threshold, v_reset = 0)
                  for voltage_decay 0, current_decay 1 and no bias
    (the end)  -> Output

Refused with a :class:`ModelError`: fixed-point graphs (NIR has no fixed-point types:
export the float model), graphs that branch or whose output is not the last node, and
neurons with a decay that gives no finite positive time constant (other than the IF case).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import nir
import numpy as np

from pumice.atomic import atomic_open
from pumice.convert.interchange.expressible import refuse_inexpressible
from pumice.convert.ir import Conv2d, CubaLIF, Dense, Flatten, Graph, Input, SumPool2d
from pumice.errors import ModelError

#: Key of the NIR graph's metadata holding the IR graph's metadata (JSON: data, T, ...).
METADATA_KEY = "pumice"


def _input(name: str, node: Input, shape: tuple, dt: float, scale: float):
    return nir.Input(input_type=np.array(node.shape)), 1.0


def _flatten(name: str, node: Flatten, shape: tuple, dt: float, scale: float):
    return nir.Flatten(input_type=np.array(shape), start_dim=0, end_dim=-1), scale


def _dense(name: str, node: Dense, shape: tuple, dt: float, scale: float):
    return nir.Linear(weight=node.weight * scale), 1.0


def _conv(name: str, node: Conv2d, shape: tuple, dt: float, scale: float):
    conv = nir.Conv2d(
        input_shape=tuple(shape[1:]),
        weight=node.weight * scale,
        stride=node.stride,
        padding=node.padding,
        dilation=node.dilation,
        groups=node.groups,
        bias=np.zeros(node.weight.shape[0]),
    )
    return conv, 1.0


def _sum_pool(name: str, node: SumPool2d, shape: tuple, dt: float, scale: float):
    pool = nir.SumPool2d(
        kernel_size=np.array(node.kernel),
        stride=np.array(node.stride),
        padding=np.array(node.padding),
    )
    return pool, scale * node.weight


def _neuron(name: str, node: CubaLIF, shape: tuple, dt: float, scale: float):
    ones = np.ones(node.shape)
    bias = np.broadcast_to(np.asarray(node.bias, dtype=np.float64), node.shape)
    threshold = ones * float(node.threshold)
    current_decay, voltage_decay = node.current_decay, node.voltage_decay
    if voltage_decay == 0 and current_decay == 1:
        if np.any(bias != 0):
            raise ModelError(
                f"node '{name}' has no voltage leak but a bias; NIR's IF has neither, and its "
                f"CubaLIF needs voltage_decay > 0"
            )
        neuron = nir.IF(r=ones * (scale / dt), v_threshold=threshold, v_reset=np.zeros(node.shape))
        return neuron, 1.0
    if not (0 < current_decay <= 1 and 0 < voltage_decay <= 1):
        raise ModelError(
            f"node '{name}' has current_decay {current_decay:g} and voltage_decay "
            f"{voltage_decay:g}; NIR export needs both in (0, 1] (finite time constants), or "
            f"voltage_decay 0 with current_decay 1 (an IF neuron)"
        )
    tau_syn, tau_mem = dt / current_decay, dt / voltage_decay
    lif = nir.CubaLIF(
        tau_syn=ones * tau_syn,
        tau_mem=ones * tau_mem,
        r=ones * (tau_mem / dt),
        v_leak=bias * (tau_mem / dt),
        v_threshold=threshold,
        v_reset=np.zeros(node.shape),
        w_in=ones * (scale * tau_syn / dt),
    )
    return lif, 1.0


#: IR kind -> function(name, node, input shape, dt, scale) -> (NIR node, scale after it),
#: where ``scale`` is a SumPool2d weight still to be applied downstream.
_EXPORTERS: dict[type, Callable] = {
    Input: _input,
    Flatten: _flatten,
    Dense: _dense,
    Conv2d: _conv,
    SumPool2d: _sum_pool,
    CubaLIF: _neuron,
}


def _check_chain(graph: Graph) -> list[str]:
    names = list(graph.nodes)
    for name in names:
        after = [dst for src, dst in graph.edges if src == name]
        if len(after) > 1:
            raise ModelError(
                f"node '{name}' feeds {len(after)} nodes ({', '.join(after)}); NIR export "
                f"writes chains"
            )
    if graph.output != names[-1]:
        raise ModelError(
            f"graph output '{graph.output}' is not its last node ('{names[-1]}'); NIR export "
            f"writes chains that end at the output"
        )
    return names


def export_nir(graph: Graph, path: str | os.PathLike, dt: float = 1e-3) -> Path:
    """Write float ``graph`` to ``path`` as a NIR file at ``dt`` seconds per step."""
    refuse_inexpressible(graph, "NIR")
    if not dt > 0:
        raise ModelError(f"dt must be a positive number of seconds, not {dt}")
    fixed = [name for name, node in graph.nodes.items() if node.domain == "fixed"]
    if fixed:
        kind = type(graph.nodes[fixed[0]]).__name__
        raise ModelError(
            f"node '{fixed[0]}' is a fixed-point {kind}; export the float model: NIR has no "
            f"fixed-point types"
        )
    names = _check_chain(graph)
    shapes = graph.shapes()
    nodes: dict[str, nir.NIRNode] = {}
    scale = 1.0
    for name in names:
        node = graph.nodes[name]
        exporter = _EXPORTERS.get(type(node))
        if exporter is None:
            raise ModelError(f"node '{name}' is a {type(node).__name__}, which has no NIR form")
        shape = shapes[name] if name == graph.input else shapes[graph.predecessor(name)]
        nodes[name], scale = exporter(name, node, shape, dt, scale)
    output = "output"
    while output in nodes:
        output = f"_{output}"
    nodes[output] = nir.Output(output_type=np.array(shapes[names[-1]]))
    edges = [*graph.edges, (names[-1], output)]
    metadata = {METADATA_KEY: json.dumps(graph.metadata)} if graph.metadata else {}
    nir_graph = nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata)
    with atomic_open(path, "w+b") as handle:
        nir.write(handle, nir_graph)
    return Path(path)
