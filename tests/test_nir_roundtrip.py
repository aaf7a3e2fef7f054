"""NIR export and import: pumice's own files come back exactly; NIR neurons map to IR decays."""

from __future__ import annotations

import dataclasses

import nir
import numpy as np
import pytest

from pumice.convert.emulator import emulate
from pumice.convert.interchange import export_nir, import_nir
from pumice.convert.ir import (
    Conv2d,
    CubaLI,
    CubaLIF,
    Dense,
    Flatten,
    Graph,
    Input,
    RecurrentCubaLIF,
    SumPool2d,
)
from pumice.errors import ModelError

#: Relative error allowed on parameters read without pumice's exact fields.
RTOL = 1e-12
STEPS = 30


def _spikes(seed: int, shape: tuple[int, ...], samples: int = 6) -> np.ndarray:
    return (np.random.default_rng(seed).random((samples, *shape, STEPS)) < 0.3).astype(np.uint8)


def _dense_graph() -> Graph:
    """Dense layers: a leaky CUBA layer with a bias, then a non-leaky IF-like output layer."""
    rng = np.random.default_rng(0)
    return Graph.chain(
        [
            ("input", Input((12,))),
            ("fc1", Dense(rng.normal(0.3, 0.8, (8, 12)))),
            ("lif1", CubaLIF((8,), 1.0, 0.3, 0.1, rng.normal(0.0, 0.05, 8))),
            ("fc2", Dense(rng.normal(0.3, 0.8, (4, 8)), sparse=True)),
            ("lif2", CubaLIF((4,), 1.5, 1.0, 0.0, np.zeros(4))),
        ],
        metadata={"steps": STEPS, "encoding": "rate"},
    )


def _conv_graph() -> Graph:
    """Conv, SLAYER-style weighted sum pool with its own neuron, flatten and dense."""
    rng = np.random.default_rng(1)
    return Graph.chain(
        [
            ("input", Input((1, 6, 6))),
            ("conv1_synapse", Conv2d(rng.normal(0.3, 0.8, (2, 1, 3, 3)), padding=(1, 1))),
            ("conv1", CubaLIF((2, 6, 6), 1.25, 0.25, 0.03, np.array([0.1, -0.2])[:, None, None])),
            ("pool1_synapse", SumPool2d((2, 2), (2, 2), weight=1.1)),
            ("pool1", CubaLIF((2, 3, 3), 1.0, 0.25, 0.03, np.zeros(1))),
            ("flatten1", Flatten()),
            ("dense1_synapse", Dense(rng.normal(0.2, 0.8, (4, 18)))),
            ("dense1", CubaLIF((4,), 1.0, 1.0, 0.2, np.zeros(4))),
        ]
    )


def _recurrent_readout_graph() -> Graph:
    """A recurrent layer with per-neuron decays, an average pool's weight, a readout."""
    rng = np.random.default_rng(2)
    hidden = RecurrentCubaLIF(
        (5,),
        1.0,
        np.linspace(0.2, 0.6, 5),
        np.linspace(0.05, 0.3, 5),
        rng.normal(0, 0.05, 5),
        recurrent_weight=rng.normal(0, 0.4, (5, 5)),
    )
    return Graph.chain(
        [
            ("input", Input((1, 4, 4))),
            ("pool", SumPool2d((2, 2), (2, 2), weight=0.25)),
            ("pooled", CubaLIF((1, 2, 2), 0.3, 1.0, 0.5, np.zeros(1))),
            ("flatten", Flatten()),
            ("fc1", Dense(rng.normal(0.4, 0.8, (5, 4)))),
            ("hidden", hidden),
            ("fc2", Dense(rng.normal(0.2, 0.8, (3, 5)))),
            ("readout", CubaLI((3,), 0.5, 0.1, np.zeros(3))),
        ],
        metadata={"steps": STEPS},
    )


def _assert_same_graph(before: Graph, after: Graph) -> None:
    assert list(after.nodes) == list(before.nodes)
    assert after.edges == before.edges and after.output == before.output
    assert after.metadata == before.metadata
    for name, node in before.nodes.items():
        other = after.nodes[name]
        assert type(other) is type(node), name
        for field in dataclasses.fields(node):
            expected, got = getattr(node, field.name), getattr(other, field.name)
            assert type(got) is type(expected), (name, field.name)
            np.testing.assert_array_equal(got, expected, err_msg=f"{name}.{field.name}")


