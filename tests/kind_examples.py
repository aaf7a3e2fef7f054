"""One small graph per IR node kind, holding a node of that kind.

Every registered kind needs an entry here (the completeness test says so): these graphs
are how the tests check that a kind has all its parts and that what its traits claim
(which formats can express it) is true.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from ttfs_factory import fixed_ttfs_graph, float_ttfs_graph

from pumice.convert.ir import (
    Conv2d,
    CubaLI,
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedCubaLI,
    FixedCubaLIF,
    FixedDense,
    FixedISIPayload,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    FixedTTFSNeuron,
    FixedTTFSReadout,
    Flatten,
    GradedInput,
    Graph,
    Input,
    ISIBinner,
    ISIConv2d,
    ISIDense,
    ISIPayload,
    Node,
    RecurrentCubaLIF,
    SumPool2d,
    TTFSNeuron,
    TTFSReadout,
)
from pumice.convert.passes import PASSES

STEPS = 6


def _rng() -> np.random.Generator:
    return np.random.default_rng(11)


def _lif(shape: tuple[int, ...]) -> CubaLIF:
    return CubaLIF(shape, 1.0, 0.25, 0.1, np.zeros(1))


def _chain(*nodes: tuple[str, Node]) -> Graph:
    return Graph.chain(list(nodes), metadata={"steps": STEPS})


def _dense_net() -> Graph:
    rng = _rng()
    return _chain(
        ("input", Input((1, 3, 3))),
        ("flatten", Flatten()),
        ("synapse", Dense(rng.normal(0, 0.8, (5, 9)))),
        ("neuron", _lif((5,))),
    )


def _conv_net() -> Graph:
    weight = _rng().normal(0, 0.8, (3, 2, 3, 3))
    return _chain(
        ("input", Input((2, 5, 5))),
        ("synapse", Conv2d(weight, padding=(1, 1))),
        ("neuron", _lif((3, 5, 5))),
    )


def _pool_net() -> Graph:
    return _chain(
        ("input", Input((2, 4, 4))),
        ("synapse", SumPool2d((2, 2), (2, 2), weight=0.6)),
        ("neuron", _lif((2, 2, 2))),
    )


def _graded_input_net() -> Graph:
    """Graded spikes (payloads up to 255) into a plain dense layer."""
    rng = _rng()
    return _chain(
        ("input", GradedInput((6,))),
        ("synapse", Dense(rng.normal(0, 0.01, (4, 6)))),
        ("neuron", _lif((4,))),
    )


def _recurrent_net() -> Graph:
    rng = _rng()
    hidden = RecurrentCubaLIF(
        (4,), 1.0, 0.25, 0.1, np.zeros(1), recurrent_weight=rng.normal(0, 0.5, (4, 4))
    )
    return _chain(
        ("input", Input((6,))),
        ("synapse", Dense(rng.normal(0, 0.8, (4, 6)))),
        ("neuron", hidden),
    )


def _readout_net() -> Graph:
    rng = _rng()
    return _chain(
        ("input", Input((6,))),
        ("synapse", Dense(rng.normal(0, 0.8, (4, 6)))),
        ("hidden", _lif((4,))),
        ("readout_synapse", Dense(rng.normal(0, 0.8, (3, 4)))),
        ("neuron", CubaLI((3,), 0.25, 0.1, np.zeros(1))),
    )


def _isi_dense_net() -> Graph:
    rng = _rng()
    return _chain(
        ("input", Input((6,))),
        (
            "synapse",
            ISIDense(rng.normal(0, 0.8, (4, 6)), rng.uniform(1, 5, (4, 6)), np.full((4, 6), 2.0)),
        ),
        ("neuron", _lif((4,))),
    )


def _isi_conv_net() -> Graph:
    rng = _rng()
    height = rng.normal(0, 0.8, (3, 2, 3, 3))
    synapse = ISIConv2d(height, rng.uniform(1, 5, (3, 2)), np.full((3, 2), 2.0))
    return _chain(("input", Input((2, 5, 5))), ("synapse", synapse), ("neuron", _lif((3, 3, 3))))


def _shared_isi_dense_net() -> Graph:
    """An ISIDense whose tunings are shared by two groups of outputs (graded spikes)."""
    rng = _rng()
    synapse = ISIDense(rng.normal(0, 0.8, (4, 6)), rng.uniform(1, 5, (2, 6)), np.full((2, 6), 2.0))
    return _chain(("input", Input((6,))), ("synapse", synapse), ("neuron", _lif((4,))))


def _lowered(graph: Graph) -> Graph:
    return PASSES["lower_isi"]().apply(graph).graph


def _fixed(graph: Graph, leak: str = "multiply") -> Graph:
    return PASSES["quantize"](leak=leak).apply(graph).graph


#: Kind -> a graph holding a node of that kind (named "synapse" or "neuron" where it is one).
EXAMPLES: dict[type[Node], Callable[[], Graph]] = {
    Input: _dense_net,
    Flatten: _dense_net,
    Dense: _dense_net,
    Conv2d: _conv_net,
    SumPool2d: _pool_net,
    CubaLIF: _dense_net,
    RecurrentCubaLIF: _recurrent_net,
    CubaLI: _readout_net,
    ISIDense: _isi_dense_net,
    ISIConv2d: _isi_conv_net,
    ISIBinner: lambda: _lowered(_isi_dense_net()),
    ISIPayload: lambda: _lowered(_shared_isi_dense_net()),
    FixedISIPayload: lambda: _fixed(_lowered(_shared_isi_dense_net())),
    FixedDense: lambda: _fixed(_dense_net()),
    FixedConv2d: lambda: _fixed(_conv_net()),
    FixedCubaLIF: lambda: _fixed(_dense_net()),
    FixedShiftLIF: lambda: _fixed(_dense_net(), "shift"),
    FixedRecurrentCubaLIF: lambda: _fixed(_recurrent_net()),
    FixedRecurrentShiftLIF: lambda: _fixed(_recurrent_net(), "shift"),
    FixedCubaLI: lambda: _fixed(_readout_net()),
    GradedInput: _graded_input_net,
    TTFSNeuron: lambda: float_ttfs_graph(_rng()),
    TTFSReadout: lambda: float_ttfs_graph(_rng(), conv=False),
    FixedTTFSNeuron: lambda: fixed_ttfs_graph(_rng()),
    FixedTTFSReadout: lambda: fixed_ttfs_graph(_rng(), conv=False),
}


def example_node(graph: Graph, kind: type[Node]) -> str:
    """The name of the first node of ``kind`` in ``graph``."""
    return next(name for name, node in graph.nodes.items() if type(node) is kind)
