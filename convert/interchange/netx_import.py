"""Import a lava-dl netx ``.net`` file (HDF5) as a fixed-point IR graph.

The graph computes what ``lava.lib.dl.netx.hdf5.Network`` builds in Lava (``fixed_pt``),
spike for spike: dense weights go through netx's ``optimize_weight_bits``, conv weights
are used as they are (the file holds torch-layout cross-correlation kernels, which netx
flips into Lava's convolution layout), every LIF gets ``du = iDecay - 1``, ``dv = vDecay``,
``vth = vThMant`` and ``bias_mant = bias`` with ``bias_exp = 6``, and a dense layer after a
flatten layer sees the (C, H, W) map flattened in C order, as netx connects it.

An ``input`` layer with a neuron becomes an :class:`Input` node feeding a
:class:`FixedCubaLIF` with no synapse in between: netx's Input block is a bare LIF, so
pumice's Input node stands for what arrives at that neuron's ``a_in`` each step (netx
leaves ``Network.inp`` unconnected to it, and ignores the layer's ``weight``/``bias``
transform). Without a neuron, the ``input`` layer only gives the input shape.

netx itself refuses ``pool`` layers; pumice reads them as SLAYER's pool synapse, one
kernel shared by every channel, i.e. a depthwise :class:`FixedConv2d`. Axonal delays,
graded spikes, complex weights and non-CUBA neurons are refused.

A file pumice wrote also carries the graph's metadata and each synapse's own encoding
(:mod:`.netx_format`); where that encoding still computes the stored weights exactly it
is kept, so the weight bits survive a round trip. netx itself always re-encodes.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import h5py
import numpy as np

from pumice.convert.interchange.netx_format import (
    LAYER_TYPES,
    METADATA_ATTR,
    NEURON_TYPES,
    SPARSE_ATTR,
    WEIGHT_BITS_ATTR,
    WEIGHT_EXP_ATTR,
    encoded_dense,
    netx_dense,
)
from pumice.convert.ir import FixedConv2d, FixedCubaLIF, Flatten, Graph, Input, Node
from pumice.convert.ir.fixed_point import NETX_BIAS_EXP
from pumice.errors import ModelError

#: netx's neuron for a dense layer without one; its ``1 << 18 - 1`` is ``1 << 17``.
_DEFAULT_NEURON = {"iDecay": 0, "vDecay": 4096, "vThMant": 1 << 17}


@dataclasses.dataclass
class _Layer:
    """One ``layer/<index>`` group, read the way netx's ``NetDict`` reads it."""

    path: Path
    index: int
    kind: str
    group: h5py.Group

    def error(self, problem: str) -> ModelError:
        return ModelError(f"{self.path}: layer {self.index} ({self.kind}) {problem}")

    def has(self, key: str) -> bool:
        return key in self.group

    def read(self, key: str) -> np.ndarray:
        if not isinstance(self.group.get(key), h5py.Dataset):
            raise self.error(f"has no '{key}' dataset")
        return np.asarray(self.group[key][()])

    def integers(self, key: str) -> np.ndarray:
        """An array as netx's ``astype(int)`` sees it (fractions truncated)."""
        value = self.read(key)
        if value.dtype.kind not in "biuf":
            raise self.error(f"'{key}' holds {value.dtype} values, not numbers")
        if value.dtype.kind == "f" and not np.all(np.abs(value) < 2.0**63):
            raise self.error(f"'{key}' holds NaN, infinite or out-of-range values")
        return value.astype(np.int64)

    def scalar(self, key: str) -> int:
        value = self.integers(key)
        if value.size != 1:
            raise self.error(f"'{key}' has {value.size} values; pumice reads one per layer")
        return int(value.reshape(-1)[0])

    def pair(self, key: str) -> tuple[int, int]:
        """netx's ``expand``: a scalar for both axes, else (height, width) as stored."""
        value = self.integers(key).reshape(-1)
        if value.size not in (1, 2):
            raise self.error(f"'{key}' has {value.size} values, not 1 or 2")
        return (int(value[0]), int(value[-1]))

    def text(self, key: str) -> str:
        value = self.read(key).reshape(-1)
        if value.size != 1:
            raise self.error(f"'{key}' holds {value.size} strings, not one")
        value = value[0]
        return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


def _neuron(layer: _Layer, shape: tuple[int, ...], bias: np.ndarray | None) -> FixedCubaLIF:
    if layer.has("neuron"):
        params = {key: layer.scalar(f"neuron/{key}") for key in ("iDecay", "vDecay", "vThMant")}
        neuron_type = layer.text("neuron/type")
        message_bits = layer.scalar("neuron/messageBits") if layer.has("neuron/messageBits") else 0
    elif layer.kind == "dense":
        params, neuron_type, message_bits = _DEFAULT_NEURON, "CUBA", 0
    else:
        raise layer.error("has no 'neuron' group")
    if neuron_type not in NEURON_TYPES:
        raise layer.error(
            f"has neuron type '{neuron_type}'; pumice imports {', '.join(NEURON_TYPES)}"
        )
    if message_bits:
        raise layer.error(f"sends {message_bits}-bit graded spikes; pumice spikes are binary")
    return FixedCubaLIF(
        shape=shape,
        du=params["iDecay"] - 1,
        dv=params["vDecay"],
        vth=params["vThMant"],
        bias_mant=np.zeros(shape, dtype=np.int64) if bias is None else bias,
        bias_exp=NETX_BIAS_EXP,
    )