ROUND_TRIPS = [
    (_dense_graph, 1e-4, ["Input", "Linear", "CubaLIF", "Linear", "IF", "Output"]),
    (
        _conv_graph,
        1e-3,
        ["Input", "Conv2d", "CubaLIF", "SumPool2d", "CubaLIF", "Flatten", "Linear", "LIF"]
        + ["Output"],
    ),
    (
        _recurrent_readout_graph,
        1e-3,
        ["Input", "AvgPool2d", "LIF", "Flatten", "Linear", "CubaLIF", "Linear", "CubaLI"]
        + ["Output"],
    ),
]


@pytest.mark.parametrize(("make_graph", "dt", "nir_kinds"), ROUND_TRIPS)
def test_round_trip_gives_back_the_same_graph(tmp_path, make_graph, dt, nir_kinds):
    graph = make_graph()

    path = export_nir(graph, tmp_path / "model.nir", dt=dt)
    written = nir.read(path)
    back = import_nir(path)  # the file says its dt

    kinds = {name: type(node).__name__ for name, node in written.nodes.items()}
    assert [kinds[name] for name in [*graph.nodes, "output"]] == nir_kinds
    _assert_same_graph(graph, back)
    spikes = _spikes(2, graph.nodes["input"].shape)
    expected, got = emulate(graph, spikes), emulate(back, spikes)
    spiking = [name for name, node in graph.neurons() if node.traits.spiking]
    assert all(expected.counts[name].sum() > 0 for name in spiking), expected.counts
    for name in expected.counts:
        np.testing.assert_array_equal(got.counts[name], expected.counts[name], err_msg=name)
    for name, potential in (expected.potentials or {}).items():
        assert np.abs(potential).max() > 0
        np.testing.assert_array_equal(got.potentials[name], potential, err_msg=name)


def test_recurrent_layer_is_written_as_a_linear_loop(tmp_path):
    """snnTorch's RLeaky/RSynaptic as nirtorch flattens them: the layer <-> a Linear."""
    graph = _recurrent_readout_graph()
    written = nir.read(export_nir(graph, tmp_path / "model.nir"))

    assert {("hidden", "hidden.recurrent"), ("hidden.recurrent", "hidden")} <= set(written.edges)
    np.testing.assert_array_equal(
        written.nodes["hidden.recurrent"].weight, graph.nodes["hidden"].recurrent_weight
    )
    np.testing.assert_allclose(written.nodes["hidden"].tau_mem, 1e-3 / np.linspace(0.05, 0.3, 5))


def test_import_without_exact_fields_is_within_rounding(tmp_path):
    """Another tool's copy of a pumice file (node metadata dropped): the NIR numbers alone."""
    graph = _conv_graph()
    written = nir.read(export_nir(graph, tmp_path / "model.nir", dt=1e-3))
    for node in written.nodes.values():
        node.metadata = {}
    written.metadata = {}

    back = import_nir(written, dt=1e-3)

    assert back.metadata["nir_exporter"] == "nir"
    for name, node in graph.nodes.items():
        for field in dataclasses.fields(node):
            expected = np.broadcast_to(
                getattr(node, field.name), np.shape(getattr(back.nodes[name], field.name))
            )
            np.testing.assert_allclose(getattr(back.nodes[name], field.name), expected, rtol=RTOL)


def test_pumice_file_read_at_another_dt_is_refused(tmp_path):
    path = export_nir(_dense_graph(), tmp_path / "model.nir", dt=1e-4)

    with pytest.raises(ModelError, match="written by pumice at dt = 0.0001 s, but dt = 0.001"):
        import_nir(path, dt=1e-3)


def test_export_writes_snntorch_convention(tmp_path):
    """Unit input gain: r = tau_mem/dt, w_in = tau_syn/dt, the SumPool2d weight in w_in."""
    path = export_nir(_conv_graph(), tmp_path / "model.nir", dt=1e-3)
    nodes = nir.read(path).nodes
    pool, dense = nodes["pool1"], nodes["dense1"]

    np.testing.assert_allclose(pool.tau_syn, 4e-3, rtol=RTOL)
    np.testing.assert_allclose(pool.tau_mem, 1e-3 / 0.03, rtol=RTOL)
    np.testing.assert_allclose(pool.r, 1 / 0.03, rtol=RTOL)
    np.testing.assert_allclose(pool.w_in, 1.1 * 4, rtol=RTOL)
    np.testing.assert_array_equal(pool.v_threshold, np.ones((2, 3, 3)))
    np.testing.assert_allclose([dense.tau.max(), dense.r.max()], [5e-3, 5.0], rtol=RTOL)
