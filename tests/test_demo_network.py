"""The demo network (digits, 64-64-10 CUBA): SLAYER, emulator and Lava agree.

Trains the demo config for a few epochs (the demo itself trains longer; the
architecture, data and encoding are the same), then checks on 20 test samples that
Lava and the emulator give identical spikes, u and v for every layer and step, and
that the fixed-point emulator reproduces SLAYER's own forward pass.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pumice.convert.emulator import emulate
from pumice.convert.ir.windows import layer_windows, pad_for_lag
from pumice.convert.passes import PASSES
from pumice.pipeline import DEMO_CONFIG, load_inputs
from pumice.train.config import load_config
from pumice.train.export_ir import export_network
from pumice.train.inference import predict_spikes
from pumice.train.trainer import train

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cfg = load_config(DEMO_CONFIG)
    cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, epochs=3))
    result = train(cfg, tmp_path_factory.mktemp("demo"), progress=False)
    graph = export_network(
        result.model, metadata={"data": dataclasses.asdict(cfg.data), "steps": cfg.data.steps}
    )
    fixed = PASSES["quantize"]().apply(graph).graph
    return result.model, fixed


def test_fixed_point_reproduces_slayer(trained):
    model, fixed = trained
    spikes, labels = load_inputs(fixed)
    slayer_predictions, slayer_spikes = predict_spikes(model, spikes)
    steps = spikes.shape[-1]
    result = emulate(fixed, pad_for_lag(spikes), windows=layer_windows(fixed, steps))
    assert (result.predictions(fixed.output) == slayer_predictions).mean() >= 0.99
    for name, value in slayer_spikes.items():
        assert result.counts[name].mean() == pytest.approx(value, rel=0.01)
    assert (slayer_predictions == labels).mean() > 0.5  # it learned something


@pytest.mark.lava
def test_lava_and_emulator_bit_exact_on_20_test_samples(trained):
    from pumice.deploy.lava_run import run_on_lava

    _, fixed = trained
    spikes, _ = load_inputs(fixed, samples=20)
    padded = pad_for_lag(spikes)
    expected = emulate(fixed, padded, record_spikes=True, record_state=True)
    actual = run_on_lava(fixed, padded, record_spikes=True, record_state=True)
    assert len(list(fixed.neurons())) == 2
    for name, _ in fixed.neurons():
        np.testing.assert_array_equal(actual.spikes[name], expected.spikes[name], err_msg=name)
        np.testing.assert_array_equal(actual.u[name], expected.u[name], err_msg=f"{name} u")
        np.testing.assert_array_equal(actual.v[name], expected.v[name], err_msg=f"{name} v")
        assert expected.spikes[name].sum() > 0, f"{name} never spiked: the test would be vacuous"
