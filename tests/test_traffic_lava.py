"""The traffic report of a Lava run equals the report of the emulator run on the same samples."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from graph_factory import random_graph

from pumice.convert.emulator import emulate
from pumice.convert.hardware import load_profile
from pumice.convert.mapping import map_graph
from pumice.convert.traffic import traffic_report

pytestmark = pytest.mark.lava


def test_lava_and_emulator_reports_are_identical():
    from pumice.deploy.lava_run import run_on_lava

    rng = np.random.default_rng(7)
    graph = random_graph(rng, conv=True)  # a conv CUBA layer, then a dense shift-leak layer
    x = (rng.random((2, *graph.nodes[graph.input].shape, 10)) < 0.3).astype(np.uint8)
    # Loihi 1 with 8-neuron cores, 4 per chip on a 2x2 mesh: several cores and chips.
    hw = dataclasses.replace(
        load_profile("loihi1"), neurons_per_core=8, cores_per_chip=4, mesh_rows=2, mesh_cols=2
    )
    mapping = map_graph(graph, hw)
    emulated = emulate(graph, x, record_spikes=True).spikes
    on_lava = run_on_lava(graph, x, record_spikes=True).spikes
    assert all(train.any() for train in emulated.values())
    report = traffic_report(graph, mapping, {graph.input: x, **emulated}, hw)
    assert report["chips_used"] > 1 and report["energy_per_inference_j"] > 0
    assert traffic_report(graph, mapping, {graph.input: x, **on_lava}, hw) == report
