"""The synapses feeding each neuron layer, unrolled to (presynaptic, postsynaptic) index pairs.

Neuron indices are flat, C order over the layer's shape (as ``Flatten`` orders them), so a
conv layer's neuron ``(c, y, x)`` is ``(c * H + y) * W + x``. A synapse is present when its
weight is nonzero; a conv is unrolled tap by tap, border taps that fall on padding left out.
A recurrent layer has a second set: its own synapses, whose source is the layer itself.

A router between the source and the synapse (an ISI binner, IR ``ISIBinner``, or a
payload router, ``FixedISIPayload``) is a stage with no neurons of its own: each of its
``K`` lines per source neuron is a presynaptic axon of its own (``pre`` indexes the lines;
:meth:`LayerSynapses.source_neurons` maps them back), and the line a spike takes (a
binner's) or the payload each line carries (a payload router's) is chosen where the spike
is sent, by the source neuron.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from pumice.convert.ir import FixedConv2d, FixedDense, Graph
from pumice.convert.ir.recurrence import recurrent_synapse
from pumice.convert.mapping.errors import MappingError


@dataclasses.dataclass(frozen=True, eq=False)
class LayerSynapses:
    """Every present synapse onto one neuron layer, as flat index pairs."""

    #: Neuron layer the synapses feed.
    layer: str
    #: Input node or neuron layer whose spikes they carry (the layer itself: recurrent).
    source: str
    #: The synapse node (FixedDense or FixedConv2d; a recurrent set's as a FixedDense).
    node: FixedDense | FixedConv2d
    #: Neurons of the source and of the layer.
    n_pre: int
    n_post: int
    #: Flat presynaptic and postsynaptic index of each synapse.
    pre: np.ndarray
    post: np.ndarray
    #: The router between source and synapse, or None; ``pre`` then indexes its lines.
    binner: str | None = None
    #: Router lines per source neuron (1 without a router).
    bins: int = 1
    #: Source neurons per channel of a routed (C, H, W) map (H * W); 1 for a vector.
    plane: int = 1
    #: Payload bits each message carries (graded spikes: a payload router's, or the
    #: source's own, as a TTFS layer's); 0: binary.
    payload_bits: int = 0
    #: Bits of payload table each source neuron holds for its lines (0 without payloads).
    table_bits: int = 0

    @property
    def n_source(self) -> int:
        """Neurons of the source (``n_pre`` counts binner lines)."""
        return self.n_pre // self.bins

    def source_neurons(self, pre: np.ndarray) -> np.ndarray:
        """Flat source neuron of each presynaptic index (a binner's line ``c * K + k``)."""
        return (pre // self.plane // self.bins) * self.plane + pre % self.plane

    @property
    def recurrent(self) -> bool:
        """True for a layer's synapses onto itself."""
        return self.source == self.layer

    @property
    def dense_storage(self) -> bool:
        """True for a dense weight matrix: an axon stores a weight for every neuron it feeds."""
        return self.node.traits.connectivity == "dense" and not self.node.sparse

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
    while graph.nodes[name].traits.role == "reshape":
        name = graph.predecessor(name)
    return name


def layer_synapses(graph: Graph) -> list[LayerSynapses]:
    """The synapses of every neuron layer, in graph order (a recurrent set after the other).

    Raises :class:`MappingError` for a layer not fed by one fixed-point synapse node whose
    input is the graph input or another neuron layer.
    """
    shapes = graph.shapes()
    layers = []
    for name, neuron in graph.neurons():
        synapse_name = graph.predecessor(name)
        node = graph.nodes[synapse_name]
        if not (node.is_synapse and node.domain == "fixed" and not node.traits.isi):
            raise MappingError(
                f"layer '{name}' is fed by '{synapse_name}' of kind {type(node).__name__}; "
                f"only fixed-point Dense/Conv synapses map onto cores: convert the model first"
            )
        feed = graph.predecessor(synapse_name)
        binner = feed if graph.nodes[feed].traits.role == "router" else None
        source = _source(graph, graph.predecessor(feed) if binner else feed)
        if graph.nodes[source].traits.role not in ("input", "neuron"):
            raise MappingError(
                f"layer '{name}': synapse '{synapse_name}' is fed by '{source}', which is "
                f"neither the input nor a neuron layer"
            )
        in_shape = shapes[feed]
        sender = graph.nodes[binner if binner is not None else source]
        binned = {"payload_bits": sender.message_bits}
        if binner is not None:
            lines = in_shape[0] // shapes[graph.predecessor(feed)][0]
            binned.update(binner=binner, bins=lines, plane=math.prod(in_shape[1:]))
            if sender.traits.graded:
                binned["table_bits"] = lines * sender.largest_isi * sender.message_bits
        if node.traits.connectivity == "conv":
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
                **binned,
            )
        )
        if neuron.traits.recurrent:
            own = recurrent_synapse(neuron)
            pre, post = _dense_pairs(own.weight)
            n = math.prod(shapes[name])
            layers.append(LayerSynapses(name, name, own, n, n, pre, post))
    return layers
