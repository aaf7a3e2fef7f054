"""The TTFS family: its surrogate fires the same spikes as the exported float SNN, the
fixed-point SNN stays within a stated tolerance, SR/TR/TB work as the paper defines them,
and bad settings or rate-coded data end in one line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from pumice.cli import main
from pumice.convert.emulator import emulate_window
from pumice.convert.ir import load_graph
from pumice.convert.ir.windows import LAG_KEY
from pumice.convert.passes import PASSES
from pumice.model_inputs import load_inputs
from pumice.pipeline import train_model
from pumice.train.config import config_from_dict
from pumice.train.families import build_network
from pumice.train.ttfs.kernel import TemporalKernel, _EncodeDecode
from pumice.train.ttfs.network import TtfsInputError
from pumice.train.ttfs.regularizers import kernel_regularization, spiking_probability

LAYERS = [
    {"type": "conv", "features": 4, "kernel": 3, "padding": 1},
    {"type": "pool", "kernel": 2},
    {"type": "dense", "features": 16},
    {"type": "dense", "features": 10},
]
TTFS = {"window": 16, "stochastic_relaxation": True, "relaxation_epochs": 1.0,
        "lambda_tr": 1e-3, "lambda_tb": 1e-3}  # fmt: skip


def _table(**ttfs) -> dict:
    return {
        "data": {"name": "digits", "steps": 1, "encoding": "intensity"},
        "network": {"layers": LAYERS},
        "train": {"epochs": 2, "batch_size": 32, "lr": 3e-3},
        "ttfs": {**TTFS, **ttfs},
    }


def _write(path, table: dict) -> None:
    lines = []
    for section in ("data", "train", "ttfs"):
        lines.append(f"[{section}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in table[section].items()]
    for layer in table["network"]["layers"]:
        lines.append("[[network.layers]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in layer.items()]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ttfs")
    _write(folder / "config.toml", _table())
    result = train_model(folder / "config.toml", folder / "run", progress=False)
    return folder / "run", result


def test_the_surrogate_fires_the_float_snn_spikes_and_fixed_point_stays_close(trained):
    """Surrogate (float64) and float SNN: the same predictions and spike counts exactly.
    Fixed point: at least 95 % of the predictions and within 3 points of accuracy."""
    run, result = trained
    graph = load_graph(run / "model.pumice")
    assert graph.metadata[LAG_KEY] == 0  # the schedule holds Lava's synapse delays itself
    spikes, labels = load_inputs(graph)
    model = result.model.double().eval()
    with torch.no_grad():
        logits, counts = model(torch.as_tensor(spikes, dtype=torch.float64))
    snn = emulate_window(graph, spikes)
    np.testing.assert_array_equal(snn.predictions(graph.output), logits.argmax(-1).numpy())
    shapes = graph.shapes()
    for name, count in zip(model.layer_names(), counts, strict=True):
        per_sample = snn.counts[name].reshape(len(labels), -1).sum(axis=1)
        np.testing.assert_array_equal(per_sample, np.round(count.numpy() * math.prod(shapes[name])))
    fixed = PASSES["quantize_ttfs"]().apply(graph).graph
    deployed = emulate_window(fixed, spikes).predictions(fixed.output)
    floats = snn.predictions(graph.output)
    assert (deployed == floats).mean() >= 0.95
    assert abs((deployed == labels).mean() - (floats == labels).mean()) <= 0.03
    assert (floats == labels).mean() > 0.5


def test_loss_parts_are_logged_apart(trained):
    run, _ = trained
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    parts = records[-1]["train_loss_parts"]
    assert set(parts) == {"cross_entropy", "kernel_tr", "kernel_bn_tb"}
    assert records[-1]["train_loss"] == pytest.approx(sum(parts.values()), rel=1e-6)
    assert 0 < parts["kernel_tr"] < parts["cross_entropy"] and parts["kernel_bn_tb"] > 0


def _net(**ttfs):
    return build_network(config_from_dict(_table(**ttfs)), (1, 8, 8))


def _frames(batch: int = 8) -> torch.Tensor:
    frames = torch.zeros(batch, 1, 8, 8, 1)
    frames[..., 0] = torch.randint(0, 256, (batch, 1, 8, 8)).float()
    return frames


def test_stochastic_relaxation_follows_the_papers_schedule():
    net = _net(relaxation_epochs=4.0)
    probabilities = []
    for epoch in range(1, 7):
        net.start_epoch(epoch)
        probabilities.append(net.relaxation)
    assert probabilities == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    net.start_epoch(1)  # every layer relaxed: ReLU activations, nothing pruned
    net.train()
    x = _frames()
    _, counts = net(x)
    assert counts[0].tolist() == ((x[..., 0] > 0).flatten(1).float().mean(1)).tolist()
    net.eval()  # evaluation never relaxes
    _, pruned = net(x)
    assert (pruned[0] <= counts[0]).all() and not torch.equal(pruned[0], counts[0])


def test_the_encoder_gradient_is_the_straight_through_estimators():
    torch.manual_seed(0)
    kernel = TemporalKernel(32, 7.0, 1.5, 1e-12).double()
    z = (torch.randn(500, dtype=torch.float64) * 0.5 + 0.3).requires_grad_()
    grad = torch.randn(500, dtype=torch.float64)
    (kernel(z) * grad).sum().backward()
    fused = [z.grad.clone(), kernel.tau.grad.clone(), kernel.t_d.grad.clone()]
    for tensor in (z, kernel.tau, kernel.t_d):
        tensor.grad = None
    time = kernel.spike_time(z)  # autograd through the formula itself
    fires = (z > 0) & (time <= 31)
    decoded = torch.where(fires, torch.exp(-(time - kernel.t_d) / kernel.tau), 0.0)
    (decoded * grad).sum().backward()
    for mine, reference in zip(fused, [z.grad, kernel.tau.grad, kernel.t_d.grad], strict=True):
        torch.testing.assert_close(mine, reference)
    assert _EncodeDecode.apply(z, kernel.tau, kernel.t_d, 32, 1e-12).equal(decoded)


def test_tr_and_tb_terms():
    net = _net()
    kernels = [net.encoder.kernel] + [layer.kernel for layer in net.ttfs_layers()]
    assert float(kernel_regularization(kernels).detach()) == 0.0
    with torch.no_grad():
        kernels[1].tau += 0.5
        kernels[2].t_d -= 2.0
    assert float(kernel_regularization(kernels).detach()) == pytest.approx(0.25 + 4.0)
    layer = net.ttfs_layers()[0]
    probability = spiking_probability(layer.norm, layer.kernel)
    x_min = float(layer.kernel.x_min().detach())
    norm = layer.norm
    expected = float(torch.special.ndtr((norm.bias - x_min) / norm.weight.abs()).sum().detach())
    assert float(probability.detach()) == pytest.approx(expected)
    probability.backward()  # TB pushes beta down (fewer values above x_min)
    assert (layer.norm.bias.grad > 0).all() and layer.kernel.tau.grad is None


@pytest.mark.parametrize(
    ("ttfs", "data", "fragment"),
    [
        ({"window": 1}, {}, "window must be >= 2 (T_w)"),
        ({"tau_init": 0.0}, {}, "tau_init must be > 0"),
        ({"tau_init": -2.0}, {}, "tau_init must be > 0"),
        ({}, {"encoding": "rate"}, 'set [data] encoding = "intensity"'),
    ],
)
def test_bad_ttfs_settings_are_one_line_errors(ttfs, data, fragment, tmp_path, capsys):
    table = _table(**ttfs)
    table["data"] = {**table["data"], **data}
    _write(tmp_path / "bad.toml", table)
    code = main(["-q", "train", str(tmp_path / "bad.toml"), "--out", str(tmp_path / "run")])
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(error) == 1, error
    assert error[0].startswith("pumice: error:") and fragment in error[0]


def test_rate_coded_data_given_to_a_ttfs_model_is_refused(trained, tmp_path, capsys):
    run, result = trained
    with pytest.raises(TtfsInputError, match="values at 6 steps"):
        result.model((torch.rand(2, 1, 8, 8, 6) < 0.3).float())
    steps = load_graph(run / "model.pumice").metadata["steps"]
    rate = (np.random.default_rng(0).random((10, 1, 8, 8, steps)) < 0.2).astype(np.uint8)
    np.savez(tmp_path / "rate.npz", x=rate, y=np.arange(10) % 10)
    code = main(["-q", "run", str(run / "model.pumice"), "--data", str(tmp_path / "rate.npz")])
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(error) == 1, error
    assert "rate-coded" in error[0] and error[0].startswith("pumice: error:")


def test_intensity_encoding_keeps_8_bit_pixels_and_needs_a_ttfs_network():
    from pumice.data import encode
    from pumice.errors import ConfigError

    pixels = np.arange(256).reshape(16, 16)
    frames = encode(pixels / 255, 5, "intensity")
    assert frames.dtype == np.uint8 and frames.shape == (16, 16, 5)
    np.testing.assert_array_equal(frames[..., 0], pixels)
    assert not frames[..., 1:].any()
    table = _table()
    del table["ttfs"]
    with pytest.raises(ConfigError, match="which only TTFS networks take"):
        config_from_dict(table)
