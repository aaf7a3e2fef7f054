"""One time convention: a T-step input gives what Lava gives over T steps; pumice's own
trained networks record their one-step lag and so reproduce their training's forward pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from pumice.convert.ir import FixedCubaLIF, FixedDense, Graph, Input
from pumice.convert.ir.windows import LAG, LAG_KEY, model_lag, run_input, trained_metadata
from pumice.errors import ModelError
from pumice.inference import run_graph


def _graph(metadata=None) -> Graph:
    rng = np.random.default_rng(0)
    return Graph.chain(
        [
            ("input", Input((5,))),
            ("dense1_synapse", FixedDense(rng.integers(-40, 120, (3, 5)))),
            ("dense1", FixedCubaLIF((3,), 1024, 512, 60, np.zeros(3, dtype=np.int64))),
        ],
        metadata=metadata,
    )


def test_a_model_without_a_lag_runs_lavas_t_steps():
    spikes = np.ones((2, 5, 7), dtype=np.uint8)
    padded, windows = run_input(_graph(), spikes)
    assert padded.shape[-1] == 7 and windows == {"dense1": (0, 7)}


def test_a_trained_model_runs_one_more_step_and_counts_its_window():
    graph = _graph(trained_metadata({"steps": 7}))
    assert graph.metadata == {"steps": 7, LAG_KEY: LAG}
    padded, windows = run_input(graph, np.ones((2, 5, 7), dtype=np.uint8))
    assert padded.shape[-1] == 8 and not padded[..., -1].any()
    assert windows == {"dense1": (1, 8)}


def test_a_model_pumice_train_wrote_before_the_key_existed_lags_too():
    assert model_lag(_graph({"source": "configs/digits_demo.toml", "steps": 16})) == LAG
    assert model_lag(_graph({"source": "lava-dl netx"})) == 0


@pytest.mark.parametrize("lag", [-1, 2, 0.5, True, "1"])
def test_a_bad_recorded_lag_is_a_model_error(lag):
    with pytest.raises(ModelError, match=f"metadata '{LAG_KEY}'"):
        model_lag(_graph({LAG_KEY: lag}))


def test_trains_are_on_the_inputs_step_axis():
    rng = np.random.default_rng(2)
    spikes = (rng.random((4, 5, 9)) < 0.6).astype(np.uint8)
    plain = run_graph(_graph(), spikes, np.zeros(4, int), "emulator", False, record_spikes=True)
    lagged = run_graph(
        _graph(trained_metadata()), spikes, np.zeros(4, int), "emulator", False, record_spikes=True
    )
    assert plain.trains["dense1"].shape == lagged.trains["dense1"].shape == (4, 3, 9)
    assert plain.trains["dense1"].sum() > 0
    # the same network; its model-side counting starts one step later (the lagged window)
    np.testing.assert_array_equal(
        lagged.trains["dense1"][..., :-1], plain.trains["dense1"][..., 1:]
    )
    np.testing.assert_array_equal(plain.counts["dense1"], plain.trains["dense1"].sum(-1))
    assert (plain.lag_steps, lagged.lag_steps) == (0, 1)


@pytest.mark.parametrize("section", ["", "[imsnn]\nmean_max = 8.0\n", "[bpsr]\n"])
def test_every_training_family_records_the_lag(tmp_path, section):
    import torch

    from pumice.train.config import load_config
    from pumice.train.families import build_network

    config = tmp_path / "run.toml"
    config.write_text(
        '[data]\nname = "digits"\nsteps = 8\n[[network.layers]]\ntype = "dense"\n'
        "features = 10\n" + section
    )
    torch.manual_seed(0)
    network = build_network(load_config(config), (1, 8, 8))
    graph = network.export_ir({"steps": 8})
    assert model_lag(graph) == LAG and graph.metadata["steps"] == 8


def test_pumice_trained_network_through_run_graph_equals_slayer():
    import torch

    from pumice.convert.passes import PASSES
    from pumice.train.config import DenseLayer, NetworkConfig, NeuronConfig
    from pumice.train.inference import predict_spikes
    from pumice.train.network import SpikingNetwork

    torch.manual_seed(3)
    neuron = NeuronConfig(threshold=1.0, current_decay=0.5, voltage_decay=0.1)
    network = SpikingNetwork(NetworkConfig((DenseLayer(12), DenseLayer(4))), neuron, (10,), 14)
    for block in network.blocks:
        block.synapse.weight.data *= 4
    fixed = PASSES["quantize"]().apply(network.export_ir()).graph
    spikes = (np.random.default_rng(3).random((16, 10, 14)) < 0.5).astype(np.uint8)
    predictions, per_neuron = predict_spikes(network, spikes)
    report = run_graph(fixed, spikes, predictions, "emulator", False)
    assert report.accuracy == 1.0  # the emulator's predictions are SLAYER's
    assert report.spikes_per_neuron == pytest.approx(per_neuron)
    assert per_neuron["dense1"] > 0
