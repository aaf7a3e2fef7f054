"""IR files: exact round trip, and a one-line ModelError for every kind of broken file."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from graph_factory import random_graph

from pumice.convert.ir import CubaLIF, Dense, Graph, Input, load_graph, save_graph
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


def test_nan_weights_are_refused(tmp_path):
    weight = np.ones((2, 3))
    weight[1, 2] = np.nan
    path = save_graph(_float_graph(weight), tmp_path / "nan.pumice")
    with pytest.raises(ModelError, match="node 'dense1_synapse' weight holds NaN"):
        load_graph(path)


def test_foreign_npz_and_missing_file(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ModelError, match="no readable pumice graph header"):
        load_graph(tmp_path / "other.npz")
    with pytest.raises(ModelError, match="does not exist"):
        load_graph(tmp_path / "absent.pumice")


def _rewrite_header(path, change):
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    header_file = "__graph__.npy"
    with np.load(path) as data:
        header = json.loads(bytes(data["__graph__"]).decode())
    change(header)
    arrays = {n[:-4]: np.load(path)[n[:-4]] for n in entries if n != header_file}
    arrays["__graph__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def test_unknown_version_and_kind(tmp_path):
    path = save_graph(_float_graph(np.ones((2, 3))), tmp_path / "m.pumice")
    _rewrite_header(path, lambda h: h.update(version=99))
    with pytest.raises(ModelError, match="IR version 99"):
        load_graph(path)
    path = save_graph(_float_graph(np.ones((2, 3))), tmp_path / "k.pumice")
    _rewrite_header(path, lambda h: h["nodes"][1].update(kind="Teleporter"))
    with pytest.raises(ModelError, match="unknown node kind 'Teleporter'"):
        load_graph(path)


def test_graph_structure_is_validated():
    with pytest.raises(ModelError, match="exactly one input"):
        Graph(
            nodes={"input": Input((3,)), "a": Dense(np.ones((2, 3))), "b": Dense(np.ones((2, 3)))},
            edges=[("input", "a"), ("input", "b"), ("a", "b")],
            input="input",
            output="b",
        )
