"""Export a float IR graph as a NIR file (``nir.write``) for snnTorch, Norse and other NIR tools.

The inverse of :mod:`~pumice.convert.interchange.nir_import`'s forward-Euler reading at
``dt`` seconds per step, written in snnTorch's convention (``r = tau_mem/dt``,
``w_in = tau_syn/dt``: the input gain is 1 and synapse weights are written as they are)::

    Input      -> Input
    Flatten    -> Flatten(start_dim=0, end_dim=-1)
    Dense      -> Linear (the IR's synapses have no bias)
    Conv2d     -> Conv2d with a zero bias
    SumPool2d  -> AvgPool2d where its weight is 1/(kh*kw), else SumPool2d with the weight
                  s moved on to the next neuron's r or w_in (NIR's SumPool2d has none)
    CubaLIF    -> LIF(tau = dt/voltage_decay, r = tau/dt, v_leak = bias*tau/dt)
                  where current_decay is 1; IF(r = s/dt) where the voltage decay is also 0
                  and there is no bias; else CubaLIF(tau_syn = dt/current_decay,
                  tau_mem = dt/voltage_decay, r = tau_mem/dt, w_in = s*tau_syn/dt,
                  v_leak = bias*tau_mem/dt); v_threshold = threshold, v_reset = 0
    RecurrentCubaLIF -> the same, and a Linear '<layer>.recurrent' from the layer back to
                  itself (snnTorch's RLeaky/RSynaptic as nirtorch flattens them)
    CubaLI     -> LI / I / CubaLI, as the spiking kinds without threshold
    (the end)  -> Output

Decays may differ between neurons (NIR time constants are arrays). The file's metadata
holds ``producer = "pumice"``, ``dt`` and the graph's metadata (JSON); each node's
metadata holds its IR kind and its exact float fields, so that the import gives back the
same numbers rather than ``dt/(dt/x)``.

Refused with a :class:`ModelError` (one line, naming the node): fixed-point graphs (NIR
has no fixed-point types: export the float model), kinds NIR cannot express (ISI
synapses), graphs that branch or whose output is not the last node, and decays that give
no finite positive time constant (other than the IF and I cases).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import nir
import numpy as np

from pumice.atomic import atomic_open
from pumice.convert.interchange.expressible import refuse_inexpressible
from pumice.convert.interchange.nir_import import (
    DT_KEY,
    FIELDS_KEY,
    GRAPH_METADATA_KEY,
    KIND_KEY,
    PRODUCER,
    PRODUCER_KEY,
    SCALARS_KEY,
)
from pumice.convert.ir import (
    IR_VERSION,
    Conv2d,
    CubaLI,
    CubaLIF,
    Dense,
    Flatten,
    Graph,
    Input,
    Node,
    RecurrentCubaLIF,
    SumPool2d,
)
from pumice.convert.ir.recurrence import recurrent_name
from pumice.errors import ModelError


@dataclasses.dataclass
class _Written:
    """The NIR nodes of one IR node: its own, and a recurrent Linear if it has one."""

    node: nir.NIRNode
    #: A SumPool2d weight still to be applied downstream.
    scale: float = 1.0
    recurrent: nir.NIRNode | None = None


def _input(name: str, node: Input, shape: tuple, dt: float, scale: float) -> _Written:
    return _Written(nir.Input(input_type=np.array(node.shape)))


def _flatten(name: str, node: Flatten, shape: tuple, dt: float, scale: float) -> _Written:
    return _Written(nir.Flatten(input_type=np.array(shape), start_dim=0, end_dim=-1), scale)


def _dense(name: str, node: Dense, shape: tuple, dt: float, scale: float) -> _Written:
    return _Written(nir.Linear(weight=node.weight * scale))


def _conv(name: str, node: Conv2d, shape: tuple, dt: float, scale: float) -> _Written:
    conv = nir.Conv2d(
        input_shape=tuple(shape[1:]),
        weight=node.weight * scale,
        stride=node.stride,
        padding=node.padding,
        dilation=node.dilation,
        groups=node.groups,
        bias=np.zeros(node.weight.shape[0]),
    )
    return _Written(conv)


def _sum_pool(name: str, node: SumPool2d, shape: tuple, dt: float, scale: float) -> _Written:
    window = dict(
        kernel_size=np.array(node.kernel),
        stride=np.array(node.stride),
        padding=np.array(node.padding),
    )
    if scale * node.weight == 1.0 / (node.kernel[0] * node.kernel[1]):
        return _Written(nir.AvgPool2d(**window))
    return _Written(nir.SumPool2d(**window), scale * node.weight)


def _per_neuron(node: Node, field: str) -> np.ndarray:
    return np.broadcast_to(np.asarray(getattr(node, field), dtype=np.float64), node.shape)


def _decays(name: str, node: Node, allowed_if: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """Per-neuron (current, voltage) decays and whether the node is an integrator (no
    leak, no current, no bias: IF or I)."""
    current, voltage = _per_neuron(node, "current_decay"), _per_neuron(node, "voltage_decay")
    integrator = np.all(current == 1) and np.all(voltage == 0)
    if integrator and allowed_if:
        if np.any(_per_neuron(node, "bias") != 0):
            raise ModelError(
                f"node '{name}' has no voltage leak but a bias; NIR's IF and I have neither, "
                f"and its LIF needs voltage_decay > 0"
            )
        return current, voltage, True
    if not (np.all((current > 0) & (current <= 1)) and np.all((voltage > 0) & (voltage <= 1))):
        raise ModelError(
            f"node '{name}' has current decays in [{current.min():g}, {current.max():g}] and "
            f"voltage decays in [{voltage.min():g}, {voltage.max():g}]; NIR export needs both "
            f"in (0, 1] (finite time constants), or voltage_decay 0 with current_decay 1 (an "
            f"integrator)"
        )
    return current, voltage, False


def _neuron(name: str, node: Node, shape: tuple, dt: float, scale: float) -> _Written:
    """A CubaLIF, RecurrentCubaLIF or CubaLI as NIR's LIF/IF/CubaLIF or LI/I/CubaLI."""
    spiking = node.traits.spiking
    current, voltage, integrator = _decays(name, node, allowed_if=True)
    bias = _per_neuron(node, "bias")
    spike = {"v_threshold": np.full(node.shape, float(node.threshold))} if spiking else {}
    reset = {"v_reset": np.zeros(node.shape)} if spiking else {}
    if integrator:
        kind = nir.IF if spiking else nir.I
        made = kind(r=np.full(node.shape, scale / dt), **spike, **reset)
    elif np.all(current == 1):
        tau = dt / voltage
        kind = nir.LIF if spiking else nir.LI
        made = kind(tau=tau, r=scale * tau / dt, v_leak=bias * tau / dt, **spike, **reset)
    else:
        tau_syn, tau_mem = dt / current, dt / voltage
        kind = nir.CubaLIF if spiking else nir.CubaLI
        made = kind(
            tau_syn=tau_syn,
            tau_mem=tau_mem,
            r=tau_mem / dt,
            v_leak=bias * tau_mem / dt,
            w_in=scale * tau_syn / dt,
            **spike,
            **reset,
        )
    recurrent = None
    if node.traits.recurrent:  # its spikes come back through the same input gain
        recurrent = nir.Linear(weight=np.asarray(node.recurrent_weight) / scale)
    return _Written(made, 1.0, recurrent)