def _bias(layer: _Layer, shape: tuple[int, ...]) -> np.ndarray | None:
    """The layer's bias in IR layout; netx takes a map's bias per neuron (W, H, C) or channel."""
    if not layer.has("bias"):
        return None
    bias = layer.integers("bias")
    if len(shape) == 3 and bias.shape == shape[::-1]:
        return np.ascontiguousarray(bias.transpose(2, 1, 0))
    if len(shape) == 3 and bias.shape == (shape[0],):
        return np.broadcast_to(bias[:, None, None], shape).copy()
    if len(shape) == 1 and bias.ndim <= 1 and bias.size in (1, shape[0]):
        return np.broadcast_to(bias, shape).copy()
    raise layer.error(f"has a bias of shape {bias.shape} for neurons of shape {shape}")


def _shape(layer: _Layer) -> tuple[int, ...]:
    return tuple(int(n) for n in layer.integers("shape").reshape(-1))


def _check_shape(layer: _Layer, computed: tuple[int, ...]) -> tuple[int, ...]:
    stored = _shape(layer)
    if stored != computed:
        raise layer.error(f"has shape {stored} but its synapse gives {computed}")
    return computed


def _refuse_delay(layer: _Layer) -> None:
    if layer.has("delay"):
        raise layer.error("has axonal delays, which pumice graphs cannot express")


def _map_input(layer: _Layer, shape: tuple[int, ...] | None) -> tuple[int, ...]:
    if shape is None:
        raise layer.error(
            "has an unknown input shape (the file has no input layer): give it as "
            "--input-shape C,H,W (input_shape=(C, H, W) from Python)"
        )
    if len(shape) != 3:
        raise layer.error(f"needs a (C, H, W) map but follows a layer of shape {shape}")
    return shape


def _dense(layer: _Layer, shape):
    _refuse_delay(layer)
    if isinstance(layer.group.get("weight"), h5py.Group):
        raise layer.error("has complex weights, which pumice graphs cannot express")
    out = (int(np.prod(_shape(layer))),)
    weight = layer.integers("weight")
    weight = weight.reshape(out[0], -1) if weight.ndim == 1 else weight
    if weight.ndim != 2 or weight.shape[0] != out[0]:
        raise layer.error(f"has weights of shape {weight.shape} for {out[0]} neurons")
    shape = (weight.shape[1],) if shape is None else shape
    if shape != (weight.shape[1],):
        raise layer.error(f"has {weight.shape[1]} inputs but follows a layer of shape {shape}")
    try:
        synapse = _pumice_dense(layer, weight) or netx_dense(weight)
    except ValueError as exc:
        raise layer.error(str(exc)) from None
    return shape, [("synapse", synapse), ("neuron", _neuron(layer, out, _bias(layer, out)))], out


def _pumice_dense(layer: _Layer, weight: np.ndarray):
    """The encoding pumice wrote beside the weights, where it still computes them exactly
    (a file edited since, or written by another tool, gets netx's own encoding)."""
    attrs = layer.group.attrs
    if WEIGHT_EXP_ATTR not in attrs or WEIGHT_BITS_ATTR not in attrs:
        return None
    try:
        exponent, bits = int(attrs[WEIGHT_EXP_ATTR]), int(attrs[WEIGHT_BITS_ATTR])
        sparse = bool(attrs.get(SPARSE_ATTR, False))
    except (TypeError, ValueError):
        return None
    return encoded_dense(weight, exponent, bits, sparse)


def _pumice_conv_exponent(layer: _Layer, weight: np.ndarray) -> tuple[np.ndarray, int]:
    """Conv mantissas and exponent as pumice wrote them (netx's conv has no exponent, so
    the file holds ``mantissa << exponent``); the weights as stored otherwise."""
    try:
        exponent = int(layer.group.attrs.get(WEIGHT_EXP_ATTR, 0))
    except (TypeError, ValueError):
        return weight, 0
    if not 0 < exponent < 24 or np.any(weight % (1 << exponent)):
        return weight, 0
    return weight >> exponent, exponent


