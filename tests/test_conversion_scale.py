"""``--scale``: a finer integer unit per threshold unit for weights, biases and thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from pumice.conversion import ConversionConfig, convert
from pumice.convert.ir import CubaLIF, Dense, Graph, Input, save_graph
from pumice.errors import ModelError


def small_weight_model(path):
    rng = np.random.default_rng(0)
    graph = Graph.chain(
        [
            ("input", Input((6,))),
            ("dense1_synapse", Dense(rng.normal(0.0, 0.02, size=(4, 6)))),
            ("dense1", CubaLIF((4,), 1.0, 1.0, 0.1, np.zeros(4))),
        ]
    )
    save_graph(graph, path)
    return graph


@pytest.mark.parametrize("scale", [64, 256, 1024])
def test_scale_sets_threshold_units_and_weight_resolution(tmp_path, scale):
    graph = small_weight_model(tmp_path / "model.pumice")
    config = ConversionConfig(tmp_path / "model.pumice", tmp_path / "f.pumice", scale=scale)
    fixed, _ = convert(config)
    assert fixed.nodes["dense1"].vth == scale
    node = fixed.nodes["dense1_synapse"]
    weights = node.weight * 2.0**node.weight_exp / scale
    error = np.abs(weights - graph.nodes["dense1_synapse"].weight).max()
    assert error <= 1.0 / scale + 1e-12  # half of SLAYER's 2-unit step


@pytest.mark.parametrize("scale", [0, 3, 100])
def test_scale_must_be_a_power_of_two(tmp_path, scale):
    with pytest.raises(ModelError, match="scale must be a power of two"):
        ConversionConfig(tmp_path / "model.pumice", tmp_path / "f.pumice", scale=scale)
