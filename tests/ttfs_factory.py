"""Small random TTFS graphs (float, and fixed point through ``quantize_ttfs``) and inputs."""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import (
    Conv2d,
    Dense,
    Flatten,
    GradedInput,
    Graph,
    Node,
    SumPool2d,
    TTFSNeuron,
    TTFSReadout,
)
from pumice.convert.ir.ttfs import run_steps
from pumice.convert.passes import PASSES
from pumice.convert.ttfs_schedule import Schedule, kernel_tables, relay_tables


def _kernel(rng: np.random.Generator, window: int) -> dict:
    return kernel_tables(float(rng.uniform(1.5, 6.0)), float(rng.uniform(-1.0, 1.5)), window)


def float_ttfs_graph(rng: np.random.Generator, conv: bool = True, window: int = 6) -> Graph:
    """Encoder, one or two TTFS layers (a conv with a max-pooling relay, or dense), a dense
    TTFS layer and a readout; random kernels, weights and biases."""
    schedule = Schedule()
    named: list[tuple[str, Node]] = []

    def ttfs(name: str, synapse: Node, shape: tuple[int, ...], bias_scale: float = 0.2):
        tables = _kernel(rng, window)
        bias = rng.normal(0, bias_scale, shape[:1] + (1,) * (len(shape) - 1))
        timing = schedule.integrate_then_fire(window)
        named.extend(
            [(f"{name}_synapse", synapse), (name, TTFSNeuron(shape, **timing, **tables, bias=bias))]
        )
        return tables["payload"]

    if conv:
        shape = (1, 6, 6)
        named.append(("input", GradedInput(shape)))
        ttfs("encode", Conv2d(np.full((1, 1, 1, 1), 1 / 255)), shape, bias_scale=0.0)
        payload = ttfs(
            "conv1", Conv2d(rng.normal(0.2, 0.6, (3, 1, 3, 3)), padding=(1, 1)), (3, 6, 6)
        )
        named.append(("pool1_synapse", SumPool2d((2, 2), (2, 2))))
        named.append(
            (
                "pool1",
                TTFSNeuron(
                    (3, 3, 3), **schedule.relay(), **relay_tables(payload), bias=np.zeros(1)
                ),
            )
        )
        named.append(("flatten", Flatten()))
        inputs = 27
    else:
        named.append(("input", GradedInput((8,))))
        ttfs("encode", Dense(np.eye(8) / 255, sparse=True), (8,), bias_scale=0.0)
        inputs = 8
    ttfs("dense1", Dense(rng.normal(0.1, 0.5, (5, inputs))), (5,))
    readout = TTFSReadout((3,), **schedule.readout(), bias=rng.normal(0, 0.2, 3))
    named += [("output_synapse", Dense(rng.normal(0, 0.5, (3, 5)))), ("output", readout)]
    return Graph.chain(named)


def fixed_ttfs_graph(rng: np.random.Generator, conv: bool = True, boost: int = 0) -> Graph:
    """A quantised :func:`float_ttfs_graph`; ``boost`` shifts the dense layer's weights
    left by that many bits (``weight_exp``), so its potentials can saturate."""
    bits = int(rng.integers(4, 9))
    graph = PASSES["quantize_ttfs"](payload_bits=bits).apply(float_ttfs_graph(rng, conv)).graph
    if boost:
        node = graph.nodes["dense1_synapse"]
        graph.nodes["dense1_synapse"] = dataclasses.replace(node, weight_exp=boost)
    return graph


def graded_frames(rng: np.random.Generator, graph: Graph, samples: int, extra: int = 2):
    """Intensity frames (8-bit payloads at step 0) for ``graph``'s input, ``extra`` steps
    past its last layer's activity."""
    shape = graph.nodes[graph.input].shape
    frames = np.zeros((samples, *shape, run_steps(graph) + extra), dtype=np.uint8)
    frames[..., 0] = rng.integers(0, 256, (samples, *shape)) * (rng.random((samples, *shape)) < 0.8)
    return frames
