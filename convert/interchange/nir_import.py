"""Import a NIR graph (a ``nir.write`` file or a ``nir.NIRGraph``) as a float IR graph.

NIR neurons are ODEs with time constants; IR neurons step in discrete time. With ``dt``
seconds per step, each NIR equation is integrated by forward Euler, the value on an
edge being its value during that step, and the voltage step using the step's new
current, as the IR does (snnTorch's exporter assumes this)::

    CubaLIF  I += dt/tau_syn * (w_in*x - I);   v += dt/tau_mem * (v_leak - v + r*I)
    LIF      v += dt/tau * (v_leak - v + r*x)
    IF       v += dt * r * x

With ``u = dt/tau_mem * r * I`` this is the IR's :class:`CubaLIF` with

- CubaLIF: ``current_decay = dt/tau_syn``, ``voltage_decay = dt/tau_mem``,
  ``bias = dt/tau_mem * v_leak``, input gain ``g = dt/tau_syn * w_in * dt/tau_mem * r``;
- LIF: ``current_decay = 1``, ``voltage_decay = dt/tau``, ``bias = dt/tau * v_leak``,
  ``g = dt/tau * r``. Exact: with ``current_decay = 1`` the IR's ``u = u*0 + a`` is the
  step's input itself, so no current is remembered;
- IF: ``current_decay = 1``, ``voltage_decay = 0``, ``bias = 0``, ``g = dt * r``.

The gain is multiplied into the synapse before the neuron (Dense rows, Conv2d output
channels, the SumPool2d weight); gains within 1e-12 of 1 are round-off of
``dt/tau * tau/dt`` and leave the weights untouched. An Affine or Conv2d bias ``b`` is a
constant input: it becomes ``g*b`` in the neuron's bias where that is exact, i.e. the
neuron has no current memory (LIF, IF, or ``tau_syn == dt``), and is refused otherwise.

Refused with a :class:`ModelError`: anything but one chain ``Input -> ... -> Output``
(branches, merges, recurrent edges, subgraphs), node types other than Linear, Affine,
Conv2d, SumPool2d, Flatten, CubaLIF, LIF and IF, ``v_reset != 0``, decays or thresholds
that differ between the neurons of a node, a time constant shorter than ``dt`` (usually
a wrong ``dt``), a gain that varies within a conv channel or across a pool.

Two differences remain: IR neurons fire on ``v >= threshold``, NIR's on
``v > v_threshold`` (they differ only at exact equality), and every IR synapse delivers
one step later (Lava's behaviour), a latency that NIR graphs do not have.

``dt`` must be the step the file was written for: snnTorch writes with ``dt = 1e-4``
(``tau = dt/(1 - beta)``, ``r = tau_mem/dt``, ``w_in = tau_syn/dt``, so ``g = 1`` and the
decays are ``1 - alpha`` and ``1 - beta``); Norse writes ``tau = 1/tau_inv`` for its
``dt = 1e-3`` with ``r = w_in = 1``, but its own CubaLIF adds the input to the current
without the ``dt/tau_syn`` factor and steps ``v`` with the previous current, so to run
as Norse does, multiply a CubaLIF's ``w_in`` by ``tau_syn/dt`` before importing.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable

import nir
import numpy as np

from pumice.convert.ir import Conv2d, CubaLIF, Dense, Flatten, Graph, Input, Node, SumPool2d
from pumice.errors import ModelError

#: Input gains this close to 1 are round-off and are not folded into the weights.
_UNIT_GAIN_TOLERANCE = 1e-12


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


def _chain(graph: nir.NIRGraph) -> list[str]:
    """Node names from the Input to the Output; anything but one straight chain is refused."""
    succ: dict[str, list[str]] = {name: [] for name in graph.nodes}
    pred: dict[str, list[str]] = {name: [] for name in graph.nodes}
    for src, dst in graph.edges:
        if src not in graph.nodes or dst not in graph.nodes:
            raise ModelError(f"NIR edge {src} -> {dst} names a node that does not exist")
        succ[src].append(dst)
        pred[dst].append(src)
    for name in graph.nodes:
        if len(pred[name]) > 1:
            raise ModelError(
                f"NIR node '{name}' has {len(pred[name])} inputs ({', '.join(pred[name])}), a "
                f"merge or a recurrent edge; pumice imports feed-forward chains"
            )
        if len(succ[name]) > 1:
            raise ModelError(
                f"NIR node '{name}' feeds {len(succ[name])} nodes ({', '.join(succ[name])}); "
                f"pumice imports chains without branches"
            )
    inputs = [name for name, node in graph.nodes.items() if isinstance(node, nir.Input)]
    if len(inputs) != 1:
        raise ModelError(f"NIR graph has {len(inputs)} Input nodes; pumice imports exactly one")
    order = inputs
    while succ[order[-1]]:
        after = succ[order[-1]][0]
        if after in order:
            raise ModelError(
                f"NIR edge {order[-1]} -> {after} closes a loop; pumice imports feed-forward chains"
            )
        order = [*order, after]
    if len(order) != len(graph.nodes):
        missing = ", ".join(name for name in graph.nodes if name not in order)
        raise ModelError(f"NIR nodes {missing} are not on the chain from Input '{order[0]}'")
    if not isinstance(graph.nodes[order[-1]], nir.Output):
        raise ModelError(f"NIR chain ends at '{order[-1]}', not at an Output node")
    return order


def _pair(name: str, field: str, value) -> tuple[int, int]:
    """NIR's int, pair or array for (height, width) as a pair of ints."""
    flat = np.asarray(value).reshape(-1)
    if flat.size not in (1, 2) or flat.dtype.kind not in "iuf":
        raise ModelError(f"NIR node '{name}' has {field} {value!r}; pumice reads one or two ints")
    return (int(flat[0]), int(flat[-1]))


