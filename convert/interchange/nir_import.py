"""Import a NIR graph (a ``nir.write`` file or a ``nir.NIRGraph``) as a float IR graph.

NIR neurons are ODEs with time constants; IR neurons step in discrete time. Each
exporter discretised its own neurons in its own way, so a file is read in the convention
of the tool that wrote it (:mod:`nir_conventions`: pumice and NIR's own forward Euler,
snnTorch, Norse 1.1, Sinabs), recognised from its numbers or named by ``exporter``.
Per step, each NIR neuron then has a current decay ``cd``, a voltage decay ``vd``, an
input gain ``g`` and a bias ``b``; in the ``nir`` convention, at ``dt`` s per step::

    CubaLIF, CubaLI  cd = dt/tau_syn   vd = dt/tau_mem   g = cd * w_in * vd * r   b = vd * v_leak
    LIF, LI          cd = 1            vd = dt/tau       g = vd * r              b = vd * v_leak
    IF, I            cd = 1            vd = 0            g = dt * r              b = 0

and the IR neuron (:class:`CubaLIF`, its recurrent form, or the non-spiking readout
:class:`CubaLI` for LI, CubaLI and I) computes ``u = (1 - cd) u + g x``,
``v = (1 - vd) v + u + b``, which is NIR's forward Euler with the voltage stepped on the
step's new current (snnTorch's order). snnTorch writes ``r = tau_mem/dt`` and
``w_in = tau_syn/dt`` with ``dt = 1e-4``, so ``g = 1`` and the decays are ``1 - alpha``
and ``1 - beta``. Norse 1.1 writes ``tau = dt/tau_inv`` (norse issue #411), so its decays
are ``dt**2/tau``, and its current and IF voltage take their input without a factor
(``g = w_in * vd * r`` and ``g = r``); Sinabs counts steps and decays exactly
(``vd = 1 - exp(-1/tau)``).

The gain is folded into the synapse before the neuron (Dense rows, Conv2d output
channels, the pool's weight). The linear nodes between two neurons (Linear, Affine,
Conv2d, SumPool2d, AvgPool2d = a SumPool2d of weight ``1/(kh*kw)``, Scale, Flatten)
become one IR synapse (:mod:`nir_synapses`). A bias (Affine, Conv2d, a recurrent
Affine) is a constant input: it becomes ``g * bias`` in the neuron's bias where that is
exact, i.e. the neuron has no current memory (``cd = 1``). Thresholds that differ
between neurons are folded into gain and bias (``v`` in units of each neuron's
threshold). Recurrent layers (a LIF or CubaLIF whose spikes feed back through a
Linear/Affine, nested as a subgraph like snnTorch's ``RLeaky``/``RSynaptic`` or flattened
as nirtorch writes them) are the IR's recurrent kinds; the feedback arrives one step
later, as in snnTorch.

Refused with one-line :class:`ModelError`s: branches, merges and other loops; node types
other than those above; ``v_reset != 0``; a time constant shorter than one step (the
message names the exporter and the ``dt`` it implies); a bias into a current that
remembers it; a non-spiking layer that is not the last; and what a convention cannot
hold (snnTorch's Synaptic/RLeaky reset, :data:`nir_conventions.SNNTORCH_DISCARDING_RESET`).

Two differences remain: IR float neurons fire on ``v >= threshold``, NIR's on ``v >
v_threshold`` (only exact equality differs; Lava's fixed point fires on ``>``), and
every IR synapse delivers one step later (Lava's behaviour), so layer ``k`` of the IR
runs ``k`` steps behind a tool that has no synaptic delay (snnTorch, Norse, Sinabs).

pumice's own files (:func:`~pumice.convert.interchange.export_nir`) carry the step, the
graph's metadata and each node's exact IR fields in NIR metadata; their NIR parameters
are read as above, and where the exact fields agree with them to rounding the exact ones
are kept, so a round trip gives back the same graph.
"""

from __future__ import annotations

