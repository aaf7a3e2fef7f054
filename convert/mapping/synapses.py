"""The synapses feeding each neuron layer, unrolled to (presynaptic, postsynaptic) index pairs.

Neuron indices are flat, C order over the layer's shape (as ``Flatten`` orders them), so a
conv layer's neuron ``(c, y, x)`` is ``(c * H + y) * W + x``. A synapse is present when its
weight is nonzero; a conv is unrolled tap by tap, border taps that fall on padding left out.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from pumice.convert.ir import FixedConv2d, FixedDense, Flatten, Graph, Input
from pumice.convert.mapping.errors import MappingError


@dataclasses.dataclass(frozen=True, eq=False)
class LayerSynapses:
    """Every present synapse onto one neuron layer, as flat index pairs."""

    #: Neuron layer the synapses feed.
    layer: str
    #: Input node or neuron layer whose spikes they carry.
    source: str
    #: The synapse node (FixedDense or FixedConv2d).
    node: FixedDense | FixedConv2d
    #: Neurons of the source and of the layer.
    n_pre: int
    n_post: int
    #: Flat presynaptic and postsynaptic index of each synapse.
    pre: np.ndarray
    post: np.ndarray

    @property
    def dense_storage(self) -> bool:
        """True for a dense weight matrix: an axon stores a weight for every neuron it feeds."""
        return isinstance(self.node, FixedDense) and not self.node.sparse

    def fan_out(self) -> np.ndarray:
        """Present synapses leaving each presynaptic neuron."""
        return np.bincount(self.pre, minlength=self.n_pre)


def _dense_pairs(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    post, pre = np.nonzero(weight)
    return pre.astype(np.int64), post.astype(np.int64)


def _conv_pairs(
    node: FixedConv2d, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    (_, height, width), (out_ch, out_h, out_w) = in_shape, out_shape
    o, ci, ky, kx = np.nonzero(node.weight)
    in_ch = (o // (out_ch // node.groups)) * node.weight.shape[1] + ci
    rows = np.arange(out_h)[None, :] * node.stride[0] - node.padding[0]
    cols = np.arange(out_w)[None, :] * node.stride[1] - node.padding[1]
    iy = rows + ky[:, None] * node.dilation[0]  # (taps, out_h)
    ix = cols + kx[:, None] * node.dilation[1]  # (taps, out_w)
    valid = ((iy >= 0) & (iy < height))[:, :, None] & ((ix >= 0) & (ix < width))[:, None, :]
    tap, oy, ox = np.nonzero(valid)
    pre = (in_ch[tap] * height + iy[tap, oy]) * width + ix[tap, ox]
    post = (o[tap] * out_h + oy) * out_w + ox
    return pre.astype(np.int64), post.astype(np.int64)


def _source(graph: Graph, name: str) -> str:
    """The Input node or neuron layer behind ``name``, looking through ``Flatten``."""
    while isinstance(graph.nodes[name], Flatten):
        name = graph.predecessor(name)
    return name


def layer_synapses(graph: Graph) -> list[LayerSynapses]:
    """The synapses of every neuron layer, in graph order.

    Raises :class:`MappingError` for a layer not fed by one fixed-point synapse node whose
    input is the graph input or another neuron layer.
    """
    shapes = graph.shapes()
    layers = []
    for name, _ in graph.neurons():
        synapse_name = graph.predecessor(name)
        node = graph.nodes[synapse_name]
        if not isinstance(node, (FixedDense, FixedConv2d)):
            raise MappingError(
                f"layer '{name}' is fed by '{synapse_name}' of kind {type(node).__name__}; "
                f"only fixed-point Dense/Conv synapses map onto cores: convert the model first"
            )
        source = _source(graph, graph.predecessor(synapse_name))
        if not (isinstance(graph.nodes[source], Input) or graph.nodes[source].is_neuron):
            raise MappingError(
                f"layer '{name}': synapse '{synapse_name}' is fed by '{source}', which is "
                f"neither the input nor a neuron layer"
            )
        in_shape = shapes[graph.predecessor(synapse_name)]
        if isinstance(node, FixedConv2d):
            pre, post = _conv_pairs(node, in_shape, shapes[synapse_name])
        else:
            pre, post = _dense_pairs(node.weight)
        layers.append(
            LayerSynapses(
                layer=name,
                source=source,
                node=node,
                n_pre=math.prod(in_shape),
                n_post=math.prod(shapes[name]),
                pre=pre,
                post=post,
            )
        )
    return layers
