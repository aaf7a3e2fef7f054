"""Shared check of the bit-exact tests: Lava and the emulator agree on every neuron."""

from __future__ import annotations

import numpy as np

from pumice.convert.emulator import emulate
from pumice.convert.ir import RunResult
from pumice.deploy.lava_run import run_on_lava


def assert_lava_matches_emulator(graph, spikes: np.ndarray) -> tuple[RunResult, RunResult]:
    """Run ``spikes`` on both; assert equal spikes, u and v of every neuron layer and step."""
    expected = emulate(graph, spikes, record_spikes=True, record_state=True)
    actual = run_on_lava(graph, spikes, record_spikes=True, record_state=True)
    for name, _ in graph.neurons():
        np.testing.assert_array_equal(actual.spikes[name], expected.spikes[name], err_msg=name)
        np.testing.assert_array_equal(actual.u[name], expected.u[name], err_msg=f"{name} u")
        np.testing.assert_array_equal(actual.v[name], expected.v[name], err_msg=f"{name} v")
    return expected, actual