import dataclasses
import json
import os

import nir
import numpy as np

from pumice.convert.interchange import nir_conventions as conventions
from pumice.convert.interchange.nir_conventions import NEURON_TAUS, Convention
from pumice.convert.interchange.nir_synapses import (
    LINEAR_READERS,
    LinearOp,
    broadcast,
    plan,
    read_op,
    signal_shapes,
    synapse,
)
from pumice.convert.interchange.nir_topology import chain, flat_graph, recurrent_loops
from pumice.convert.ir import CubaLI, CubaLIF, Flatten, Graph, Input, Node, RecurrentCubaLIF
from pumice.errors import ModelError

#: ``metadata`` keys of a NIR file written by pumice.
PRODUCER_KEY, PRODUCER = "producer", "pumice"
DT_KEY = "dt"
GRAPH_METADATA_KEY = "pumice.metadata"
#: Node ``metadata`` keys: the IR kind, its exact float array fields and its scalars.
KIND_KEY, FIELDS_KEY, SCALARS_KEY = "pumice.kind", "pumice.fields", "pumice.scalars"
#: How close a node's NIR parameters must come to its exact fields for those to be kept.
_EXACT_RTOL = 1e-9

SPIKING = (nir.CubaLIF, nir.LIF, nir.IF)
NON_SPIKING = (nir.CubaLI, nir.LI, nir.I)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _read(source: str | os.PathLike | nir.NIRGraph) -> nir.NIRGraph:
    if isinstance(source, nir.NIRGraph):
        return source
    try:
        graph = nir.read(source, type_check=False)
    except (AssertionError, AttributeError, KeyError, OSError, TypeError, ValueError) as exc:
        raise ModelError(f"{source}: not a NIR file pumice can read ({_one_line(exc)})") from None
    if not isinstance(graph, nir.NIRGraph):
        raise ModelError(f"{source}: holds a NIR {type(graph).__name__}, not a NIRGraph")
    return graph


@dataclasses.dataclass
class _Neuron:
    """A NIR neuron per step: decays, input gain, bias and threshold, per neuron."""

    current_decay: np.ndarray
    voltage_decay: np.ndarray
    gain: np.ndarray
    bias: np.ndarray
    threshold: np.ndarray | None


def _hint(convention: Convention, dt: float) -> str:
    if convention.name == "nir":
        return (
            f"read by NIR's equations at dt = {dt:g} s; snnTorch writes dt = 1e-4, Norse 1.1 "
            f"writes tau = dt/tau_inv (pass exporter='norse'): pass the dt the file was "
            f"written for"
        )
    implied = convention.implied_dt
    return (
        f"read as {convention.writer} at dt = {dt:g} s (it implies dt = {implied:g} s): pass "
        f"the dt the model ran at"
    )


def _decay(name, node, field, shape, convention: Convention, dt: float) -> np.ndarray:
    tau = broadcast(name, field, getattr(node, field), shape)
    with np.errstate(divide="ignore"):
        decay = convention.decay(dt, tau)
    bad = ~((tau > 0) & (decay >= 0) & (decay <= 1))
    if np.any(bad):
        value = tau[bad].flat[0]
        raise ModelError(
            f"NIR node '{name}' has {field} {value:g}, a decay per step outside [0, 1] "
            f"({_hint(convention, dt)})"
        )
    return decay


