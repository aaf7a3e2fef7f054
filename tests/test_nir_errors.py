"""NIR export and import refuse what they cannot map exactly, with one-line ModelErrors."""

from __future__ import annotations

import h5py
import nir
import numpy as np
import pytest

from pumice.convert.interchange import export_nir, import_nir
from pumice.convert.ir import CubaLIF, Dense, FixedCubaLIF, FixedDense, Graph, Input
from pumice.errors import ModelError

ONES = np.ones(3)
WEIGHT = np.full((3, 3), 0.5)


def _lif(**changes) -> nir.CubaLIF:
    params = dict(tau_syn=5e-3, tau_mem=1e-2, r=1.0, v_leak=0.0, v_threshold=1.0, w_in=1.0)
    params.update(changes)
    return nir.CubaLIF(**{key: value * ONES for key, value in params.items()})


def _graph(nodes: dict, edges: list[tuple[str, str]]) -> nir.NIRGraph:
    nodes = {"input": nir.Input(input_type=np.array([3])), **nodes}
    nodes["output"] = nir.Output(output_type=np.array([3]))
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _chain(*named: tuple[str, nir.NIRNode]) -> nir.NIRGraph:
    names = ["input", *(name for name, _ in named), "output"]
    return _graph(dict(named), list(zip(names[:-1], names[1:], strict=True)))


def _raises_one_line(match: str, call, *args, **kwargs) -> str:
    with pytest.raises(ModelError, match=match) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


