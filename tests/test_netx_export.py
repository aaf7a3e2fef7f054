"""export_netx: graphs written as ``.net`` files that netx runs and import_netx reads back."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_netx_reference import NEURON, STEPS, assert_same_as_netx, slayer_net_file

from pumice.convert.emulator import emulate
from pumice.convert.interchange import export_netx, import_netx
from pumice.convert.ir import (
    Conv2d,
    CubaLIF,
    Dense,
    FixedConv2d,
    FixedCubaLIF,
    FixedDense,
    Flatten,
    Graph,
    Input,
    SumPool2d,
)
from pumice.convert.passes.quantize import QuantizeToLoihi
from pumice.errors import ModelError


def _float_graph(seed: int) -> Graph:
    """Conv, pool, flatten and dense with biases, scaled so every layer spikes."""
    rng = np.random.default_rng(seed)
    return Graph.chain(
        [
            ("input", Input((1, 6, 6))),
            ("conv1_synapse", Conv2d(rng.normal(0.3, 0.8, (2, 1, 3, 3)), padding=(1, 1))),
            ("conv1", CubaLIF((2, 6, 6), 1.25, 0.25, 0.03, np.array([0.1, -0.2])[:, None, None])),
            ("pool1_synapse", SumPool2d((2, 2), (2, 2), weight=1.1)),
            ("pool1", CubaLIF((2, 3, 3), 1.0, 0.25, 0.03, np.zeros(1))),
            ("flatten1", Flatten()),
            ("dense1_synapse", Dense(rng.normal(0.2, 0.8, (4, 18)))),
            ("dense1", CubaLIF((4,), 1.0, 0.5, 0.1, rng.normal(0, 0.2, 4))),
        ]
    )


def _spikes(seed: int, shape: tuple[int, ...], samples: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((samples, *shape, STEPS)) < 0.5).astype(np.uint8)


def _neuron_spikes(graph: Graph, spikes: np.ndarray) -> list[np.ndarray]:
    trains = emulate(graph, spikes, record_spikes=True).spikes
    return [trains[name] for name, _ in graph.neurons()]


def test_round_trip_keeps_emulation_spikes(tmp_path):
    fixed = QuantizeToLoihi().apply(_float_graph(0)).graph
    spikes = _spikes(1, (1, 6, 6), samples=3)

    imported = import_netx(export_netx(fixed, tmp_path / "net.net"))

    expected = _neuron_spikes(fixed, spikes)
    actual = _neuron_spikes(imported, spikes)
    assert len(actual) == len(expected) == 3
    for want, got in zip(expected, actual, strict=True):
        np.testing.assert_array_equal(got, want)
    assert all(train.sum() for train in expected)
    assert imported.metadata["source"] == "lava-dl netx"


def test_float_graph_is_quantized_then_written(tmp_path):
    graph = _float_graph(2)
    fixed = QuantizeToLoihi().apply(graph).graph
    imported = import_netx(export_netx(graph, tmp_path / "float.net"))
    spikes = _spikes(3, (1, 6, 6), samples=2)
    for want, got in zip(
        _neuron_spikes(fixed, spikes), _neuron_spikes(imported, spikes), strict=True
    ):
        np.testing.assert_array_equal(got, want)


def test_input_neuron_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    graph = Graph.chain(
        [
            ("input", Input((5,))),
            ("input_neuron", FixedCubaLIF((5,), 2047, 300, 3, np.zeros(5, dtype=np.int64), 6)),
            ("dense1_synapse", FixedDense(rng.integers(-60, 60, (3, 5)) * 4, weight_exp=-1)),
            ("dense1", FixedCubaLIF((3,), 1000, 200, 40, np.array([3, 0, -2]), 6)),
        ]
    )
    imported = import_netx(export_netx(graph, tmp_path / "in.net"))
    assert list(imported.nodes)[:2] == ["input", "input_neuron"]
    spikes = _spikes(5, (5,), samples=2)
    for want, got in zip(
        _neuron_spikes(graph, spikes), _neuron_spikes(imported, spikes), strict=True
    ):
        np.testing.assert_array_equal(got, want)


@pytest.mark.lava
def test_netx_runs_exported_graph_like_the_emulator(tmp_path):
    graph = _float_graph(6)
    fixed = QuantizeToLoihi().apply(graph).graph
    path = export_netx(graph, tmp_path / "pumice.net")
    counts = assert_same_as_netx(fixed, path, _spikes(7, (1, 6, 6))[0])
    assert all(counts), counts


@pytest.mark.lava
def test_slayer_pool_network_runs_on_netx_after_round_trip(tmp_path):
    import torch
    from lava.lib.dl import netx, slayer

    torch.manual_seed(3)
    blocks = [
        slayer.block.cuba.Input(None, delay_shift=False),
        slayer.block.cuba.Conv(NEURON, 1, 3, 3, padding=1, weight_scale=3),
        slayer.block.cuba.Pool(NEURON, 2, weight_scale=2),
        slayer.block.cuba.Flatten(),
        slayer.block.cuba.Dense(NEURON, 3 * 3 * 3, 4, weight_scale=2),
    ]
    original = slayer_net_file(blocks, (1, 6, 6), tmp_path / "pool.net")
    with pytest.raises(NotImplementedError, match="pool"):
        netx.hdf5.Network(net_config=str(original))  # netx itself has no pool layer

    graph = import_netx(original)
    path = export_netx(graph, tmp_path / "depthwise.net")

    counts = assert_same_as_netx(graph, path, _spikes(8, (1, 6, 6))[0])
    assert all(counts), counts


def _lif(shape, **change) -> FixedCubaLIF:
    lif = FixedCubaLIF(shape, 1000, 200, 40, np.zeros(shape, dtype=np.int64), 6)
    return dataclasses.replace(lif, **change)


def _dense_graph(*middle) -> Graph:
    return Graph.chain([("input", Input((4,))), *middle])


@pytest.mark.parametrize(
    ("graph", "match"),
    [
        (
            _dense_graph(("d", Dense(np.ones((2, 4)))), ("n", _lif((2,)))),
            "fixed or float graph, not a mixed one",
        ),
        (
            _dense_graph(("d", FixedDense(np.full((2, 4), 3), weight_exp=-1)), ("n", _lif((2,)))),
            "node 'd': its weights are not integers netx maps back",
        ),
        (
            _dense_graph(("d", FixedDense(np.full((2, 4), 255), weight_exp=1)), ("n", _lif((2,)))),
            "node 'd': its weights are not integers netx maps back",
        ),
        (
            _dense_graph(
                ("d", FixedDense(np.full((2, 4), 4))),
                ("n", _lif((2,), bias_mant=np.ones(2), bias_exp=0)),
            ),
            "node 'n': .* not a multiple of 64",
        ),
        (
            _dense_graph(
                ("in", _lif((4,), bias_mant=np.ones(4))),
                ("d", FixedDense(np.full((2, 4), 4))),
                ("n", _lif((2,))),
            ),
            "node 'in': netx gives its input neuron no bias",
        ),
        (
            _dense_graph(
                ("d", FixedDense(np.full((2, 4), 4))),
                ("e", FixedDense(np.full((2, 2), 4))),
                ("n", _lif((2,))),
            ),
            r"node 'd' \(FixedDense\): a netx layer is",
        ),
        (
            Graph.chain(
                [
                    ("input", Input((1, 4, 4))),
                    ("c", FixedConv2d(np.ones((1, 1, 3, 3), dtype=np.int64), weight_exp=-1)),
                    ("n", _lif((1, 2, 2))),
                ]
            ),
            "node 'c': netx's conv has no weight exponent",
        ),
        (
            _dense_graph(
                ("d", FixedDense(np.full((2, 4), 4))), ("n", _lif((2,))), ("f", Flatten())
            ),
            "every node must feed the next, the last is the output",
        ),
    ],
    ids=[
        "mixed",
        "fractional",
        "beyond-8-bits",
        "bias",
        "input-bias",
        "two-synapses",
        "conv-exp",
        "trailing",
    ],
)
def test_unexpressible_graph_is_refused(tmp_path, graph, match):
    path = tmp_path / "refused.net"
    with pytest.raises(ModelError, match=match) as info:
        export_netx(graph, path)
    assert "\n" not in str(info.value)
    assert not path.exists()