def _conv(layer: _Layer, shape):
    _refuse_delay(layer)
    shape = _map_input(layer, shape)
    weight = layer.integers("weight")
    weight = weight.reshape(weight.shape[:4]) if weight.ndim == 5 else weight
    groups = layer.scalar("groups")
    if weight.ndim != 4 or groups < 1 or weight.shape[1] * groups != shape[0]:
        raise layer.error(f"has weights of shape {weight.shape} for {shape[0]} input channels")
    mantissa, exponent = _pumice_conv_exponent(layer, weight)
    synapse = FixedConv2d(
        mantissa,
        stride=layer.pair("stride"),
        padding=layer.pair("padding"),
        dilation=layer.pair("dilation"),
        groups=groups,
        weight_exp=exponent,
    )
    out = _check_shape(layer, synapse.output_shape(shape))
    return shape, [("synapse", synapse), ("neuron", _neuron(layer, out, _bias(layer, out)))], out


def _pool(layer: _Layer, shape):
    _refuse_delay(layer)
    shape = _map_input(layer, shape)
    kernel = layer.integers("weight")
    if kernel.ndim < 2 or kernel.size != kernel.shape[-2] * kernel.shape[-1]:
        raise layer.error(f"has a kernel of shape {kernel.shape}; a pool shares one 2-D kernel")
    channels = shape[0]
    weight = np.broadcast_to(
        kernel.reshape(1, 1, *kernel.shape[-2:]), (channels, 1, *kernel.shape[-2:])
    )
    synapse = FixedConv2d(
        weight.copy(),
        stride=layer.pair("stride"),
        padding=layer.pair("padding"),
        dilation=layer.pair("dilation"),
        groups=channels,
    )
    out = _check_shape(layer, synapse.output_shape(shape))
    return shape, [("synapse", synapse), ("neuron", _neuron(layer, out, None))], out


def _flatten(layer: _Layer, shape):
    if shape is None:
        raise layer.error("comes before any layer that gives the input shape")
    node = Flatten()
    return shape, [("flatten", node)], node.output_shape(shape)


_BUILDERS = {"dense": _dense, "conv": _conv, "pool": _pool, "flatten": _flatten}


def _input(layer: _Layer, named: list[tuple[str, Node]]) -> tuple[int, ...]:
    if layer.index != 0:
        raise layer.error("is an input layer after the first layer")
    shape = _shape(layer)
    named.append(("input", Input(shape)))
    if layer.has("neuron"):
        named.append(("input_neuron", _neuron(layer, shape, None)))
    return shape


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _open(path: Path) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{path}: cannot be read as an HDF5 netx file ({_one_line(exc)})"
        ) from None


def _read_layers(
    path: Path, handle: h5py.File, shape: tuple[int, ...] | None
) -> list[tuple[str, Node]]:
    layers = handle.get("layer")
    if not isinstance(layers, h5py.Group) or len(layers) == 0:
        raise ModelError(f"{path}: has no 'layer' group of netx layers")
    named: list[tuple[str, Node]] = []
    counters: dict[str, int] = {}
    for index in range(len(layers)):
        group = layers.get(str(index))
        if not isinstance(group, h5py.Group):
            raise ModelError(f"{path}: layer groups must be numbered 0 to {len(layers) - 1}")
        layer = _Layer(path, index, "type unknown", group)
        layer.kind = layer.text("type")
        if layer.kind not in LAYER_TYPES:
            raise ModelError(
                f"{path}: layer {index} has type '{layer.kind}'; supported types are "
                f"{', '.join(LAYER_TYPES)}"
            )
        if layer.kind == "input":
            shape = _input(layer, named)
            continue
        in_shape, nodes, shape = _BUILDERS[layer.kind](layer, shape)
        if not named:
            named.append(("input", Input(in_shape)))
        counters[layer.kind] = counters.get(layer.kind, 0) + 1
        name = f"{layer.kind}{counters[layer.kind]}"
        for role, node in nodes:
            named.append((f"{name}_synapse" if role == "synapse" else name, node))
    if not any(node.is_neuron for _, node in named):
        raise ModelError(f"{path}: has no spiking layer")
    return named


def import_netx(path: str | os.PathLike, *, input_shape: tuple[int, ...] | None = None) -> Graph:
    """Fixed-point graph of the network in the netx ``.net`` file at ``path``.

    ``input_shape`` (IR order, e.g. (C, H, W)) is needed only when the file has no
    ``input`` layer and starts with a conv or pool layer, as for netx's own argument.
    """
    path = Path(path)
    with _open(path) as handle:
        try:
            named = _read_layers(path, handle, None if input_shape is None else tuple(input_shape))
            metadata = _metadata(handle)
        except OSError as exc:
            raise ModelError(f"{path}: cannot be read ({_one_line(exc)})") from None
    return Graph.chain(named, {**metadata, "source": "lava-dl netx", "file": str(path)})


def _metadata(handle: h5py.File) -> dict:
    """The graph metadata pumice wrote into the file (data, T, lag), or none."""
    text = handle.attrs.get(METADATA_ATTR)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        metadata = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}