def _neuron(name, node, shape, convention: Convention, dt: float) -> _Neuron:
    """The per-step quantities of NIR neuron ``node`` with neurons of ``shape``."""

    def param(field: str, default: float = 0.0) -> np.ndarray:
        value = getattr(node, field, None)
        return broadcast(name, field, default if value is None else value, shape)

    r = param("r", 1.0)
    if isinstance(node, nir.CubaLIF | nir.CubaLI):
        cd = _decay(name, node, "tau_syn", shape, convention, dt)
        vd = _decay(name, node, "tau_mem", shape, convention, dt)
        current = param("w_in", 1.0) * (1.0 if convention.current_jump else cd)
        gain, bias = current * vd * r, vd * param("v_leak")
    elif isinstance(node, nir.LIF | nir.LI):
        cd, vd = np.ones(shape), _decay(name, node, "tau", shape, convention, dt)
        gain, bias = vd * r, vd * param("v_leak")
    else:
        cd, vd, bias = np.ones(shape), np.zeros(shape), np.zeros(shape)
        gain = r if convention.if_per_step else dt * r
    threshold = None
    if isinstance(node, SPIKING):
        threshold = param("v_threshold")
        if np.any(param("v_reset") != 0):
            raise ModelError(f"NIR node '{name}' resets v to a nonzero v_reset; pumice resets to 0")
    return _Neuron(cd, vd, gain, bias, threshold)


def _one_value(values: np.ndarray) -> float | np.ndarray:
    """A float where every neuron has the same value, else the array."""
    return float(values.flat[0]) if np.all(values == values.flat[0]) else np.array(values)


def _exact(node: Node, nir_node: nir.NIRNode | None) -> Node:
    """``node`` with the exact fields a pumice file stores, where they agree with it."""
    metadata = (getattr(nir_node, "metadata", None) or {}) if nir_node is not None else {}
    if metadata.get(KIND_KEY) != type(node).__name__:
        return node
    stored = {k: np.asarray(v) for k, v in dict(metadata.get(FIELDS_KEY, {})).items()}
    scalars = dict(metadata.get(SCALARS_KEY, {}))
    scalars = {k: np.asarray(v).reshape(-1)[0] for k, v in scalars.items()}
    exact = {}
    for field, value in {**stored, **scalars}.items():
        if not hasattr(node, field):
            continue
        if isinstance(value, np.bool_ | bool):
            exact[field] = bool(value)
            continue
        computed = np.asarray(getattr(node, field), dtype=np.float64)
        try:
            close = np.allclose(computed, value, rtol=_EXACT_RTOL, atol=1e-12)
        except ValueError:
            close = False
        if close:
            exact[field] = float(value) if field in scalars else np.array(value)
    return dataclasses.replace(node, **exact) if exact else node