#: IR kind -> function(name, node, input shape, dt, scale) -> its NIR nodes, where
#: ``scale`` is a SumPool2d weight still to be applied downstream.
_EXPORTERS: dict[type, Callable[..., _Written]] = {
    Input: _input,
    Flatten: _flatten,
    Dense: _dense,
    Conv2d: _conv,
    SumPool2d: _sum_pool,
    CubaLIF: _neuron,
    RecurrentCubaLIF: _neuron,
    CubaLI: _neuron,
}


def _exact_fields(node: Node) -> dict:
    """A node's float fields (and its ``sparse`` flag) for NIR metadata: arrays as they
    are, scalars as one-element arrays apart (HDF5 cannot compress a 0-d dataset)."""
    arrays, scalars = {}, {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.ndim:
            arrays[field.name] = value
        elif isinstance(value, bool | np.bool_ | float | np.floating):
            scalars[field.name] = np.array([value])
    return {KIND_KEY: type(node).__name__, FIELDS_KEY: arrays, SCALARS_KEY: scalars}


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


def nir_graph(graph: Graph, dt: float = 1e-3) -> nir.NIRGraph:
    """The NIR graph of float ``graph`` at ``dt`` seconds per step (see the module doc)."""
    refuse_inexpressible(graph, "NIR")
    if not dt > 0:
        raise ModelError(f"dt must be a positive number of seconds, not {dt}")
    names = _check_chain(graph)
    shapes = graph.shapes()
    nodes: dict[str, nir.NIRNode] = {}
    edges = list(graph.edges)
    scale = 1.0
    for name in names:
        node = graph.nodes[name]
        exporter = _EXPORTERS.get(type(node))
        if exporter is None:
            raise ModelError(f"node '{name}' is a {type(node).__name__}, which has no NIR form")
        shape = shapes[name] if name == graph.input else shapes[graph.predecessor(name)]
        written = exporter(name, node, shape, dt, scale)
        written.node.metadata = _exact_fields(node)
        nodes[name], scale = written.node, written.scale
        if written.recurrent is not None:
            loop = recurrent_name(name)
            nodes[loop] = written.recurrent
            edges += [(name, loop), (loop, name)]
    output = "output"
    while output in nodes:
        output = f"_{output}"
    nodes[output] = nir.Output(output_type=np.array(shapes[names[-1]]))
    metadata = {
        PRODUCER_KEY: PRODUCER,
        DT_KEY: float(dt),
        "pumice.ir_version": IR_VERSION,
        GRAPH_METADATA_KEY: json.dumps(graph.metadata),
    }
    return nir.NIRGraph(nodes=nodes, edges=[*edges, (names[-1], output)], metadata=metadata)


def export_nir(graph: Graph, path: str | os.PathLike, dt: float = 1e-3) -> Path:
    """Write float ``graph`` to ``path`` as a NIR file at ``dt`` seconds per step."""
    written = nir_graph(graph, dt)
    with atomic_open(path, "w+b") as handle:
        nir.write(handle, written)
    return Path(path)
