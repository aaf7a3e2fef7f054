"""The linear NIR nodes between two neurons, as the one IR synapse that feeds the second.

Exporters write weight layers (Linear, Affine, Conv2d), pools (SumPool2d, AvgPool2d),
element-wise gains (Scale) and Flatten; several may follow each other without a neuron
between (snnTorch's ``Conv2d -> AvgPool2d -> Leaky``, Sinabs' ``IAF -> SumPool2d ->
Conv2d``). An IR synapse is one linear map delivered one step later, so each such run
becomes one IR synapse (with an IR Flatten before a Dense that reads a map):

- one weight layer: itself, Scales before it folded into its input columns (per input
  channel for a Conv2d) and after it into its output rows, and the neuron's input gain
  into its output rows (per output channel for a Conv2d); a pool whose gains differ
  between channels becomes a depthwise Conv2d;
- several, ending in a flat output: one Dense, the run's exact matrix (measured by
  pushing the identity through it);
- several convolutions and pools ending in a map: one Conv2d whose kernel is their
  composition (stride and padding multiply out), checked against the run itself on
  random input and refused where borders or dropped rows make it differ.

Biases are the run's output for zero input; the neuron importer adds them to its
bias. A run with no weight layer at all (a neuron right after the Input or after another
neuron) becomes a one-to-one synapse.
"""

from __future__ import annotations

import dataclasses

import nir
import numpy as np

from pumice.convert.ir import Conv2d, Dense, Flatten, Node, SumPool2d
from pumice.convert.semantics import SEMANTICS
from pumice.errors import ModelError

#: Relative error allowed between a composed kernel and the run it replaces.
_COMPOSE_RTOL = 1e-9


@dataclasses.dataclass
class LinearOp:
    """One NIR node of a run: an IR synapse or Flatten, a gain (Scale) or a bias."""

    name: str
    #: A Dense, Conv2d, SumPool2d or Flatten; None for a Scale.
    node: Node | None = None
    #: A Scale's gains, in its input's shape.
    scale: np.ndarray | None = None
    #: A weight layer's bias: one per output (Dense) or per output channel (Conv2d).
    bias: np.ndarray | None = None

    @property
    def weighted(self) -> bool:
        return self.node is not None and self.node.is_synapse

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return shape if self.node is None else tuple(self.node.output_shape(shape))


def pair(name: str, field: str, value) -> tuple[int, int]:
    """NIR's int, pair or array for (height, width) as a pair of ints."""
    flat = np.asarray(value).reshape(-1)
    if flat.size not in (1, 2) or flat.dtype.kind not in "iuf":
        raise ModelError(f"NIR node '{name}' has {field} {value!r}; pumice reads one or two ints")
    return (int(flat[0]), int(flat[-1]))


def _dense(name: str, node: nir.Linear | nir.Affine, shape) -> LinearOp:
    weight = np.asarray(node.weight, dtype=np.float64)
    if weight.ndim != 2:
        raise ModelError(
            f"NIR node '{name}' has weights of shape {weight.shape}; pumice reads (out, in)"
        )
    bias = np.asarray(node.bias, dtype=np.float64) if isinstance(node, nir.Affine) else None
    return LinearOp(name, Dense(weight), bias=bias)


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
    return pair(name, "padding", node.padding)


def _conv(name: str, node: nir.Conv2d, shape) -> LinearOp:
    weight = np.asarray(node.weight, dtype=np.float64)
    groups = int(np.asarray(node.groups).reshape(-1)[0])
    stride = pair(name, "stride", node.stride)
    dilation = pair(name, "dilation", node.dilation)
    padding = _conv_padding(name, node, weight.shape[2:], dilation, stride)
    bias = None if node.bias is None else np.asarray(node.bias, dtype=np.float64)
    return LinearOp(name, Conv2d(weight, stride, padding, dilation, groups), bias=bias)


def _pool(name: str, node: nir.SumPool2d | nir.AvgPool2d, shape) -> LinearOp:
    kernel = pair(name, "kernel_size", node.kernel_size)
    stride = pair(name, "stride", node.stride)
    weight = 1.0 / (kernel[0] * kernel[1]) if isinstance(node, nir.AvgPool2d) else 1.0
    return LinearOp(name, SumPool2d(kernel, stride, pair(name, "padding", node.padding), weight))


