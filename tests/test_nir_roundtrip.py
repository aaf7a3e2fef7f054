"""NIR export and import: float graphs survive a round trip; NIR neurons map to the IR's decays."""

from __future__ import annotations

import dataclasses

import nir
import numpy as np
import pytest

from pumice.convert.emulator import emulate
from pumice.convert.interchange import export_nir, import_nir
from pumice.convert.ir import Conv2d, CubaLIF, Dense, Flatten, Graph, Input, SumPool2d

#: Relative error allowed on parameters: ``dt/(dt/decay)`` and ``tau/dt * dt/tau`` round.
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
            ("fc2", Dense(rng.normal(0.3, 0.8, (4, 8)))),
            ("lif2", CubaLIF((4,), 1.5, 1.0, 0.0, np.zeros(4))),
        ]
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


def _assert_same_nodes(before: Graph, after: Graph) -> None:
    assert list(after.nodes) == list(before.nodes)
    assert after.edges == before.edges and after.output == before.output
    shapes = before.shapes()
    for name, node in before.nodes.items():
        other = after.nodes[name]
        assert type(other) is type(node), name
        for field in dataclasses.fields(node):
            expected, got = getattr(node, field.name), getattr(other, field.name)
            if field.name == "bias":  # the IR broadcasts a bias; the import writes it in full
                expected = np.broadcast_to(expected, shapes[name])
            if isinstance(expected, (np.ndarray, float)):
                np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0, err_msg=name)
            else:
                assert got == expected, (name, field.name)


@pytest.mark.parametrize(
    ("make_graph", "dt", "nir_kinds"),
    [
        (_dense_graph, 1e-4, ["Input", "Linear", "CubaLIF", "Linear", "IF", "Output"]),
        (
            _conv_graph,
            1e-3,
            ["Input", "Conv2d", "CubaLIF", "SumPool2d", "CubaLIF", "Flatten", "Linear"]
            + ["CubaLIF", "Output"],
        ),
    ],
)
def test_round_trip_keeps_nodes_parameters_and_spikes(tmp_path, make_graph, dt, nir_kinds):
    graph = make_graph()

    path = export_nir(graph, tmp_path / "model.nir", dt=dt)
    written = nir.read(path)
    back = import_nir(path, dt=dt)

    kinds = {name: type(node).__name__ for name, node in written.nodes.items()}
    assert [kinds[name] for name in [*graph.nodes, "output"]] == nir_kinds
    assert sorted(written.edges) == sorted([*graph.edges, (graph.output, "output")])
    assert back.metadata == {"source": "NIR", "dt": dt}
    _assert_same_nodes(graph, back)
    spikes = _spikes(2, graph.nodes["input"].shape)
    expected, got = emulate(graph, spikes).counts, emulate(back, spikes).counts
    assert all(counts.sum() > 0 for counts in expected.values()), expected
    assert expected.keys() == got.keys()
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


def test_export_writes_snntorch_convention(tmp_path):
    """Unit input gain: r = tau_mem/dt, w_in = tau_syn/dt, the SumPool2d weight in w_in."""
    path = export_nir(_conv_graph(), tmp_path / "model.nir", dt=1e-3)
    pool = nir.read(path).nodes["pool1"]

    np.testing.assert_allclose(pool.tau_syn, 4e-3, rtol=RTOL)
    np.testing.assert_allclose(pool.tau_mem, 1e-3 / 0.03, rtol=RTOL)
    np.testing.assert_allclose(pool.r, 1 / 0.03, rtol=RTOL)
    np.testing.assert_allclose(pool.w_in, 1.1 * 4, rtol=RTOL)
    np.testing.assert_array_equal(pool.v_threshold, np.ones((2, 3, 3)))


def _one_layer(neuron: nir.NIRNode, weight: np.ndarray, bias: np.ndarray | None = None):
    n_out, n_in = weight.shape
    synapse = nir.Linear(weight=weight) if bias is None else nir.Affine(weight=weight, bias=bias)
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([n_in])),
            "fc": synapse,
            "lif": neuron,
            "output": nir.Output(output_type=np.array([n_out])),
        },
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")],
    )


WEIGHT = np.random.default_rng(3).normal(0.5, 0.5, (3, 4))


