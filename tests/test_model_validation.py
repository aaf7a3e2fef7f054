"""Every bad model file, in every format, is refused on load in one line naming the file.

One table of probes per format (issue 12): each writes a file, and ``read_model`` and the
CLI (``pumice convert FILE --out OUT``) must refuse it with the expected fragment, exit 2,
one line, no traceback, nothing written and the file untouched. The same validation runs
whichever format a graph came from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from model_file_factory import (
    CUBA,
    fixed_graph,
    float_graph,
    netx_layers,
    nir_graph,
    with_node,
    write_netx_layers,
    write_nir,
    write_pumice,
    write_pumice_v1,
)

from pumice.cli import main
from pumice.convert.interchange import export_onnx
from pumice.convert.ir import (
    Conv2d,
    FixedShiftLIF,
    Graph,
    Input,
    load_graph,
    save_graph,
    validate_graph,
)
from pumice.convert.ir.container import TRAILER_SIZE
from pumice.convert.model_files import read_model
from pumice.errors import ModelError

FIXED = fixed_graph()
Probe = tuple[str, object, str]  # file name, writer(path), expected fragment


def _flip(path: Path, count: int) -> Path:
    """Flip ``count`` bytes spread over the file."""
    data = bytearray(path.read_bytes())
    for index in np.linspace(0, len(data) - 1, count).astype(int):
        data[index] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _truncate(path: Path, keep: float = 0.5) -> Path:
    path.write_bytes(path.read_bytes()[: int(len(path.read_bytes()) * keep)])
    return path


def _cut_trailer(path: Path) -> Path:
    """Drop the SHA-256 trailer (the zip comment stays readable: its length says 0 bytes)."""
    data = bytearray(path.read_bytes()[:-TRAILER_SIZE])
    data[-2:] = b"\0\0"
    path.write_bytes(bytes(data))
    return path


def _clipped() -> list[dict]:
    """A netx layer with one weight of 1e9 among mixed signs, which netx would clip."""
    weight = np.ones((4, 16))
    weight[0, 0], weight[1, 1] = -1, 1e9
    return netx_layers(weight=weight)


def _pumice(graph: Graph, change=None):
    return lambda path: write_pumice(path, graph, change)


def _attr(node: int, **values):
    def change(header: dict) -> None:
        header["nodes"][node]["attrs"].update(values)

    return change


def _shift_lif(**changes) -> Graph:
    lif = FIXED.nodes["lif"]
    fields = {"shape": lif.shape, "vth": lif.vth, "bias_mant": lif.bias_mant, "bias_exp": 6}
    fields.update(shift_u=np.full(3, 2), shift_v=np.full(3, 3))
    fields.update(changes)
    return Graph.chain([*list(FIXED.nodes.items())[:3], ("lif", FixedShiftLIF(**fields))])


PUMICE: list[Probe] = [
    ("flipped", lambda p: _flip(write_pumice(p, FIXED), 20), "SHA-256 checksum does not match"),
    ("truncated", lambda p: _truncate(write_pumice(p, FIXED)), "truncated or not a pumice"),
    ("no_trailer", lambda p: _cut_trailer(write_pumice(p, FIXED)), "lacks the SHA-256 checksum"),
    ("no_nodes", _pumice(FIXED, lambda h: h.pop("nodes")), "'nodes' must be a list"),
    ("bad_edge", _pumice(FIXED, lambda h: h["edges"].append(7)), "damaged header: edge 7"),
    ("version", _pumice(FIXED, lambda h: h.update(version=99)), "file version 99"),
    ("ir_version", _pumice(FIXED, lambda h: h.update(ir_version=7)), "IR version 7"),
    ("kind", _pumice(FIXED, lambda h: h["nodes"][3].update(kind="Teleport")), "'Teleport'"),
    ("twice", _pumice(FIXED, lambda h: h["nodes"][3].update(name="fc")), "two nodes named"),
    ("name", _pumice(FIXED, lambda h: h["nodes"][3].update(name="a\nb")), "node name"),
    ("unknown_field", _pumice(FIXED, _attr(3, colour=1)), "unknown fields 'colour'"),
    ("missing_field", _pumice(FIXED, lambda h: h["nodes"][3]["attrs"].pop("vth")), "lacks"),
    ("lost_array", _pumice(FIXED, _attr(2, weight={"array": "nope"})), "lacks the array"),
    ("threshold_abc", _pumice(float_graph(), _attr(3, threshold="abc")), "threshold 'abc'"),
    ("threshold_inf", _pumice(float_graph(), _attr(3, threshold=float("inf"))), "inf"),
    ("vth_float", _pumice(FIXED, _attr(3, vth=2.5)), "vth 2.5, not an integer"),
    ("steps", _pumice(FIXED, lambda h: h["metadata"].update(steps=-1)), "metadata steps"),
    ("meta_nan", _pumice(FIXED, lambda h: h["metadata"].update(rate=float("nan"))), "rate"),
    ("nan_weight", _pumice(float_graph(np.full((3, 16), np.nan))), "weight holding NaN"),
    ("64x63", _pumice(float_graph(np.ones((3, 15)))), "takes 15 inputs, but is fed shape (16,)"),
    ("vth", _pumice(with_node(FIXED, "lif", vth=-10)), "vth = -10, outside Lava's range"),
    ("du", _pumice(with_node(FIXED, "lif", du=99999)), "du = 99999"),
    ("dv", _pumice(with_node(FIXED, "lif", dv=5000)), "dv = 5000"),
    ("bias", _pumice(with_node(FIXED, "lif", bias_mant=np.full(3, 5000))), "bias_mant = 5000"),
    ("bias_exp", _pumice(with_node(FIXED, "lif", bias_exp=9)), "bias_exp = 9"),
    ("float_bias", _pumice(with_node(FIXED, "lif", bias_mant=np.zeros(3))), "holds integers"),
    ("mantissa", _pumice(with_node(FIXED, "fc", weight=np.full((3, 16), 300))), "mantissas"),
    ("exp", _pumice(with_node(FIXED, "fc", weight_exp=99)), "weight_exp = 99"),
    ("bits", _pumice(with_node(FIXED, "fc", num_weight_bits=0)), "num_weight_bits = 0"),
    ("shift", _pumice(_shift_lif(shift_u=np.full(3, 30))), "shift_u = 30"),
    ("shift_shape", _pumice(_shift_lif(shift_v=np.ones(4, int))), "shift_v of shape (4,)"),
    (
        "stride",
        _pumice(
            Graph.chain(
                [
                    ("input", Input((1, 4, 4))),
                    ("conv", Conv2d(np.ones((1, 1, 2, 2)), stride=(0, 1))),
                    ("lif", float_graph().nodes["lif"]),
                ]
            )
        ),
        "stride (0, 1)",
    ),
]

NETX: list[Probe] = [
    ("junk", lambda p: p.write_bytes(b"\x89HDF\r\n" + bytes(100)), "cannot be read as an HDF5"),
    ("vth", lambda p: write_netx_layers(p, netx_layers(**{"neuron/vThMant": -5})), "vth = -5"),
    ("du", lambda p: write_netx_layers(p, netx_layers(**{"neuron/iDecay": 100000})), "du = "),
    ("dv", lambda p: write_netx_layers(p, netx_layers(**{"neuron/vDecay": 5000})), "dv = 5000"),
    ("bias", lambda p: write_netx_layers(p, netx_layers(bias=np.full(4, 99999))), "bias_mant"),
    ("clipped", lambda p: write_netx_layers(p, _clipped()), "netx would clip them"),
    (
        "nan",
        lambda p: write_netx_layers(p, netx_layers(weight=np.full((4, 16), np.nan))),
        "holds NaN",
    ),
    (
        "64x63",
        lambda p: write_netx_layers(
            p, [{"type": "input", "shape": [16]}, *netx_layers(weight=np.ones((4, 15), int))]
        ),
        "has 15 inputs but follows a layer of shape (16,)",
    ),
]
ONNX: list[Probe] = [
    ("junk", lambda p: p.write_bytes(b"\x08\x07" + bytes(60)), "is not an ONNX model"),
    ("truncated", lambda p: _truncate(export_onnx(float_graph(), p), 0.6), "ONNX"),
    ("threshold", lambda p: export_onnx(float_graph(threshold=np.inf), p), "threshold inf"),
    ("vth", lambda p: export_onnx(with_node(FIXED, "lif", vth=-10), p), "vth = -10"),
    ("du", lambda p: export_onnx(with_node(FIXED, "lif", du=99999), p), "du = 99999"),
    ("nan", lambda p: export_onnx(float_graph(np.full((3, 16), np.nan)), p), "NaN"),
]

NIR: list[Probe] = [
    ("junk", lambda p: p.write_bytes(bytes(range(256))), "not a NIR file"),
    ("truncated", lambda p: _truncate(write_nir(p, nir_graph())), "NIR"),
    ("all_nan", lambda p: write_nir(p, nir_graph(np.full((3, 16), np.nan))), "weight holding NaN"),
    ("one_nan", lambda p: write_nir(p, nir_graph(_one_nan())), "weight holding NaN"),
    ("threshold", lambda p: write_nir(p, nir_graph(v_threshold=np.inf)), "v_threshold holding NaN"),
    ("64x63", lambda p: write_nir(p, nir_graph(np.ones((3, 15)))), "weight of shape (3, 15)"),
    ("tau_nan", lambda p: write_nir(p, nir_graph(tau_mem=np.nan)), "tau_mem"),
]


def _one_nan() -> np.ndarray:
    weight = np.ones((3, 16)) * 0.1
    weight[1, 7] = np.nan
    return weight


CASES = [
    pytest.param(f"{name}{suffix}", write, fragment, id=f"{suffix[1:]}-{name}")
    for suffix, table in ((".pumice", PUMICE), (".net", NETX), (".onnx", ONNX), (".nir", NIR))
    for name, write, fragment in table
]


@pytest.mark.parametrize(("name", "write", "fragment"), CASES)
def test_read_model_refuses_in_one_line_naming_the_file(tmp_path, name, write, fragment):
    path = tmp_path / name
    write(path)
    with pytest.raises(ModelError) as info:
        read_model(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert fragment in message


@pytest.mark.parametrize(("name", "write", "fragment"), CASES)
def test_cli_refuses_with_exit_2_and_writes_nothing(tmp_path, capsys, name, write, fragment):
    path = tmp_path / name
    write(path)
    before = path.read_bytes()
    out = tmp_path / "out.pumice"
    assert main(["-q", "convert", str(path), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("pumice: error: ")
    assert fragment in captured.err and "Traceback" not in captured.err
    assert not out.exists()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_valid_files_of_every_format_are_read(tmp_path):
    from model_file_factory import SUFFIXES, valid_file

    for suffix in SUFFIXES:
        graph = read_model(valid_file(tmp_path, suffix))
        assert graph.nodes[graph.output].shape == (3,) or suffix == ".net"


def test_version_1_files_are_still_read_and_validated(tmp_path):
    graph = read_model(write_pumice_v1(tmp_path / "old.pumice", FIXED))
    for name, node in FIXED.nodes.items():
        for key, value in vars(node).items():
            np.testing.assert_array_equal(getattr(graph.nodes[name], key), value)
    bad = write_pumice_v1(tmp_path / "bad.pumice", with_node(FIXED, "lif", vth=-10))
    with pytest.raises(ModelError, match="vth = -10"):
        read_model(bad)


def test_save_refuses_an_invalid_graph_and_writes_nothing(tmp_path):
    with pytest.raises(ModelError, match=r"cannot save .* du = 99999"):
        save_graph(with_node(FIXED, "lif", du=99999), tmp_path / "m.pumice")
    assert list(tmp_path.iterdir()) == []


def test_netx_defaults_and_every_example_kind_pass_validation(tmp_path):
    from kind_examples import EXAMPLES

    for kind, example in EXAMPLES.items():
        graph = example()
        assert validate_graph(graph) is graph, kind.__name__
        loaded = load_graph(save_graph(graph, tmp_path / "k.pumice"))
        assert loaded.nodes.keys() == graph.nodes.keys()
    plain = {"type": "dense", "shape": [3], "weight": np.arange(1, 13).reshape(3, 4)}
    lif = read_model(write_netx_layers(tmp_path / "plain.net", [plain])).nodes["dense1"]
    assert (lif.du, lif.dv, lif.vth) == (-1, 4096, 1 << 17)  # netx's default neuron
    assert (
        CUBA["neuron/vThMant"]
        == read_model(write_netx_layers(tmp_path / "cuba.net", netx_layers())).nodes["dense1"].vth
    )