def _flatten(name: str, node: nir.Flatten, shape) -> LinearOp:
    ndim = len(shape)
    dims = (int(node.start_dim) % ndim, int(node.end_dim) % ndim)
    if dims != (0, ndim - 1) and ndim > 1:
        raise ModelError(
            f"NIR node '{name}' flattens dims {node.start_dim} to {node.end_dim} of shape "
            f"{shape}; pumice flattens a whole map (start_dim 0, end_dim -1)"
        )
    return LinearOp(name, Flatten())


def _scale(name: str, node: nir.Scale, shape) -> LinearOp:
    return LinearOp(name, scale=broadcast(name, "scale", node.scale, shape))


#: NIR node type -> reader of the LinearOp it is, given the shape it is fed.
LINEAR_READERS = {
    nir.Linear: _dense,
    nir.Affine: _dense,
    nir.Conv2d: _conv,
    nir.SumPool2d: _pool,
    nir.AvgPool2d: _pool,
    nir.Flatten: _flatten,
    nir.Scale: _scale,
}


def broadcast(name: str, field: str, value, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a float array of ``shape``: broadcast, or reshaped from as many values
    (a neuron parameter written flat for a map, or with a leading batch axis of 1)."""
    array = np.asarray(value, dtype=np.float64)
    if array.size == int(np.prod(shape)) and array.shape != tuple(shape):
        return array.reshape(shape)
    try:
        return np.broadcast_to(array, shape)
    except ValueError:
        raise ModelError(
            f"NIR node '{name}' has {field} of shape {array.shape} for a signal of shape {shape}"
        ) from None


def read_op(name: str, node: nir.NIRNode, shape: tuple[int, ...]) -> LinearOp:
    """The LinearOp of NIR ``node`` fed ``shape``, its parameters checked against it."""
    op = LINEAR_READERS[type(node)](name, node, shape)
    if op.weighted:
        fed = (int(np.prod(shape)),) if op.node.traits.connectivity == "dense" else shape
        problem = op.node.input_problem(fed)
        if problem is None and min(op.node.output_shape(fed), default=1) < 1:
            problem = f"leaves no output for input of shape {shape}"
        if problem is not None:
            raise ModelError(f"NIR node '{name}' ({type(node).__name__}) {problem}")
        outputs = op.node.output_shape(fed)[0]
        if op.bias is not None and op.bias.size != outputs:
            raise ModelError(
                f"NIR node '{name}' has {op.bias.size} biases for {outputs} outputs (channels)"
            )
    return op


def _apply(op: LinearOp, x: np.ndarray) -> np.ndarray:
    """``op`` on ``x`` of shape (batch, *shape), its bias included."""
    if op.node is None:
        return x * op.scale
    if op.node.traits.role == "reshape":
        return x.reshape(len(x), -1)
    fed = x.reshape(len(x), -1) if op.node.traits.connectivity == "dense" else x
    out = SEMANTICS[type(op.node)](op.node, fed[..., None])[..., 0]
    if op.bias is not None:
        out = out + op.bias.reshape(-1, *(1,) * (out.ndim - 2))
    return out


def _run(ops: list[LinearOp], x: np.ndarray) -> np.ndarray:
    for op in ops:
        x = _apply(op, x)
    return x


def _uniform(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """Per-channel values of ``values`` (any layout of a (C, ...) signal) whose entries
    agree within each channel, else None."""
    per_channel = np.asarray(values).reshape(shape[0], -1)
    if np.all(per_channel == per_channel[:, :1]):
        return per_channel[:, 0]
    return None


def _product(ops: list[LinearOp], size: int) -> np.ndarray:
    """The product of the Scales among ``ops``, flat over the ``size`` values they scale."""
    total = np.ones(size)
    for op in ops:
        if op.scale is not None:
            total = total * op.scale.reshape(-1)
    return total


def signal_shapes(ops: list[LinearOp], shape_in: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The signal's shape before each op and after the last."""
    shapes = [tuple(shape_in)]
    for op in ops:
        fed = shapes[-1]
        if op.weighted and op.node.traits.connectivity == "dense":
            fed = (int(np.prod(fed)),)
        shapes.append(op.output_shape(fed))
    return shapes


@dataclasses.dataclass
class Plan:
    """Where a run's neurons sit: their shape, and a Flatten that moves behind them."""

    #: The shape of the neurons the run feeds.
    neurons: tuple[int, ...]
    #: Name of a Flatten after the run's one conv or pool, which the neurons precede
    #: (they act element by element), or None.
    flatten_after: str | None


def plan(ops: list[LinearOp], shape_in: tuple[int, ...]) -> Plan:
    """The neurons' shape for a run: its output shape, except that a Flatten after a
    lone conv or pool moves behind the neurons (a synapse feeds its neurons directly)."""
    shapes = signal_shapes(ops, shape_in)
    weighted = [i for i, op in enumerate(ops) if op.weighted]
    if len(weighted) == 1 and ops[weighted[0]].node.traits.connectivity != "dense":
        after = [op for op in ops[weighted[0] + 1 :] if op.node is not None]
        if after:
            return Plan(shapes[weighted[0] + 1], after[0].name)
    return Plan(shapes[-1], None)


@dataclasses.dataclass
class Synapse:
    """What a run of linear nodes becomes: IR nodes, and the constant it adds."""

    nodes: list[tuple[str, Node]]
    #: The run's output for zero input (its biases), in the neurons' shape.
    constant: np.ndarray


def _flatten_before(ops: list[LinearOp], name: str, shape: tuple[int, ...]):
    """An IR Flatten for a Dense fed a map, named after the run's Flatten if it has one."""
    if len(shape) == 1:
        return []
    flattens = [op.name for op in ops if op.node is not None and op.node.traits.role == "reshape"]
    return [(flattens[0] if flattens else f"{name}.flatten", Flatten())]


def _single(ops, index: int, shapes, gain: np.ndarray) -> list[tuple[str, Node]] | None:
    """The weight layer ``ops[index]`` with every gain folded in, or None where a gain
    varies where the layer has one weight (within a conv channel)."""
    op, node = ops[index], ops[index].node
    fed, out = shapes[index] if node.traits.connectivity != "dense" else None, shapes[index + 1]
    size_in = int(np.prod(shapes[index]))
    pre = _product(ops[:index], size_in)
    post = _product(ops[index + 1 :], int(np.prod(out))) * gain.reshape(-1)
    if node.traits.connectivity == "dense":
        weight = node.weight * post[:, None] * pre[None, :]
        flatten = _flatten_before(ops[:index], op.name, shapes[0])
        return [*flatten, (op.name, dataclasses.replace(node, weight=weight))]
    channels_in, channels_out = _uniform(pre, fed), _uniform(post, out)
    if channels_in is None or channels_out is None:
        return None
    if node.traits.connectivity == "pool":
        if np.all(channels_in == channels_in[0]) and np.all(channels_out == channels_out[0]):
            weight = node.weight * channels_in[0] * channels_out[0]
            return [(op.name, dataclasses.replace(node, weight=weight))]
        kernel = node.depthwise_weight(fed[0]) * (channels_in * channels_out)[:, None, None, None]
        return [(op.name, Conv2d(kernel, node.stride, node.padding, (1, 1), fed[0]))]
    groups, per_group = node.groups, node.weight.shape[1]
    scale = channels_out.reshape(groups, -1, 1) * channels_in.reshape(groups, 1, per_group)
    weight = node.weight.reshape(groups, -1, per_group, *node.weight.shape[2:])
    weight = (weight * scale[..., None, None]).reshape(node.weight.shape)
    return [(op.name, dataclasses.replace(node, weight=weight))]


def _full_conv(node: Node, channels: int) -> tuple[np.ndarray, tuple, tuple]:
    """A Conv2d or SumPool2d as (one-group, undilated kernel, stride, padding)."""
    if node.traits.connectivity == "pool":
        node = Conv2d(node.depthwise_weight(channels), node.stride, node.padding, (1, 1), channels)
    out_ch, per_group, kh, kw = node.weight.shape
    dh, dw = node.dilation
    full = np.zeros((out_ch, per_group * node.groups, dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    outs = out_ch // node.groups
    for g in range(node.groups):
        rows, cols = slice(g * outs, (g + 1) * outs), slice(g * per_group, (g + 1) * per_group)
        full[rows, cols, ::dh, ::dw] = node.weight[rows]
    return full, tuple(node.stride), tuple(node.padding)


def _compose(first, second) -> tuple[np.ndarray, tuple, tuple]:
    """Kernel, stride and padding of conv ``second`` applied after conv ``first`` (inside
    the maps; :func:`_composed_conv` checks the borders)."""
    (a, sa, pa), (b, sb, pb) = first, second
    size = [a.shape[2 + i] + (b.shape[2 + i] - 1) * sa[i] for i in range(2)]
    kernel = np.zeros((b.shape[0], a.shape[1], *size))
    for i in range(b.shape[2]):
        for j in range(b.shape[3]):
            y, x = i * sa[0], j * sa[1]
            kernel[:, :, y : y + a.shape[2], x : x + a.shape[3]] += np.einsum(
                "om,mcyx->ocyx", b[:, :, i, j], a
            )
    return kernel, (sa[0] * sb[0], sa[1] * sb[1]), (pa[0] + pb[0] * sa[0], pa[1] + pb[1] * sa[1])


def _composed_conv(ops: list[LinearOp], shapes, names: str) -> Conv2d:
    """The run's convolutions and pools as one Conv2d, checked against the run."""
    composed = None
    for op, shape in zip(ops, shapes, strict=False):
        if not op.weighted:
            raise ModelError(
                f"NIR nodes {names} follow each other without a neuron between; pumice fuses "
                f"them into one convolution, which cannot hold the Scale or Flatten "
                f"'{op.name}' inside it"
            )
        full = _full_conv(op.node, shape[0])
        composed = full if composed is None else _compose(composed, full)
    conv = Conv2d(*composed)
    probe = np.random.default_rng(0).normal(size=(3, *shapes[0]))
    zero = _run(ops, np.zeros((1, *shapes[0])))
    fits = conv.input_problem(shapes[0]) is None and conv.output_shape(shapes[0]) == shapes[-1]
    if not fits or not np.allclose(
        _apply(LinearOp("", conv), probe), _run(ops, probe) - zero, rtol=_COMPOSE_RTOL, atol=1e-12
    ):
        raise ModelError(
            f"NIR nodes {names} follow each other without a neuron between and do not compose "
            f"into one convolution (borders, or rows a pool drops, differ): put a neuron "
            f"between them"
        )
    return conv


def _one_to_one(ops, shape_in, gain: np.ndarray, neuron: str) -> list[tuple[str, Node]]:
    """A synapse passing each input to one neuron, times its gain and the run's Scales."""
    total = gain.reshape(-1) * _product(ops, int(np.prod(shape_in)))
    name = f"{neuron}.synapse"
    if len(gain.shape) == 3:
        per_channel = _uniform(total, gain.shape)
        if per_channel is None:
            raise ModelError(
                f"NIR node '{neuron}' takes a map without a synapse before it and scales it "
                f"differently within a channel; pumice needs a Conv2d before it"
            )
        return [(name, Conv2d(per_channel.reshape(-1, 1, 1, 1), groups=gain.shape[0]))]
    return [*_flatten_before(ops, name, tuple(shape_in)), (name, Dense(np.diag(total)))]


def synapse(
    ops: list[LinearOp], shape_in: tuple[int, ...], gain: np.ndarray, neuron: str
) -> Synapse:
    """The IR synapse for the run ``ops`` fed ``shape_in``, feeding ``neuron`` (whose
    shape :func:`plan` gives) through its per-neuron input ``gain``."""
    shapes = signal_shapes(ops, shape_in)
    neurons = plan(ops, shape_in).neurons
    constant = _run(ops, np.zeros((1, *shape_in)))[0].reshape(neurons)
    weighted = [i for i, op in enumerate(ops) if op.weighted]
    names = ", ".join(f"'{op.name}'" for op in ops)
    if not weighted:
        return Synapse(_one_to_one(ops, shape_in, gain.reshape(neurons), neuron), constant)
    if len(weighted) == 1:
        nodes = _single(ops, weighted[0], shapes, gain)
        if nodes is not None:
            return Synapse(nodes, constant)
        if ops[weighted[0]].node.traits.connectivity != "dense":
            raise ModelError(
                f"NIR node '{neuron}' scales its input (dt/tau * w_in * r, or a Scale) "
                f"differently within a channel of '{ops[weighted[0]].name}'; pumice folds it "
                f"into the weights per channel"
            )
    last = ops[weighted[-1]]
    if len(neurons) == 1:
        eye = np.eye(int(np.prod(shape_in))).reshape(-1, *shape_in)
        zero = _run(ops, np.zeros((1, *shape_in)))
        matrix = (_run(ops, eye) - zero).reshape(len(eye), -1).T * gain.reshape(-1)[:, None]
        flatten = _flatten_before(ops, last.name, tuple(shape_in))
        return Synapse([*flatten, (last.name, Dense(matrix))], constant)
    conv = _composed_conv(ops, shapes, names)
    per_channel = _uniform(gain, neurons)
    if per_channel is None:
        raise ModelError(
            f"NIR node '{neuron}' scales its input differently within a channel of the "
            f"fused convolution {names}; pumice folds it into the weights per channel"
        )
    weight = conv.weight * per_channel[:, None, None, None]
    return Synapse([(last.name, dataclasses.replace(conv, weight=weight))], constant)
