"""NeuroBench's metrics of a run (Yik et al., "NeuroBench: a framework for benchmarking
neuromorphic computing algorithms and systems", Nature Communications 2025), as
NeuroBench 2.3's ``neurobench.metrics`` define them, from a run's spike trains.

- ``synaptic_operations``, per sample over all steps of each layer's window, the input
  layer included: ``effective_acs`` counts the pairs (nonzero input, nonzero weight) of
  every connection layer fed binary values (spikes), ``effective_macs`` those fed other
  values (none in pumice: every synapse carries spikes), ``dense`` every (input, weight)
  pair whatever their values (a convolution's taps that fall on padding excluded); biases
  are no synaptic operations. Connection layers are the weighted synapses: dense, conv,
  a recurrent layer's own synapses, and sum pools (lava-dl's pool synapse is a ``Conv3d``,
  which NeuroBench counts; an snnTorch ``AvgPool2d`` or a Sinabs ``SumPool2d`` is no
  connection layer for NeuroBench: their network's next Linear counts the pooled values
  as MACs, where pumice's imported network, the pool fused into that Linear, counts ACs).
  An ISI synapse lowered to a binner counts the weights of the line each spike takes.
- ``activation_sparsity``: the fraction of zero outputs of the spiking layers (hidden and
  output, not the input; a non-spiking readout has no spikes and is left out) over all
  neurons, steps and samples.
- ``connection_sparsity``: zero weights over all weights of the connection layers (NeuroBench
  rounds it to 4 decimals; this does not).
- ``parameter_count``: weights (zeros included) and the biases of the layers that have any
  (NeuroBench counts ``torch`` parameters; the IR stores a zero bias where a layer has none).
- ``footprint_bytes``: those parameters and each layer's neuron constants (decays,
  threshold, shifts: snnTorch holds ``beta`` and ``threshold`` as buffers, which NeuroBench
  counts) at the width pumice stores them for the run: 4 bytes each in a float graph
  (``float32``, as torch holds them), Lava's widths in a fixed-point graph (weight
  mantissa and sign, 13-bit bias mantissas, 12-bit decays, 17-bit thresholds), rounded up
  to whole bytes per array.
"""

from __future__ import annotations

import math

import numpy as np

from pumice.convert.ir import Graph, Node
from pumice.convert.ir.fixed_point import BIAS_MANT_BITS, DECAY_SHIFT, THRESHOLD_BITS, WEIGHT_BITS
from pumice.convert.ir.recurrence import recurrent_name, recurrent_synapse
from pumice.convert.kernels.totals import line_totals
from pumice.convert.semantics import SEMANTICS
from pumice.convert.tensor_ops import conv2d
from pumice.errors import PumiceError

CONVENTIONS = [
    "neurobench: NeuroBench 2.3's definitions; synaptic operations per sample over each "
    "layer's steps, input layer included, bias excluded; effective ACs count (nonzero input "
    "spike, nonzero weight) pairs; pools are connection layers (lava-dl's Pool is a Conv3d)",
    "neurobench: activation sparsity over the spiking layers (hidden and output); footprint "
    "at float32 for float graphs, at Lava's field widths for fixed-point graphs",
]

#: Bits of a fixed-point neuron constant, by field name.
_FIXED_CONSTANT_BITS = {"du": DECAY_SHIFT, "dv": DECAY_SHIFT, "vth": THRESHOLD_BITS}
#: Bits of a shift (0 .. 24).
_SHIFT_BITS = 5
_FLOAT_BYTES = 4


def _weights(node: Node) -> np.ndarray:
    """A synapse node's weights, a pool's as its one shared weight."""
    if node.traits.connectivity == "pool":
        return np.array([node.weight])
    return np.asarray(node.height if node.traits.isi else node.weight)


def _bias(node: Node) -> np.ndarray:
    return np.asarray(node.bias_mant if node.domain == "fixed" else node.bias)


def _weight_bits(node: Node) -> int:
    return int(getattr(node, "num_weight_bits", WEIGHT_BITS)) + 1


def _source(graph: Graph, name: str) -> str:
    """The Input or neuron layer whose spikes reach ``name``, through reshapes and binners."""
    while graph.nodes[name].traits.role in ("reshape", "router"):
        name = graph.predecessor(name)
    return name


def _binner(graph: Graph, synapse: str) -> str | None:
    feed = graph.predecessor(synapse)
    return feed if graph.nodes[feed].traits.role == "router" else None


def _connections(graph: Graph) -> list[tuple[str, Node, str, str | None]]:
    """(name, synapse node, source layer, binner) of every connection layer, in order."""
    found = []
    for name, node in graph.nodes.items():
        if node.is_synapse:
            source = _source(graph, graph.predecessor(name))
            found.append((name, node, source, _binner(graph, name)))
        if node.traits.recurrent:
            found.append((recurrent_name(name), recurrent_synapse(node), name, None))
    return found


def _window(train: np.ndarray, window: tuple[int, int] | None) -> np.ndarray:
    return train if window is None else train[..., window[0] : window[1]]


