"""Random small fixed-point graphs for fuzz tests (Dense and Conv, every LIF parameter)."""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import (
    CubaLI,
    CubaLIF,
    FixedConv2d,
    FixedCubaLI,
    FixedCubaLIF,
    FixedDense,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    Flatten,
    Graph,
    Input,
    ISIBinner,
    ISIConv2d,
    ISIDense,
)
from pumice.convert.ir.fixed_point import NO_LEAK


def random_lif(rng: np.random.Generator, shape: tuple[int, ...]) -> FixedCubaLIF | FixedShiftLIF:
    """A LIF with random 12-bit decays (or per-neuron shift leaks), threshold and bias."""
    if rng.integers(3) == 0:
        return FixedShiftLIF(
            shape=shape,
            shift_u=rng.integers(0, NO_LEAK + 1, size=shape),
            shift_v=rng.integers(0, NO_LEAK + 1, size=shape),
            vth=int(rng.integers(1, 400)),
            bias_mant=rng.integers(-60, 60, size=shape) * int(rng.integers(0, 2)),
            bias_exp=int(rng.integers(0, 7)),
        )
    return FixedCubaLIF(
        shape=shape,
        du=int(rng.integers(0, 4096)),
        dv=int(rng.integers(0, 4096)),
        vth=int(rng.integers(1, 400)),
        bias_mant=rng.integers(-60, 60, size=shape) * int(rng.integers(0, 2)),
        bias_exp=int(rng.integers(0, 7)),
    )


def random_dense(rng: np.random.Generator, n_in: int, n_out: int) -> FixedDense:
    """A Dense with random 8-bit mantissas (any sign mode), exponent, weight bits, pruning."""
    weight = rng.integers(-256, 256, size=(n_out, n_in))
    mode = rng.integers(3)
    if mode == 1:
        weight = np.abs(weight)
    elif mode == 2:
        weight = -np.abs(weight)
    sparse = bool(rng.integers(2))
    if sparse:  # pruned: about half the synapses absent (Lava Sparse)
        weight = np.where(rng.random(weight.shape) < 0.5, weight, 0)
    return FixedDense(
        weight,
        sparse=sparse,
        weight_exp=int(rng.integers(-4, 3)),
        num_weight_bits=int(rng.integers(1, 9)),
    )


def random_graph(rng: np.random.Generator, conv: bool) -> Graph:
    """A 2- or 3-layer graph; with ``conv`` it starts with a Conv layer on a small map."""
    nodes = []
    if conv:
        channels, h, w = (int(rng.integers(1, 3)), int(rng.integers(4, 8)), int(rng.integers(4, 8)))
        nodes.append(("input", Input((channels, h, w))))
        out_ch, k = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        padding = (int(rng.integers(0, 2)), int(rng.integers(0, 2)))
        synapse = FixedConv2d(
            rng.integers(-120, 121, size=(out_ch, channels, k, k)),
            stride=stride,
            padding=padding,
            weight_exp=int(rng.integers(0, 2)),
        )
        shape = synapse.output_shape((channels, h, w))
        nodes += [
            ("conv1_synapse", synapse),
            ("conv1", random_lif(rng, shape)),
            ("flat", Flatten()),
        ]
        n_in = int(np.prod(shape))
    else:
        n_in = int(rng.integers(2, 12))
        nodes.append(("input", Input((n_in,))))
    for layer in range(1, int(rng.integers(2, 4))):
        n_out = int(rng.integers(1, 9))
        nodes += [
            (f"dense{layer}_synapse", random_dense(rng, n_in, n_out)),
            (f"dense{layer}", random_lif(rng, (n_out,))),
        ]
        n_in = n_out
    return Graph.chain(nodes)