@dataclasses.dataclass
class _Builder:
    """The IR chain built so far and the linear nodes waiting for their neuron."""

    graph: object  # the FlatGraph being read
    #: Recurrent neuron -> (name, node) of the Linear/Affine feeding it back.
    loops: dict[str, tuple[str, nir.NIRNode]]
    convention: Convention
    dt: float
    named: list[tuple[str, Node]]
    shape: tuple[int, ...]
    pending: list[LinearOp] = dataclasses.field(default_factory=list)
    #: The non-spiking layer built, which must be the last one.
    readout: str | None = None

    def run_shape(self) -> tuple[int, ...]:
        return signal_shapes(self.pending, self.shape)[-1]

    def linear(self, name: str, node: nir.NIRNode) -> None:
        self.pending.append(read_op(name, node, self.run_shape()))

    def _recurrence(self, name: str, size: int) -> tuple[np.ndarray | None, np.ndarray]:
        """The recurrent weight (n, n) of neuron ``name`` and its Affine bias, if any."""
        if name not in self.loops:
            return None, np.zeros(size)
        loop_name, loop = self.loops[name]
        weight = np.asarray(loop.weight, dtype=np.float64)
        if weight.shape != (size, size):
            raise ModelError(
                f"NIR node '{loop_name}' feeds layer '{name}' of {size} neurons back "
                f"with weights of shape {weight.shape}; pumice needs ({size}, {size})"
            )
        bias = np.asarray(getattr(loop, "bias", np.zeros(size)), dtype=np.float64).reshape(-1)
        return weight, bias

    def neuron(self, name: str, node: nir.NIRNode) -> None:
        if type(node) in self.convention.refused:
            problem = self.convention.refused[type(node)]
            raise ModelError(f"NIR node '{name}' ({type(node).__name__}): {problem}")
        if name in self.loops and self.convention.refused_recurrent is not None:
            problem = self.convention.refused_recurrent
            raise ModelError(f"NIR node '{name}' (recurrent {type(node).__name__}): {problem}")
        where = plan(self.pending, self.shape)
        shape = where.neurons
        params = _neuron(name, node, shape, self.convention, self.dt)
        gain, bias, threshold = params.gain, params.bias, 1.0
        if params.threshold is not None:
            if np.all(params.threshold == params.threshold.flat[0]):
                threshold = float(params.threshold.flat[0])
            else:  # v in units of each neuron's own threshold
                gain, bias = gain / params.threshold, bias / params.threshold
        incoming = synapse(self.pending, self.shape, gain, name)
        size = int(np.prod(shape))
        recurrent, recurrent_bias = self._recurrence(name, size)
        constant = incoming.constant + recurrent_bias.reshape(shape)
        if np.any(constant != 0):
            if np.any(params.current_decay != 1):
                sources = [op.name for op in self.pending if op.bias is not None]
                sources += [self.loops[name][0]] if name in self.loops else []
                raise ModelError(
                    f"NIR node {', '.join(repr(s) for s in sources)} adds a bias that neuron "
                    f"'{name}' would accumulate in its synaptic current; pumice folds a bias "
                    f"only into neurons without current memory (LIF, IF, or tau_syn = dt): "
                    f"export the layer without a bias"
                )
            bias = bias + gain * constant
        fields = dict(
            shape=shape,
            current_decay=_one_value(params.current_decay),
            voltage_decay=_one_value(params.voltage_decay),
            bias=np.array(bias),
        )
        if params.threshold is None:
            made: Node = CubaLI(**fields)
        elif recurrent is None:
            made = CubaLIF(threshold=threshold, **fields)
        else:
            weight = recurrent * gain.reshape(-1)[:, None]
            made = RecurrentCubaLIF(threshold=threshold, recurrent_weight=weight, **fields)
        for synapse_name, synapse_node in incoming.nodes:
            nir_node = self.graph.nodes.get(synapse_name)
            self.named.append((synapse_name, _exact(synapse_node, nir_node)))
        self.named.append((name, _exact(made, node)))
        if params.threshold is None:
            self.readout = name
        self.shape, self.pending = shape, []
        if where.flatten_after is not None:
            self.named.append((where.flatten_after, Flatten()))
            self.shape = (size,)


def _input_shape(name: str, node: nir.Input) -> tuple[int, ...]:
    """The per-sample input shape; a leading 1 on a 2-D or 4-D shape is a batch axis
    (nirtorch writes the sample data's shape)."""
    shape = np.asarray(node.input_type.get("input"))
    integral = shape.dtype.kind in "iuf" and np.all(shape == np.round(shape))
    if shape.ndim != 1 or shape.size == 0 or not integral or np.any(shape < 1):
        raise ModelError(f"NIR Input '{name}' has shape {shape.tolist()}, not positive ints")
    dims = tuple(int(n) for n in shape)
    return dims[1:] if len(dims) in (2, 4) and dims[0] == 1 else dims


def _refuse_non_finite(graph: nir.NIRGraph) -> None:
    """Raise :class:`ModelError` for the first NaN or infinite parameter of any node."""
    for name, node in graph.nodes.items():
        if isinstance(node, nir.NIRGraph):
            _refuse_non_finite(node)
            continue
        for field, value in vars(node).items():
            array = np.asarray(value) if isinstance(value, np.ndarray | float) else None
            if array is not None and array.dtype.kind == "f" and not np.all(np.isfinite(array)):
                raise ModelError(
                    f"NIR node '{name}' ({type(node).__name__}) has {field} holding NaN or "
                    f"infinite values"
                )


