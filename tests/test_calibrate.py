"""Calibrated quantisation: the searched steps beat max-abs where it matters, never lose."""

from __future__ import annotations

import numpy as np
import pytest
from test_quantize import _float_net

from pumice.convert.passes import PASSES
from pumice.convert.quantization_report import quantization_report


@pytest.fixture(scope="module")
def net_and_spikes():
    rng = np.random.default_rng(3)
    return _float_net(rng), (rng.random((64, 1, 6, 6, 20)) < 0.5).astype(np.uint8)


@pytest.mark.parametrize("bits", [8, 4, 2])
def test_calibration_never_worse_than_max_abs(net_and_spikes, bits):
    graph, spikes = net_and_spikes
    result = PASSES["calibrate"](spikes=spikes, weight_bits=bits).apply(graph)
    calibrated = result.graph
    plain = PASSES["quantize"](weight_bits=bits).apply(graph).graph
    search = result.report["quantization"]["calibration"]["per_step"]
    for name, scores in search.items():
        chosen = scores[str(result.report["quantization"]["steps"][name])]
        best = max(s["prediction_agreement"] for s in scores.values())
        assert chosen["prediction_agreement"] == best
        assert chosen["mean_abs_count_error"] == min(
            s["mean_abs_count_error"] for s in scores.values() if s["prediction_agreement"] == best
        )
    calibrated_report = quantization_report(graph, calibrated, spikes, 64)
    plain_report = quantization_report(graph, plain, spikes, 64)
    assert calibrated_report["prediction_agreement"] >= plain_report["prediction_agreement"] - 1e-9


def test_calibration_finds_a_finer_step_at_two_bits(net_and_spikes):
    graph, spikes = net_and_spikes
    calibrated = PASSES["calibrate"](spikes=spikes, weight_bits=2).apply(graph)
    plain = PASSES["quantize"](weight_bits=2).apply(graph)
    steps = calibrated.report["quantization"]["steps"]
    max_abs = plain.report["quantization"]["steps"]
    assert any(steps[name] < max_abs[name] for name in steps)  # not just max-abs


def test_report_counts_weights_and_agreement(net_and_spikes):
    graph, spikes = net_and_spikes
    fixed = PASSES["quantize"]().apply(graph).graph
    report = quantization_report(graph, fixed, spikes, 64)
    assert report["samples"] == 64
    assert 0.0 <= report["prediction_agreement"] <= 1.0
    dense = report["layers"]["dense1_synapse"]
    assert 0 < dense["weight_rms_error"] <= 1 / 64  # half a 2/64 step at most, RMS
    assert dense["nonzero_weights"] <= graph.nodes["dense1_synapse"].weight.size
    assert report["layers"]["conv1"]["spike_agreement"] > 0.9
