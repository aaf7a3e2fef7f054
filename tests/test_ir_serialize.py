"""IR files: exact round trip, a SHA-256 seal, and a one-line ModelError for every kind of
broken file (more in test_model_validation.py and test_model_file_fuzz.py)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from graph_factory import random_graph
from model_file_factory import write_pumice

from pumice.convert.ir import CubaLIF, Dense, Graph, Input, load_graph, save_graph
from pumice.convert.ir.container import TRAILER_PREFIX, TRAILER_SIZE
from pumice.convert.ir.serialize import FILE_VERSION
from pumice.errors import ModelError


def _float_graph(weight: np.ndarray) -> Graph:
    return Graph.chain(
        [
            ("input", Input((3,))),
            ("dense1_synapse", Dense(weight)),
            ("dense1", CubaLIF((2,), 1.25, 0.25, 0.03, np.zeros(1))),
        ],
        metadata={"steps": 7},
    )


@pytest.mark.parametrize("seed", range(6))
def test_fixed_graph_round_trip_is_exact(tmp_path, seed):
    graph = random_graph(np.random.default_rng(seed), conv=seed % 2 == 0)
    loaded = load_graph(save_graph(graph, tmp_path / "m.pumice"))
    assert list(loaded.nodes) == list(graph.nodes)
    assert loaded.edges == graph.edges and loaded.output == graph.output
    for name, node in graph.nodes.items():
        other = loaded.nodes[name]
        assert type(other) is type(node)
        for key, value in vars(node).items():
            np.testing.assert_array_equal(getattr(other, key), value, err_msg=f"{name}.{key}")


def test_float_graph_round_trip_keeps_metadata(tmp_path):
    graph = _float_graph(np.arange(6.0).reshape(2, 3) / 7)
    loaded = load_graph(save_graph(graph, tmp_path / "f.pumice"))
    assert loaded.metadata == {"steps": 7}
    np.testing.assert_array_equal(
        loaded.nodes["dense1_synapse"].weight, graph.nodes["dense1_synapse"].weight
    )
    assert loaded.domain() == "float"


def test_truncated_file_is_a_model_error(tmp_path):
    path = save_graph(_float_graph(np.ones((2, 3))), tmp_path / "m.pumice")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="truncated or not a pumice model"):
        load_graph(path)


def test_file_is_sealed_by_a_sha256_of_its_bytes_and_reads_as_npz(tmp_path):
    graph = _float_graph(np.arange(6.0).reshape(2, 3))
    data = save_graph(graph, tmp_path / "a.pumice").read_bytes()
    trailer = data[-TRAILER_SIZE:]
    assert trailer == TRAILER_PREFIX + hashlib.sha256(data[:-TRAILER_SIZE]).hexdigest().encode()
    assert save_graph(graph, tmp_path / "b.pumice").read_bytes() == data  # deterministic
    with np.load(tmp_path / "a.pumice") as npz:  # still an ordinary .npz
        weight = graph.nodes["dense1_synapse"].weight
        np.testing.assert_array_equal(npz["dense1_synapse/weight"], weight)
        assert json.loads(bytes(npz["__graph__"]))["version"] == FILE_VERSION == 2


@pytest.mark.parametrize("index", [0, 40, -TRAILER_SIZE - 1, -TRAILER_SIZE, -1])
def test_any_changed_byte_is_refused_by_the_checksum(tmp_path, index):
    path = save_graph(_float_graph(np.ones((2, 3))), tmp_path / "m.pumice")
    data = bytearray(path.read_bytes())
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="damaged"):
        load_graph(path)


def test_nan_weights_are_refused(tmp_path):
    weight = np.ones((2, 3))
    weight[1, 2] = np.nan
    path = write_pumice(tmp_path / "nan.pumice", _float_graph(weight))
    with pytest.raises(ModelError, match="layer 'dense1_synapse' .* weight holding NaN"):
        load_graph(path)


def test_foreign_npz_and_missing_file(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ModelError, match="no readable pumice graph header"):
        load_graph(tmp_path / "other.npz")
    with pytest.raises(ModelError, match="does not exist"):
        load_graph(tmp_path / "absent.pumice")


def test_unknown_version_and_kind(tmp_path):
    graph = _float_graph(np.ones((2, 3)))
    path = write_pumice(tmp_path / "m.pumice", graph, lambda h: h.update(version=99))
    with pytest.raises(ModelError, match="file version 99"):
        load_graph(path)
    path = write_pumice(tmp_path / "k.pumice", graph, lambda h: h["nodes"][1].update(kind="Tel"))
    with pytest.raises(ModelError, match="unknown kind 'Tel'"):
        load_graph(path)


def test_graph_structure_is_validated():
    with pytest.raises(ModelError, match="exactly one input"):
        Graph(
            nodes={"input": Input((3,)), "a": Dense(np.ones((2, 3))), "b": Dense(np.ones((2, 3)))},
            edges=[("input", "a"), ("input", "b"), ("a", "b")],
            input="input",
            output="b",
        )
