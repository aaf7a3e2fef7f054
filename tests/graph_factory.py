"""Random small fixed-point graphs for fuzz tests (Dense and Conv, every LIF parameter)."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import (
    NO_LEAK,
    FixedConv2d,
    FixedCubaLIF,
    FixedDense,
    FixedShiftLIF,
    Flatten,
    Graph,
    Input,
)


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