IMPORT_ERRORS = {
    "delay": (
        _chain(("fc", nir.Linear(weight=WEIGHT)), ("wait", nir.Delay(delay=ONES)), ("lif", _lif())),
        "'wait' is a Delay; pumice imports chains of",
    ),
    "loop through two nodes": (
        _graph(
            {
                "fc": nir.Linear(weight=WEIGHT),
                "lif": _lif(),
                "rec": nir.Linear(weight=WEIGHT),
                "gain": nir.Scale(scale=ONES),
            },
            [("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "gain"), ("gain", "lif")]
            + [("lif", "output")],
        ),
        "'lif' has 2 inputs .* other than a layer's own Linear/Affine loop",
    ),
    "branch": (
        _graph(
            {"a": nir.Linear(weight=WEIGHT), "lif": _lif(), "b": nir.Linear(weight=WEIGHT)},
            [("input", "a"), ("input", "b"), ("a", "lif"), ("lif", "output")],
        ),
        "'input' feeds 2 nodes",
    ),
    "subgraph without an Input": (
        _chain(
            ("fc", nir.Linear(weight=WEIGHT)),
            ("sub", nir.NIRGraph(nodes={"lif": _lif()}, edges=[], type_check=False)),
        ),
        "subgraph 'sub' has 0 Input nodes",
    ),
    "readout that feeds on": (
        _chain(
            ("fc", nir.Linear(weight=WEIGHT)),
            ("li", nir.LI(tau=1e-2 * ONES, r=ONES, v_leak=0 * ONES)),
            ("fc2", nir.Linear(weight=WEIGHT)),
            ("lif", _lif()),
        ),
        "'li' is a non-spiking neuron and feeds 'fc2'",
    ),
    "bias into synaptic current": (
        _chain(("fc", nir.Affine(weight=WEIGHT, bias=ONES)), ("lif", _lif())),
        "'fc' adds a bias that neuron 'lif' would accumulate",
    ),
    "time constant below dt": (
        _chain(("fc", nir.Linear(weight=WEIGHT)), ("lif", _lif(tau_syn=2e-4, r=2.0))),
        "'lif' has tau_syn 0.0002, a decay per step outside .*snnTorch writes dt = 1e-4",
    ),
    "nonzero reset": (
        _chain(("fc", nir.Linear(weight=WEIGHT)), ("lif", _lif(v_reset=-0.5))),
        "'lif' resets v to a nonzero v_reset",
    ),
    "gain varying in a conv channel": (
        nir.NIRGraph(
            nodes={
                "input": nir.Input(input_type=np.array([1, 3, 3])),
                "conv": nir.Conv2d(
                    input_shape=(3, 3),
                    weight=np.ones((1, 1, 1, 1)),
                    stride=1,
                    padding=0,
                    dilation=1,
                    groups=1,
                    bias=np.zeros(1),
                ),
                "lif": nir.LIF(
                    tau=1e-2 * np.ones((1, 3, 3)),
                    r=np.arange(1.0, 10.0).reshape(1, 3, 3),
                    v_leak=np.zeros((1, 3, 3)),
                    v_threshold=np.ones((1, 3, 3)),
                ),
                "output": nir.Output(output_type=np.array([1, 3, 3])),
            },
            edges=[("input", "conv"), ("conv", "lif"), ("lif", "output")],
            type_check=False,
        ),
        "'lif' scales its input .* differently within a channel of 'conv'",
    ),
    "output after a synapse": (
        _chain(("lif", _lif(w_in=5.0, r=10.0)), ("fc", nir.Linear(weight=WEIGHT))),
        "Output 'output' follows 'fc'; pumice graphs end with a neuron layer",
    ),
}


@pytest.mark.parametrize("case", list(IMPORT_ERRORS))
def test_import_refuses_with_one_line(case):
    graph, match = IMPORT_ERRORS[case]
    _raises_one_line(match, import_nir, graph, dt=1e-3)


def test_import_without_dt_or_known_exporter_asks_for_dt():
    graph = _chain(("fc", nir.Linear(weight=WEIGHT)), ("lif", _lif()))
    _raises_one_line("does not say its time step .* pass dt", import_nir, graph)


def test_import_of_an_unknown_exporter_name_lists_the_known_ones():
    graph = _chain(("fc", nir.Linear(weight=WEIGHT)), ("lif", _lif()))
    message = _raises_one_line("unknown NIR exporter 'lava'", import_nir, graph, exporter="lava")
    assert "auto, nir, snntorch, norse, sinabs" in message


def test_import_refuses_files_that_are_not_nir(tmp_path):
    text = tmp_path / "model.nir"
    text.write_text("not hdf5")
    netx_like = tmp_path / "model.net"
    with h5py.File(netx_like, "w") as handle:
        handle.create_group("layer")

    for path in (text, netx_like, tmp_path / "missing.nir"):
        message = _raises_one_line("not a NIR file pumice can read", import_nir, path)
        assert message.startswith(str(path))


def _fixed_graph() -> Graph:
    return Graph.chain(
        [
            ("input", Input((3,))),
            ("fc", FixedDense(np.ones((2, 3), dtype=np.int64))),
            ("lif", FixedCubaLIF((2,), du=4095, dv=0, vth=10, bias_mant=np.zeros(2))),
        ]
    )


def test_export_refuses_fixed_point_graphs(tmp_path):
    path = tmp_path / "model.nir"
    message = _raises_one_line("export the float model", export_nir, _fixed_graph(), path)

    assert "'fc' is a fixed-point FixedDense" in message and "NIR has no fixed-point" in message
    assert not path.exists()


def _float_graph(current_decay: float, voltage_decay: float, bias: float) -> Graph:
    return Graph.chain(
        [
            ("input", Input((3,))),
            ("fc", Dense(np.ones((2, 3)))),
            ("lif", CubaLIF((2,), 1.0, current_decay, voltage_decay, np.full(2, bias))),
        ]
    )


@pytest.mark.parametrize(
    ("decays", "bias", "match"),
    [
        ((0.5, 0.0), 0.0, "'lif' has current decays in .0.5, 0.5. and voltage decays in .0, 0."),
        ((0.0, 0.1), 0.0, "'lif' has current decays in .0, 0. and voltage decays in .0.1, 0.1."),
        ((1.0, 0.0), 0.2, "'lif' has no voltage leak but a bias"),
    ],
)
def test_export_refuses_neurons_without_finite_time_constants(tmp_path, decays, bias, match):
    _raises_one_line(match, export_nir, _float_graph(*decays, bias), tmp_path / "model.nir")