def _fold_dense(name: str, synapse: Dense, gain: np.ndarray) -> Dense:
    return dataclasses.replace(synapse, weight=synapse.weight * gain[:, None])


def _fold_conv(name: str, synapse: Conv2d, gain: np.ndarray) -> Conv2d:
    per_channel = gain[:, :1, :1]
    if np.any(gain != per_channel):
        raise ModelError(
            f"NIR node '{name}' has an input gain (dt/tau * w_in * r) that varies within a "
            f"channel; pumice folds it into the conv weights per output channel"
        )
    return dataclasses.replace(synapse, weight=synapse.weight * per_channel[..., None])


def _fold_pool(name: str, synapse: SumPool2d, gain: np.ndarray) -> SumPool2d:
    if np.any(gain != gain.flat[0]):
        raise ModelError(
            f"NIR node '{name}' has an input gain (dt/tau * w_in * r) that varies between "
            f"neurons; the SumPool2d before it has one weight"
        )
    return dataclasses.replace(synapse, weight=synapse.weight * float(gain.flat[0]))


#: Synapse kind -> function(neuron name, synapse, gain in its output shape) -> synapse.
_FOLDERS: dict[type, Callable] = {Dense: _fold_dense, Conv2d: _fold_conv, SumPool2d: _fold_pool}