def _counts(graph: Graph, train: np.ndarray, binner: str | None, in_shape) -> np.ndarray:
    """Spikes per presynaptic line over the window: (samples, *in_shape)."""
    samples = len(train)
    if binner is None:
        return line_totals(train).reshape(samples, *in_shape)
    fed = graph.shapes()[graph.predecessor(binner)]
    node = graph.nodes[binner]
    binned = SEMANTICS[type(node)](node, train.reshape(samples, *fed, train.shape[-1]))
    sample, line, *position, _ = binned.events()
    counts = np.zeros((samples, *in_shape), dtype=np.int64)
    np.add.at(counts, (sample, line, *position), 1)
    return counts


def _operations(node: Node, counts: np.ndarray, in_shape, steps: int) -> tuple[int, int]:
    """(effective, dense) synaptic operations of one connection layer over a window."""
    present = (_weights(node) != 0).astype(np.float64)
    samples = len(counts)
    if node.traits.connectivity == "dense":
        fan_out = present.sum(axis=0)
        effective = counts.reshape(samples, -1).astype(np.float64) @ fan_out
        return int(round(float(effective.sum()))), present.size * steps * samples
    if node.traits.connectivity == "pool":
        kernel = np.full((in_shape[0], 1, *node.kernel), float(present[0]))
        stride, padding, dilation, groups = node.stride, node.padding, (1, 1), in_shape[0]
    else:
        kernel, stride, padding = present, node.stride, node.padding
        dilation, groups = node.dilation, node.groups
    spikes = counts[..., None].astype(np.float64)
    effective = conv2d(kernel, spikes, stride, padding, dilation, groups)
    ones = np.ones((1, *in_shape, 1))
    dense = conv2d(np.ones_like(kernel), ones, stride, padding, dilation, groups)
    return int(round(float(effective.sum()))), int(round(float(dense.sum()))) * steps * samples


def _steps(train: np.ndarray, window: tuple[int, int] | None) -> int:
    return train.shape[-1] if window is None else window[1] - window[0]


def _footprint(graph: Graph, counted_biases: set[str]) -> int:
    total = 0
    for _, node, _, _ in _connections(graph):
        weights = _weights(node)
        bits = _FLOAT_BYTES * 8 if node.domain == "float" else _weight_bits(node)
        total += math.ceil(weights.size * bits / 8)
    for name, node in graph.neurons():
        fixed = node.domain == "fixed"
        if name in counted_biases:
            total += math.ceil(_bias(node).size * (BIAS_MANT_BITS if fixed else 32) / 8)
        for field, bits in _FIXED_CONSTANT_BITS.items():
            if fixed and hasattr(node, field):
                total += math.ceil(bits / 8)
        for field in ("shift_u", "shift_v"):
            if hasattr(node, field):
                total += math.ceil(np.size(getattr(node, field)) * _SHIFT_BITS / 8)
        if not fixed:
            for field in ("current_decay", "voltage_decay", "threshold"):
                if hasattr(node, field):
                    total += np.size(getattr(node, field)) * _FLOAT_BYTES
    return total


def neurobench_metrics(
    graph: Graph,
    spikes: dict[str, np.ndarray],
    windows: dict[str, tuple[int, int]] | None = None,
) -> dict:
    """NeuroBench's metrics of one run (see the module docstring), as JSON.

    ``spikes`` holds (samples, *shape, steps) trains of the input node and of every neuron
    layer; ``windows`` (run steps ``[start, stop)`` per layer, the input's included) limits
    each layer's spikes and the operations they cause to its window (default: the run).
    """
    windows = windows or {}
    shapes = graph.shapes()
    for name in (graph.input, *(n for n, _ in graph.neurons())):
        if name not in spikes:
            raise PumiceError(f"no spike trains for '{name}': record every neuron layer's spikes")
    samples = len(spikes[graph.input])
    effective = dense = 0
    weights, zero_weights = 0, 0
    for name, node, source, binner in _connections(graph):
        window = windows.get(source)
        train = _window(spikes[source], window)
        recurrent = name not in graph.nodes
        in_shape = (math.prod(shapes[source]),) if recurrent else shapes[graph.predecessor(name)]
        counts = _counts(graph, train, binner, in_shape)
        ops, all_ops = _operations(node, counts, in_shape, _steps(spikes[source], window))
        effective, dense = effective + ops, dense + all_ops
        values = _weights(node)
        weights, zero_weights = weights + values.size, zero_weights + int(np.sum(values == 0))
    fired = neurons_steps = 0
    biased = set()
    for name, node in graph.neurons():
        if np.any(_bias(node) != 0):
            biased.add(name)
        if node.traits.spiking:
            train = _window(spikes[name], windows.get(name))
            fired += int(line_totals(train).sum())
            neurons_steps += train.size
    biases = sum(np.size(_bias(graph.nodes[name])) for name in biased)
    return {
        "synaptic_operations": {
            "effective_acs": effective / samples,
            "effective_macs": 0.0,
            "dense": dense / samples,
        },
        "activation_sparsity": 1.0 - fired / neurons_steps if neurons_steps else 0.0,
        "connection_sparsity": zero_weights / weights if weights else 0.0,
        "parameter_count": int(weights + biases),
        "footprint_bytes": int(_footprint(graph, biased)),
        "samples": samples,
    }