def random_recurrent_graph(rng: np.random.Generator, conv: bool) -> Graph:
    """:func:`random_graph` whose neuron layers are mostly recurrent (one at least).

    Recurrent layers use a shift leak (per-neuron shifts) three times in four, else Lava's
    LIF; their recurrent weights are drawn like :func:`random_dense`'s (any sign mode,
    exponent and weight bits; sparse ones with about half the synapses absent).
    """
    graph = random_graph(rng, conv)
    neurons = [name for name, _ in graph.neurons()]
    chosen = {name for name in neurons if rng.integers(3) > 0} or {neurons[-1]}
    nodes = {}
    for name, node in graph.nodes.items():
        if name in chosen:
            n = int(np.prod(node.shape))
            if rng.integers(4) > 0 and not isinstance(node, FixedShiftLIF):
                node = random_lif(rng, node.shape)
                while not isinstance(node, FixedShiftLIF):
                    node = random_lif(rng, node.shape)
            synapse = random_dense(rng, n, n)
            kind = (
                FixedRecurrentShiftLIF if isinstance(node, FixedShiftLIF) else FixedRecurrentCubaLIF
            )
            fields = {f.name: getattr(node, f.name) for f in dataclasses.fields(node)}
            node = kind(
                **fields,
                recurrent_weight=synapse.weight,
                recurrent_weight_exp=synapse.weight_exp,
                recurrent_num_weight_bits=synapse.num_weight_bits,
                sparse=synapse.sparse,
            )
        nodes[name] = node
    return dataclasses.replace(graph, nodes=nodes)


def random_pooled_graph(rng: np.random.Generator) -> Graph:
    """Conv, LIF, sum pooling (a grouped conv, as the quantiser lowers ``SumPool2d``), LIF,
    then a dense layer into a LIF or, one time in two, a non-spiking readout."""
    channels, h, w = int(rng.integers(1, 3)), int(rng.integers(5, 9)), int(rng.integers(5, 9))
    out_ch = int(rng.integers(1, 4))
    conv = FixedConv2d(
        rng.integers(-120, 121, size=(out_ch, channels, 3, 3)),
        padding=(int(rng.integers(0, 2)), int(rng.integers(0, 2))),
        weight_exp=int(rng.integers(0, 2)),
    )
    shape = conv.output_shape((channels, h, w))
    kernel = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    pool = FixedConv2d(
        np.full((out_ch, 1, *kernel), int(rng.integers(20, 120))),
        stride=kernel,
        groups=out_ch,
        weight_exp=int(rng.integers(0, 2)),
    )
    pooled = pool.output_shape(shape)
    n_in, n_out = int(np.prod(pooled)), int(rng.integers(1, 6))
    readout = bool(rng.integers(2))
    dense = random_dense(rng, n_in, n_out)
    if readout:  # keep v far below the non-spiking layer's limit (2**23 - 64)
        dense = dataclasses.replace(dense, weight_exp=min(dense.weight_exp, -1))
    return Graph.chain(
        [
            ("input", Input((channels, h, w))),
            ("conv1_synapse", conv),
            ("conv1", random_lif(rng, shape)),
            ("pool1_synapse", pool),
            ("pool1", random_lif(rng, pooled)),
            ("flat", Flatten()),
            ("dense1_synapse", dense),
            ("dense1", random_li(rng, (n_out,)) if readout else random_lif(rng, (n_out,))),
        ]
    )


def random_li(rng: np.random.Generator, shape: tuple[int, ...]) -> FixedCubaLI:
    """A non-spiking output layer with random 12-bit decays and bias."""
    return FixedCubaLI(
        shape=shape,
        du=int(rng.integers(0, 4096)),
        dv=int(rng.integers(0, 4096)),
        bias_mant=rng.integers(-60, 60, size=shape) * int(rng.integers(0, 2)),
        bias_exp=int(rng.integers(0, 7)),
    )


