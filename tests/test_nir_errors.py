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
    "recurrent edge": (
        _graph(
            {"fc": nir.Linear(weight=WEIGHT), "lif": _lif(), "rec": nir.Linear(weight=WEIGHT)},
            [("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")],
        ),
        "'lif' has 2 inputs .* recurrent edge",
    ),
    "branch": (
        _graph(
            {"a": nir.Linear(weight=WEIGHT), "lif": _lif(), "b": nir.Linear(weight=WEIGHT)},
            [("input", "a"), ("input", "b"), ("a", "lif"), ("lif", "output")],
        ),
        "'input' feeds 2 nodes",
    ),
    "subgraph": (
        _chain(("fc", nir.Linear(weight=WEIGHT)), ("rsynaptic", _chain(("lif", _lif())))),
        "'rsynaptic' is a NIRGraph",
    ),
    "readout without spikes": (
        _chain(
            ("fc", nir.Linear(weight=WEIGHT)), ("li", nir.LI(tau=ONES, r=ONES, v_leak=0 * ONES))
        ),
        "'li' is a LI",
    ),
    "bias into synaptic current": (
        _chain(("fc", nir.Affine(weight=WEIGHT, bias=ONES)), ("lif", _lif())),
        "'fc' has a bias that neuron 'lif' would accumulate",
    ),
    "time constant below dt": (
        _chain(("fc", nir.Linear(weight=WEIGHT)), ("lif", _lif(tau_syn=2e-4))),
        "'lif' has tau_syn 0.0002 s; .*pass the dt",
    ),
    "nonzero reset": (
        _chain(("fc", nir.Linear(weight=WEIGHT)), ("lif", _lif(v_reset=-0.5))),
        "'lif' resets v to a nonzero v_reset",
    ),
    "thresholds differ": (
        _chain(
            ("fc", nir.Linear(weight=WEIGHT)),
            ("lif", nir.LIF(tau=ONES, r=ONES, v_leak=0 * ONES, v_threshold=np.arange(1.0, 4.0))),
        ),
        "'lif' has v_threshold values that differ",
    ),
    "gain without a synapse": (_chain(("lif", _lif())), "'lif' scales its input by 0.02"),
    "output after a synapse": (
        _chain(("lif", _lif(w_in=5.0, r=10.0)), ("fc", nir.Linear(weight=WEIGHT))),
        "Output 'output' follows 'fc'; pumice graphs end with a spiking neuron",
    ),
}


@pytest.mark.parametrize("case", list(IMPORT_ERRORS))
def test_import_refuses_with_one_line(case):
    graph, match = IMPORT_ERRORS[case]
    _raises_one_line(match, import_nir, graph)


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
        ((0.5, 0.0), 0.0, "'lif' has current_decay 0.5 and voltage_decay 0; NIR export needs"),
        ((0.0, 0.1), 0.0, "'lif' has current_decay 0 and voltage_decay 0.1; NIR export needs"),
        ((1.0, 0.0), 0.2, "'lif' has no voltage leak but a bias"),
    ],
)
def test_export_refuses_neurons_without_finite_time_constants(tmp_path, decays, bias, match):
    _raises_one_line(match, export_nir, _float_graph(*decays, bias), tmp_path / "model.nir")
