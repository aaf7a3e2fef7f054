"""Shared check of the bit-exact tests: Lava, the compiled emulator and the numpy reference
agree on every neuron."""

from __future__ import annotations

import numpy as np
from kernel_spy import kernel_spy, nodes_without_kernel_run

from pumice.convert.emulator import emulate
from pumice.convert.ir import RunResult
from pumice.convert.kernels.trains import is_binary
from pumice.deploy.lava_run import run_on_lava


def assert_lava_matches_emulator(graph, spikes: np.ndarray) -> tuple[RunResult, RunResult]:
    """Run ``spikes`` on Lava and on the emulator with both engines; assert equal spikes, u
    and v of every neuron layer and step, and that every kind with a kernel ran it (graded
    input, a TTFS network's, runs the numpy semantics throughout: none does)."""
    with kernel_spy() as calls:
        expected = emulate(graph, spikes, record_spikes=True, record_state=True)
    if is_binary(spikes):
        assert nodes_without_kernel_run(graph, calls) == []
    else:
        assert not any(accepted for _, accepted in calls)
    reference = emulate(graph, spikes, record_spikes=True, record_state=True, engine="numpy")
    actual = run_on_lava(graph, spikes, record_spikes=True, record_state=True)
    for name, _ in graph.neurons():
        for run, label in ((reference, "numpy reference"), (actual, "Lava")):
            np.testing.assert_array_equal(
                run.spikes[name], expected.spikes[name], err_msg=f"{name} spikes, {label}"
            )
            np.testing.assert_array_equal(
                run.u[name], expected.u[name], err_msg=f"{name} u, {label}"
            )
            np.testing.assert_array_equal(
                run.v[name], expected.v[name], err_msg=f"{name} v, {label}"
            )
    return expected, actual