def _pumice_file(metadata: dict, dt: float | None) -> tuple[float, dict] | None:
    """(dt, graph metadata) of a file pumice wrote, or None for another tool's file."""
    if metadata.get(PRODUCER_KEY) != PRODUCER:
        return None
    written = float(metadata[DT_KEY])
    if dt is not None and not np.isclose(dt, written, rtol=1e-12, atol=0):
        raise ModelError(
            f"the NIR file was written by pumice at dt = {written:g} s, but dt = {dt:g} was "
            f"given: pass dt={written:g} or leave it out"
        )
    try:
        return written, json.loads(str(metadata.get(GRAPH_METADATA_KEY, "{}")))
    except json.JSONDecodeError:
        raise ModelError(f"the NIR file's {GRAPH_METADATA_KEY} is not JSON") from None


def _older_pumice_metadata(metadata: dict) -> dict:
    """The graph metadata an earlier pumice wrote as JSON under ``pumice``, if any."""
    text = metadata.get("pumice")
    try:
        stored = json.loads(text) if isinstance(text, str) else {}
    except json.JSONDecodeError:
        return {}
    return stored if isinstance(stored, dict) else {}


#: The NIR node types pumice reads, for messages.
SUPPORTED = [t.__name__ for t in (*LINEAR_READERS, *SPIKING, *NON_SPIKING)]


def import_nir(
    source: str | os.PathLike | nir.NIRGraph, dt: float | None = None, *, exporter: str = "auto"
) -> Graph:
    """Read a NIR graph (file path or ``nir.NIRGraph``) as a float IR chain.

    ``dt`` is the step in seconds the file was written for; None takes the file's own
    (pumice's files) or the one its exporter implies. ``exporter`` names the convention
    (``auto``, ``nir``, ``snntorch``, ``norse``, ``sinabs``; see
    :mod:`~pumice.convert.interchange.nir_conventions`).
    """
    graph = _read(source)
    _refuse_non_finite(graph)
    flat, loops = recurrent_loops(flat_graph(graph))
    order = chain(flat)
    neurons = {n: flat.nodes[n] for n in order if type(flat.nodes[n]) in NEURON_TAUS}
    own = _pumice_file(dict(graph.metadata or {}), dt)
    if own is not None:
        (dt, metadata), convention = own, conventions.CONVENTIONS["nir"]
    else:
        convention, reason = conventions.choose(exporter, neurons, dt)
        dt = conventions.step(convention, dt, reason)
        metadata = {**_older_pumice_metadata(graph.metadata or {}), "source": "NIR", "dt": dt}
        metadata["nir_exporter"] = convention.name
        metadata |= {"nir_exporter_reason": reason}
        if convention.caveats:
            metadata["nir_caveats"] = list(convention.caveats)
    shape = _input_shape(order[0], flat.nodes[order[0]])
    builder = _Builder(flat, loops, convention, dt, [(order[0], Input(shape))], shape)
    for name in order[1:-1]:
        node = flat.nodes[name]
        if builder.readout is not None and not isinstance(node, nir.Flatten):
            raise ModelError(
                f"NIR node '{builder.readout}' is a non-spiking neuron and feeds '{name}'; "
                f"pumice reads a non-spiking layer only as the last one (a readout)"
            )
        if type(node) in LINEAR_READERS:
            builder.linear(name, node)
        elif type(node) in NEURON_TAUS:
            builder.neuron(name, node)
        else:
            raise ModelError(
                f"NIR node '{name}' is a {type(node).__name__}; pumice imports chains of "
                f"Input, {', '.join(SUPPORTED)}, Output"
            )
    leftover = [op for op in builder.pending if not isinstance(op.node, Flatten)]
    if leftover or not any(node.is_neuron for _, node in builder.named):
        last = leftover[-1].name if leftover else order[-2]
        raise ModelError(
            f"NIR Output '{order[-1]}' follows '{last}'; pumice graphs end with a neuron layer"
        )
    named = builder.named
    while not named[-1][1].is_neuron:
        named = named[:-1]
    return Graph.chain(named, metadata=metadata)