@dataclasses.dataclass
class _Builder:
    """The IR chain built so far, with the output shape of every node."""

    dt: float
    named: list[tuple[str, Node]]
    shapes: list[tuple[int, ...]]
    #: A synapse's constant output (its bias, in its output shape) waiting for its neuron.
    bias: tuple[str, np.ndarray] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.shapes[-1]

    def add(self, name: str, node: Node) -> None:
        if self.bias is not None and not isinstance(node, Flatten):
            raise ModelError(
                f"NIR node '{self.bias[0]}' has a bias and feeds '{name}', not a neuron; "
                f"pumice folds a bias only into the neuron right after it"
            )
        self.named.append((name, node))
        self.shapes.append(node.output_shape(self.shape))

    def hold_bias(self, name: str, bias) -> None:
        bias = np.asarray(bias, dtype=np.float64)
        if bias.size != self.shape[0]:
            raise ModelError(
                f"NIR node '{name}' has {bias.size} biases for {self.shape[0]} outputs (channels)"
            )
        if np.any(bias != 0):
            per_output = bias.reshape(-1, *(1,) * (len(self.shape) - 1))
            self.bias = (name, np.broadcast_to(per_output, self.shape))

    def param(self, name: str, field: str, value) -> np.ndarray:
        """A neuron parameter as a float array of the neurons' shape."""
        value = np.asarray(value, dtype=np.float64)
        try:
            return np.broadcast_to(value, self.shape)
        except ValueError:
            raise ModelError(
                f"NIR node '{name}' has {field} of shape {value.shape} for neurons of shape "
                f"{self.shape}"
            ) from None

    def decay(self, name: str, field: str, tau) -> float:
        """``dt / tau`` for a time constant shared by every neuron of the node."""
        tau = self.param(name, field, tau)
        if np.any(tau != tau.flat[0]):
            raise ModelError(
                f"NIR node '{name}' has {field} values that differ between neurons; pumice "
                f"neurons share one decay per node"
            )
        if not tau.flat[0] >= self.dt:
            raise ModelError(
                f"NIR node '{name}' has {field} {tau.flat[0]:g} s; pumice needs time constants "
                f"of at least dt = {self.dt:g} s (pass the dt the file was written for: "
                f"snnTorch writes 1e-4)"
            )
        return self.dt / float(tau.flat[0])

    def fold(self, name: str, gain: np.ndarray) -> None:
        """Multiply the neuron's input gain into the synapse before it (past any Flatten)."""
        if np.all(np.abs(gain - 1.0) <= _UNIT_GAIN_TOLERANCE):
            return
        index = len(self.named) - 1
        while isinstance(self.named[index][1], Flatten):
            index -= 1
        synapse_name, synapse = self.named[index]
        fold = _FOLDERS.get(type(synapse))
        if fold is None:
            raise ModelError(
                f"NIR node '{name}' scales its input by {gain.flat[0]:g} (dt/tau * w_in * r) "
                f"but follows {type(synapse).__name__} '{synapse_name}', which has no weights "
                f"to fold that into"
            )
        folded = fold(name, synapse, gain.reshape(self.shapes[index]))
        self.named[index] = (synapse_name, folded)

    def neuron(
        self,
        name: str,
        node: nir.CubaLIF | nir.LIF | nir.IF,
        current_decay: float,
        voltage_decay: float,
        gain: np.ndarray,
        bias: np.ndarray,
    ) -> None:
        """Append the IR neuron, folding its gain and any held synapse bias."""
        threshold = self.param(name, "v_threshold", node.v_threshold)
        if np.any(threshold != threshold.flat[0]):
            raise ModelError(
                f"NIR node '{name}' has v_threshold values that differ between neurons; pumice "
                f"neurons share one threshold per node"
            )
        if np.any(self.param(name, "v_reset", node.v_reset) != 0):
            raise ModelError(f"NIR node '{name}' resets v to a nonzero v_reset; pumice resets to 0")
        if self.bias is not None:
            source, constant = self.bias
            if current_decay != 1:
                raise ModelError(
                    f"NIR node '{source}' has a bias that neuron '{name}' would accumulate in "
                    f"its synaptic current; pumice folds a bias only into neurons without "
                    f"current memory (LIF, IF, or tau_syn == dt)"
                )
            bias = bias + gain * constant.reshape(self.shape)
            self.bias = None
        self.fold(name, gain)
        lif = CubaLIF(
            self.shape, float(threshold.flat[0]), current_decay, voltage_decay, np.array(bias)
        )
        self.add(name, lif)


def _linear(builder: _Builder, name: str, node: nir.Linear | nir.Affine) -> None:
    weight = np.asarray(node.weight, dtype=np.float64)
    if weight.ndim != 2 or builder.shape != weight.shape[1:]:
        raise ModelError(
            f"NIR node '{name}' has weights of shape {weight.shape} for inputs of shape "
            f"{builder.shape}; pumice reads (out, in) matrices"
        )
    builder.add(name, Dense(weight))
    if isinstance(node, nir.Affine):
        builder.hold_bias(name, node.bias)