def test_snntorch_synaptic_imports_with_its_alpha_and_beta(tmp_path):
    """snnTorch's Synaptic(alpha, beta) after a Linear, written as snnTorch writes it."""
    dt, alpha, beta, ones = 1e-4, 0.8, 0.9, np.ones(3)
    tau_syn, tau_mem = dt / (1 - alpha), dt / (1 - beta)
    neuron = nir.CubaLIF(
        tau_syn=tau_syn * ones,
        tau_mem=tau_mem * ones,
        r=tau_mem / dt * ones,
        v_leak=0 * ones,
        v_threshold=ones,
        w_in=tau_syn / dt * ones,
    )
    path = tmp_path / "snntorch.nir"
    nir.write(path, _one_layer(neuron, WEIGHT, bias=np.zeros(3)))

    graph = import_nir(path, dt=dt)

    assert [type(node) for node in graph.nodes.values()] == [Input, Dense, CubaLIF]
    lif = graph.nodes["lif"]
    np.testing.assert_allclose([lif.current_decay, lif.voltage_decay], [0.2, 0.1], rtol=RTOL)
    assert lif.threshold == 1.0 and lif.shape == (3,)
    np.testing.assert_array_equal(lif.bias, np.zeros(3))
    np.testing.assert_array_equal(graph.nodes["fc"].weight, WEIGHT)  # unit gain: untouched
    assert graph.metadata == {"source": "NIR", "dt": dt}


def test_norse_cuba_lif_decays_and_gain():
    """Norse's LIFCell: tau = 1/tau_inv at dt 1e-3, r = w_in = 1: gain dt/tau_syn * dt/tau_mem."""
    ones = np.ones(3)
    neuron = nir.CubaLIF(
        tau_syn=5e-3 * ones,
        tau_mem=1e-2 * ones,
        r=ones,
        v_leak=0 * ones,
        v_threshold=ones,
        w_in=ones,
    )

    graph = import_nir(_one_layer(neuron, WEIGHT))

    lif = graph.nodes["lif"]
    np.testing.assert_allclose([lif.current_decay, lif.voltage_decay], [0.2, 0.1], rtol=RTOL)
    np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT * 0.2 * 0.1, rtol=RTOL)


def test_lif_has_no_current_memory_and_takes_the_affine_bias():
    ones, bias = np.ones(3), np.array([0.5, -1.0, 2.0])
    r = np.array([1.0, 2.0, 4.0])
    neuron = nir.LIF(tau=1e-2 * ones, r=r, v_leak=0.3 * ones, v_threshold=2 * ones)

    graph = import_nir(_one_layer(neuron, WEIGHT, bias=bias))

    lif = graph.nodes["lif"]
    assert lif.current_decay == 1.0 and lif.threshold == 2.0
    np.testing.assert_allclose(lif.voltage_decay, 0.1, rtol=RTOL)
    np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT * 0.1 * r[:, None], rtol=RTOL)
    np.testing.assert_allclose(lif.bias, 0.1 * 0.3 + 0.1 * r * bias, rtol=RTOL)


def test_if_integrates_without_leak():
    ones = np.ones(3)
    graph = import_nir(_one_layer(nir.IF(r=2 * ones, v_threshold=ones), WEIGHT), dt=1e-3)

    lif = graph.nodes["lif"]
    assert (lif.current_decay, lif.voltage_decay) == (1.0, 0.0)
    np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT * 2e-3, rtol=RTOL)
    np.testing.assert_array_equal(lif.bias, np.zeros(3))


def _euler_counts(spikes, weight, tau_syn, tau_mem, r, w_in, v_leak, v_th, dt) -> np.ndarray:
    """NIR's CubaLIF by forward Euler, its input one step late as an IR synapse delivers it."""
    current = np.zeros((len(spikes), weight.shape[0]))
    voltage = np.zeros_like(current)
    counts = np.zeros(current.shape, dtype=np.int64)
    for t in range(1, spikes.shape[-1]):
        x = spikes[..., t - 1] @ weight.T
        current = current + dt / tau_syn * (w_in * x - current)
        voltage = voltage + dt / tau_mem * (v_leak - voltage + r * current)
        fired = voltage > v_th
        voltage = np.where(fired, 0.0, voltage)
        counts += fired
    return counts


def test_imported_cuba_lif_runs_nir_equations_by_forward_euler():
    """Per-neuron r, w_in and v_leak, folded into weights and bias, give NIR's spikes."""
    rng = np.random.default_rng(4)
    dt, ones = 1e-3, np.ones(3)
    params = {
        "tau_syn": 4e-3 * ones,
        "tau_mem": 8e-3 * ones,
        "r": np.array([1.0, 1.5, 2.0]),
        "w_in": np.array([30.0, 20.0, 25.0]),
        "v_leak": np.array([0.0, 0.5, -0.5]),
    }
    weight = rng.normal(0.4, 0.6, (3, 4))
    graph = import_nir(_one_layer(nir.CubaLIF(v_threshold=ones, **params), weight), dt=dt)
    spikes = _spikes(5, (4,), samples=16)

    counts = emulate(graph, spikes).counts["lif"]

    assert counts.sum() > 0
    expected = _euler_counts(spikes, weight, v_th=1.0, dt=dt, **params)
    np.testing.assert_array_equal(counts, expected)
