"""``pumice convert --out`` writes the format its suffix names, keeps the metadata, and
refuses in one line what a format cannot express."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pumice.cli import main
from pumice.convert.emulator import emulate
from pumice.convert.ir import (
    CubaLI,
    CubaLIF,
    Dense,
    Flatten,
    Graph,
    Input,
    load_graph,
    save_graph,
)
from pumice.convert.ir.windows import LAG_KEY
from pumice.convert.model_files import read_model

METADATA = {
    "steps": 12,
    "data": {"name": "digits", "max_rate": 1.0, "encoding": "rate"},
    LAG_KEY: 1,
}


def _float_model(path, readout: bool = False) -> Graph:
    rng = np.random.default_rng(0)
    last = CubaLI((10,), 1.0, 0.9, np.zeros(1)) if readout else None
    graph = Graph.chain(
        [
            ("input", Input((1, 8, 8))),
            ("flatten1", Flatten()),
            ("dense1_synapse", Dense(rng.normal(0, 0.4, (20, 64)))),
            ("dense1", CubaLIF((20,), 1.25, 0.25, 0.03, np.zeros(1))),
            ("dense2_synapse", Dense(rng.normal(0, 0.6, (10, 20)))),
            ("dense2", last or CubaLIF((10,), 1.25, 0.25, 0.03, np.zeros(1))),
        ],
        metadata=METADATA,
    )
    save_graph(graph, path)
    return graph


def _spikes(samples: int = 4) -> np.ndarray:
    return (np.random.default_rng(1).random((samples, 1, 8, 8, 12)) < 0.4).astype(np.uint8)


def _trains(graph: Graph, spikes: np.ndarray) -> dict[str, np.ndarray]:
    return emulate(graph, spikes, record_spikes=True).spikes


@pytest.mark.parametrize("suffix", [".pumice", ".net", ".onnx"])
def test_fixed_model_in_every_format_runs_alike_and_keeps_its_metadata(tmp_path, suffix):
    _float_model(tmp_path / "m.pumice")
    out = tmp_path / f"f{suffix}"
    assert main(["-q", "convert", str(tmp_path / "m.pumice"), "--out", str(out)]) == 0
    assert (
        main(["-q", "convert", str(tmp_path / "m.pumice"), "--out", str(tmp_path / "r.pumice")])
        == 0
    )
    reference = load_graph(tmp_path / "r.pumice")
    written = read_model(out)
    for key, value in METADATA.items():
        assert written.metadata[key] == value, key
    expected, actual = _trains(reference, _spikes()), _trains(written, _spikes())
    assert list(expected) == list(actual)
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)


def test_the_files_are_the_formats_they_say(tmp_path):
    import h5py
    import nir
    import onnx

    _float_model(tmp_path / "m.pumice")
    model = str(tmp_path / "m.pumice")
    for suffix in (".net", ".onnx"):
        assert main(["-q", "convert", model, "--out", str(tmp_path / f"f{suffix}")]) == 0
    assert main(["-q", "convert", model, "--out", str(tmp_path / "f.nir"), "--to", "prune"]) == 0
    onnx.checker.check_model(onnx.load(tmp_path / "f.onnx"))
    with h5py.File(tmp_path / "f.net") as handle:
        assert sorted(handle["layer"]) == ["0", "1", "2", "3"]  # input, flatten, dense, dense
    graph = nir.read(tmp_path / "f.nir")
    kinds = {type(node).__name__ for node in graph.nodes.values()}
    assert {"Input", "Flatten", "Linear", "CubaLIF", "Output"} == kinds
    back = read_model(tmp_path / "f.nir")
    assert back.domain() == "float" and back.metadata["steps"] == 12
    assert back.metadata[LAG_KEY] == 1 and back.metadata["data"] == METADATA["data"]


def test_a_layer_the_format_cannot_express_is_named(tmp_path, capsys):
    _float_model(tmp_path / "m.pumice", readout=True)  # netx has no non-spiking readout
    out = tmp_path / "f.net"
    assert main(["convert", str(tmp_path / "m.pumice"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dense2" in err, err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pumice"]


def test_a_netx_round_trip_keeps_weight_bits_and_synaptic_memory(tmp_path, capsys):
    _float_model(tmp_path / "m.pumice")
    fixed, net = tmp_path / "f.pumice", tmp_path / "f.net"
    bits = ["--bits", "4"]
    assert main(["-q", "convert", str(tmp_path / "m.pumice"), "--out", str(fixed), *bits]) == 0
    assert main(["-q", "convert", str(fixed), "--out", str(net)]) == 0
    original, back = load_graph(fixed), read_model(net)
    for name in ("dense1_synapse", "dense2_synapse"):
        a, b = original.nodes[name], back.nodes[name]
        assert (
            (b.num_weight_bits, b.weight_exp)
            == (a.num_weight_bits, a.weight_exp)
            == (4, a.weight_exp)
        )
        np.testing.assert_array_equal(b.weight, a.weight)
    maps = []
    for model in (fixed, net):
        out = tmp_path / f"{model.suffix[1:]}.json"
        assert main(["map", str(model), "--profile", "loihi1", "--json", str(out)]) == 0
        maps.append(json.loads(out.read_text()))
    capsys.readouterr()
    assert maps[0] == maps[1]
    assert maps[0]["cores"], "an empty mapping would make the comparison vacuous"


def test_netx_encoding_is_used_when_the_file_was_edited(tmp_path):
    import h5py

    _float_model(tmp_path / "m.pumice")
    net = tmp_path / "f.net"
    assert main(["-q", "convert", str(tmp_path / "m.pumice"), "--out", str(net)]) == 0
    with h5py.File(net, "r+") as handle:
        weight = handle["layer/2/weight"][()]
        del handle["layer/2/weight"]
        handle["layer/2/weight"] = weight + 1  # no longer what the stored encoding computes
    from pumice.convert.interchange.netx_format import netx_dense

    node = read_model(net).nodes["dense1_synapse"]
    expected = netx_dense(weight + 1)
    assert (node.num_weight_bits, node.weight_exp) == (
        expected.num_weight_bits,
        expected.weight_exp,
    )


@pytest.mark.lava
def test_a_net_written_by_pumice_runs_in_lava_dls_own_netx(tmp_path):
    from test_netx_reference import assert_same_as_netx

    _float_model(tmp_path / "m.pumice")
    net = tmp_path / "f.net"
    assert main(["-q", "convert", str(tmp_path / "m.pumice"), "--out", str(net)]) == 0
    counts = assert_same_as_netx(read_model(net), net, _spikes(1)[0])
    assert all(counts), counts