def _conv_padding(name: str, node: nir.Conv2d, kernel, dilation, stride) -> tuple[int, int]:
    if isinstance(node.padding, str):
        span = tuple(d * (k - 1) for d, k in zip(dilation, kernel, strict=True))
        if node.padding == "valid":
            return (0, 0)
        if stride == (1, 1) and all(s % 2 == 0 for s in span):
            return (span[0] // 2, span[1] // 2)
        raise ModelError(
            f"NIR node '{name}' has padding 'same' with stride {stride} and kernel span {span}; "
            f"pumice needs stride 1 and even spans to pad symmetrically"
        )
    return _pair(name, "padding", node.padding)


def _conv(builder: _Builder, name: str, node: nir.Conv2d) -> None:
    weight = np.asarray(node.weight, dtype=np.float64)
    groups = int(node.groups)
    if len(builder.shape) != 3 or weight.ndim != 4 or weight.shape[1] * groups != builder.shape[0]:
        raise ModelError(
            f"NIR node '{name}' has weights of shape {weight.shape} with {groups} groups for "
            f"inputs of shape {builder.shape}; pumice reads (out, in/groups, kh, kw) on (C, H, W)"
        )
    stride = _pair(name, "stride", node.stride)
    dilation = _pair(name, "dilation", node.dilation)
    padding = _conv_padding(name, node, weight.shape[2:], dilation, stride)
    builder.add(name, Conv2d(weight, stride, padding, dilation, groups))
    builder.hold_bias(name, node.bias)


def _sum_pool(builder: _Builder, name: str, node: nir.SumPool2d) -> None:
    if len(builder.shape) != 3:
        raise ModelError(
            f"NIR node '{name}' pools inputs of shape {builder.shape}; pumice pools (C, H, W) maps"
        )
    kernel = _pair(name, "kernel_size", node.kernel_size)
    stride = _pair(name, "stride", node.stride)
    builder.add(name, SumPool2d(kernel, stride, _pair(name, "padding", node.padding)))


def _flatten(builder: _Builder, name: str, node: nir.Flatten) -> None:
    ndim = len(builder.shape)
    dims = (int(node.start_dim) % ndim, int(node.end_dim) % ndim)
    if dims != (0, ndim - 1):
        raise ModelError(
            f"NIR node '{name}' flattens dims {node.start_dim} to {node.end_dim} of shape "
            f"{builder.shape}; pumice flattens a whole map (start_dim 0, end_dim -1)"
        )
    builder.add(name, Flatten())


def _cuba_lif(builder: _Builder, name: str, node: nir.CubaLIF) -> None:
    current_decay = builder.decay(name, "tau_syn", node.tau_syn)
    voltage_decay = builder.decay(name, "tau_mem", node.tau_mem)
    w_in = builder.param(name, "w_in", node.w_in)
    r = builder.param(name, "r", node.r)
    gain = current_decay * w_in * voltage_decay * r
    bias = voltage_decay * builder.param(name, "v_leak", node.v_leak)
    builder.neuron(name, node, current_decay, voltage_decay, gain, bias)


def _lif(builder: _Builder, name: str, node: nir.LIF) -> None:
    voltage_decay = builder.decay(name, "tau", node.tau)
    gain = voltage_decay * builder.param(name, "r", node.r)
    bias = voltage_decay * builder.param(name, "v_leak", node.v_leak)
    builder.neuron(name, node, 1.0, voltage_decay, gain, bias)


def _if(builder: _Builder, name: str, node: nir.IF) -> None:
    gain = builder.dt * builder.param(name, "r", node.r)
    builder.neuron(name, node, 1.0, 0.0, gain, np.zeros(builder.shape))


#: NIR node type -> function(builder, name, node) that appends its IR nodes.
_IMPORTERS: dict[type, Callable] = {
    nir.Linear: _linear,
    nir.Affine: _linear,
    nir.Conv2d: _conv,
    nir.SumPool2d: _sum_pool,
    nir.Flatten: _flatten,
    nir.CubaLIF: _cuba_lif,
    nir.LIF: _lif,
    nir.IF: _if,
}


def _input_shape(name: str, node: nir.Input) -> tuple[int, ...]:
    shape = np.asarray(node.input_type.get("input"))
    integral = shape.dtype.kind in "iuf" and np.all(shape == np.round(shape))
    if shape.ndim != 1 or shape.size == 0 or not integral or np.any(shape < 1):
        raise ModelError(f"NIR Input '{name}' has shape {shape.tolist()}, not positive ints")
    return tuple(int(n) for n in shape)


def import_nir(source: str | os.PathLike | nir.NIRGraph, dt: float = 1e-3) -> Graph:
    """Read a NIR graph (file path or ``nir.NIRGraph``) as a float IR chain at ``dt`` s/step."""
    if not dt > 0:
        raise ModelError(f"dt must be a positive number of seconds, not {dt}")
    graph = _read(source)
    order = _chain(graph)
    shape = _input_shape(order[0], graph.nodes[order[0]])
    builder = _Builder(float(dt), [(order[0], Input(shape))], [shape])
    for name in order[1:-1]:
        node = graph.nodes[name]
        importer = _IMPORTERS.get(type(node))
        if importer is None:
            supported = ", ".join(kind.__name__ for kind in _IMPORTERS)
            raise ModelError(
                f"NIR node '{name}' is a {type(node).__name__}; pumice imports chains of "
                f"Input, {supported}, Output"
            )
        importer(builder, name, node)
    last, node = builder.named[-1]
    if not isinstance(node, CubaLIF):
        raise ModelError(
            f"NIR Output '{order[-1]}' follows '{last}'; pumice graphs end with a spiking neuron"
        )
    stored = _stored_metadata(graph)
    return Graph.chain(builder.named, metadata={**stored, "source": "NIR", "dt": float(dt)})


def _stored_metadata(graph: nir.NIRGraph) -> dict:
    """The IR metadata pumice's exporter wrote into the graph's metadata, or none."""
    text = (graph.metadata or {}).get("pumice")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        stored = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return stored if isinstance(stored, dict) else {}