def random_isi_graph(
    rng: np.random.Generator, conv: bool, potential_output: bool, max_isi: int
) -> Graph:
    """A lowered-IMSNN-like graph: ISI binners (1..``max_isi`` bins) in front of every
    synapse, an optional Conv front end on a small map, 1-2 Dense layers, random LIFs and,
    with ``potential_output``, a FixedCubaLI output."""
    nodes = []
    if conv:
        channels, h, w = (int(rng.integers(1, 3)), int(rng.integers(4, 7)), int(rng.integers(4, 7)))
        nodes.append(("input", Input((channels, h, w))))
        bins, out_ch = int(rng.integers(1, max_isi + 1)), int(rng.integers(1, 4))
        synapse = FixedConv2d(
            rng.integers(-120, 121, size=(out_ch, channels * bins, 3, 3)),
            stride=(int(rng.integers(1, 3)), 1),
            padding=(int(rng.integers(0, 2)), int(rng.integers(0, 2))),
            weight_exp=int(rng.integers(0, 2)),
        )
        shape = synapse.output_shape((channels * bins, h, w))
        nodes += [
            ("conv1_isi_bins", ISIBinner(bins)),
            ("conv1_synapse", synapse),
            ("conv1", random_lif(rng, shape)),
            ("flat", Flatten()),
        ]
        n_in = int(np.prod(shape))
    else:
        n_in = int(rng.integers(2, 8))
        nodes.append(("input", Input((n_in,))))
    layers = int(rng.integers(1, 3))
    for layer in range(1, layers + 1):
        bins, n_out = int(rng.integers(1, max_isi + 1)), int(rng.integers(1, 7))
        synapse = random_dense(rng, n_in * bins, n_out)
        if layer == layers and potential_output:
            # keep v far below the non-spiking layer's limit (2**23 - 64)
            synapse = dataclasses.replace(synapse, weight_exp=min(synapse.weight_exp, -1))
            neuron = random_li(rng, (n_out,))
        else:
            neuron = random_lif(rng, (n_out,))
        nodes += [
            (f"dense{layer}_isi_bins", ISIBinner(bins)),
            (f"dense{layer}_synapse", synapse),
            (f"dense{layer}", neuron),
        ]
        n_in = n_out
    return Graph.chain(nodes)


def random_isi_dense(rng: np.random.Generator, n_in: int, n_out: int, steps: int) -> ISIDense:
    """Random heights, means within the run's ISIs and widths of 0.5 to 4 steps."""
    return ISIDense(
        rng.normal(0.0, 0.8, size=(n_out, n_in)),
        rng.uniform(1.0, steps, size=(n_out, n_in)),
        rng.uniform(0.5, 4.0, size=(n_out, n_in)),
    )


def float_isi_graph(rng: np.random.Generator, conv: bool, steps: int) -> Graph:
    """A float IMSNN graph trained on ``steps`` steps: [ISIConv2d LIF Flatten] ISIDense LIF
    ISIDense CubaLI, its metadata recording ``steps``."""
    nodes = []
    if conv:
        nodes.append(("input", Input((2, 5, 5))))
        synapse = ISIConv2d(
            rng.normal(0.0, 0.8, size=(3, 2, 3, 3)),
            rng.uniform(1.0, steps, size=(3, 2)),
            rng.uniform(0.5, 4.0, size=(3, 2)),
            stride=(2, 1),
            padding=(1, 0),
        )
        shape = synapse.output_shape((2, 5, 5))
        nodes += [
            ("conv1_synapse", synapse),
            ("conv1", CubaLIF(shape, 0.5, 0.3, 0.2, np.zeros(shape))),
            ("flat", Flatten()),
        ]
        n_in = int(np.prod(shape))
    else:
        n_in = 6
        nodes.append(("input", Input((n_in,))))
    nodes += [
        ("dense1_synapse", random_isi_dense(rng, n_in, 5, steps)),
        ("dense1", CubaLIF((5,), 0.5, 0.3, 0.2, np.full(5, 0.05))),
        ("out_synapse", random_isi_dense(rng, 5, 3, steps)),
        ("out", CubaLI((3,), 0.2, 0.1, np.array([0.0, 0.01, -0.01]))),
    ]
    return Graph.chain(nodes, {"steps": steps})
