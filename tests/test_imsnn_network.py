"""The IMSNN family: building from configs, config errors, training, checkpoints and resume."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from pumice.convert.ir import Conv2d, CubaLI, CubaLIF, Dense, Flatten, ISIConv2d, ISIDense
from pumice.convert.ir.windows import LAG, LAG_KEY
from pumice.errors import ConfigError
from pumice.train.checkpoint import load_network
from pumice.train.config import (
    ConvLayer,
    DataConfig,
    DenseLayer,
    FlattenLayer,
    NetworkConfig,
    OptimConfig,
    PoolLayer,
    TrainConfig,
    config_from_dict,
    load_config,
)
from pumice.train.families import build_network
from pumice.train.imsnn.network import ImsnnNetwork
from pumice.train.sections.imsnn import ImsnnConfig
from pumice.train.trainer import train

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
CONV_NET = NetworkConfig((ConvLayer(4, 3, stride=2, padding=1), DenseLayer(12), DenseLayer(10)))
TINY = TrainConfig(
    data=DataConfig(name="digits", steps=10, max_rate=0.5),
    network=NetworkConfig((DenseLayer(16), DenseLayer(10))),
    train=OptimConfig(epochs=2, batch_size=64, lr=0.003),
    imsnn=ImsnnConfig(mean_max=10.0),
)


def _net(network: NetworkConfig, rule: str = "imsnn", shape=(1, 8, 8)) -> ImsnnNetwork:
    torch.manual_seed(0)
    return ImsnnNetwork(network, ImsnnConfig(rule=rule, mean_max=10.0), shape, 10)


def test_layers_names_and_export_kinds():
    net = _net(CONV_NET)
    assert net.layer_names() == ["conv1", "dense1"]
    assert net.num_classes == 10
    graph = net.export_ir({"steps": 10})
    names = list(graph.nodes)
    assert names == [
        "input",
        "conv1_synapse",
        "conv1",
        "flatten1",
        "dense1_synapse",
        "dense1",
        "dense2_synapse",
        "dense2",
    ]
    kinds = [type(node) for node in graph.nodes.values()][1:]
    assert kinds == [ISIConv2d, CubaLIF, Flatten, ISIDense, CubaLIF, ISIDense, CubaLI]
    assert graph.shapes()["conv1"] == (4, 4, 4)
    conv = graph.nodes["conv1_synapse"]
    assert conv.height.shape == (4, 1, 3, 3) and conv.mean.shape == (4, 1)
    assert conv.stride == (2, 2) and conv.padding == (1, 1)
    assert graph.nodes["dense1"].current_decay == 1.0
    assert graph.nodes["dense1"].voltage_decay == pytest.approx(0.1)
    assert graph.output == "dense2" and graph.metadata == {"steps": 10, LAG_KEY: LAG}
    plain = _net(CONV_NET, "snn").export_ir()
    assert [type(n) for n in plain.nodes.values()][1:] == [
        Conv2d,
        CubaLIF,
        Flatten,
        Dense,
        CubaLIF,
        Dense,
        CubaLI,
    ]


def test_same_seed_gives_the_snn_baseline_the_same_initial_heights():
    ims, snn = _net(CONV_NET), _net(CONV_NET, "snn")
    for isi, plain in zip(ims.synapses, snn.synapses, strict=True):
        assert torch.equal(isi.height, plain.weight)
    means = torch.cat([s.mean.flatten() for s in ims.synapses])
    widths = torch.cat([s.width.flatten() for s in ims.synapses])
    assert 1.0 <= float(means.min()) and float(means.max()) <= 10.0
    assert 2.0 <= float(widths.min()) and float(widths.max()) <= 8.0


def test_forward_counts_and_loss():
    net = _net(CONV_NET)
    spikes = (torch.rand(3, 1, 8, 8, 10) < 0.5).float()
    logits, counts = net(spikes)
    assert logits.shape == (3, 10) and [c.shape for c in counts] == [(3,), (3,)]
    _, hidden = net.run(spikes)
    assert torch.equal(counts[0], hidden["conv1"].sum((1, 2, 3, 4)) / (4 * 4 * 4))
    labels = torch.tensor([0, 3, 9])
    loss = net.loss(logits, labels)["loss"]
    expected = torch.nn.functional.cross_entropy(logits, labels, reduction="sum")
    assert loss.item() == pytest.approx(expected.item())
    assert torch.equal(net.predict(logits), logits.argmax(1))


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ((PoolLayer(2), DenseLayer(10)), r"#1 \(pool\): the IMSNN family has no pool layer"),
        ((ConvLayer(4, 9), DenseLayer(10)), r"#1 \(conv\): kernel 9 is larger than its input 8x8"),
        ((DenseLayer(5), ConvLayer(2, 3), DenseLayer(10)), r"#2 \(conv\): needs \(channels"),
        ((DenseLayer(5), FlattenLayer(), DenseLayer(10)), r"#2 \(flatten\): needs \(channels"),
    ],
)
def test_layers_that_do_not_apply_are_refused(layers, message):
    with pytest.raises(ConfigError, match=message):
        _net(NetworkConfig(layers))


def _table(**imsnn) -> dict:
    return {
        "data": {"name": "digits", "steps": 20},
        "network": {"layers": [{"type": "dense", "features": 10}]},
        "imsnn": imsnn,
    }


def test_config_errors_name_the_key_and_value():
    with pytest.raises(ConfigError, match=r"\[imsnn\] width_min must be > 0.*got 0.0"):
        config_from_dict(_table(width_min=0.0))
    with pytest.raises(ConfigError, match=r"\[imsnn\] width_min must be > 0.*got -1.0"):
        config_from_dict(_table(width_min=-1.0, width_max=2.0))
    with pytest.raises(ConfigError, match=r"mean_max 30.0 is longer than the time window"):
        config_from_dict(_table(mean_max=30.0))
    assert config_from_dict(_table(mean_max=30.0, rule="snn")).imsnn.rule == "snn"
    with pytest.raises(ConfigError, match=r"rule must be one of"):
        config_from_dict(_table(rule="isi"))


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("imsnn_*mnist_*.toml")), ids=lambda p: p.stem)
def test_shipped_paper_configs_build_with_the_papers_settings(path):
    config = load_config(path)
    assert config.family == "imsnn" and config.data.steps == 100
    assert config.train.lr == pytest.approx(1e-4) and config.train.optimizer == "adam"
    net = build_network(config, (1, 28, 28))
    assert net.num_classes == 10 and len(net.layer_names()) >= 1


def test_the_digits_config_builds():
    config = load_config(CONFIGS / "imsnn_digits.toml")
    assert config.family == "imsnn" and config.data.name == "digits"
    net = build_network(config, (1, 8, 8))
    assert net.num_classes == 10 and net.layer_names() == ["dense1"]
    assert [type(s).__name__ for s in net.synapses] == ["IsiDense", "IsiDense"]


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    return train(TINY, tmp_path_factory.mktemp("imsnn"), progress=False)


def test_training_learns_and_checkpoint_holds_means_and_widths(two_epochs):
    assert two_epochs.metrics[1]["train_loss"] < two_epochs.metrics[0]["train_loss"]
    assert two_epochs.test_accuracy > 0.3  # chance is 0.1
    assert set(two_epochs.test_spikes_per_neuron) == {"dense1"}
    network = load_network(two_epochs.out_dir / "checkpoint.pt")
    state = network.state_dict()
    assert {"synapses.0.mean", "synapses.0.width", "synapses.1.height"} <= set(state)
    for key, value in two_epochs.model.state_dict().items():
        assert torch.equal(state[key], value), key


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(two_epochs, tmp_path):
    one = dataclasses.replace(TINY, train=dataclasses.replace(TINY.train, epochs=1))
    train(one, tmp_path, progress=False)
    resumed = train(TINY, tmp_path, resume=True, progress=False)
    expected = two_epochs.model.state_dict()
    for key, value in resumed.model.state_dict().items():
        assert torch.equal(value, expected[key]), key
    assert resumed.test_accuracy == two_epochs.test_accuracy
