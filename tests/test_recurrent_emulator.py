"""Float recurrent and per-neuron-decay LIF emulation against plain loops of BPSR's equation."""

from __future__ import annotations

import numpy as np
import pytest

from pumice.convert.emulator import emulate
from pumice.convert.ir import CubaLIF, Dense, FixedRecurrentCubaLIF, Graph, Input, RecurrentCubaLIF
from pumice.convert.semantics import SEMANTICS
from pumice.errors import ModelError


def bpsr_loop(a, tau, recurrent, bias, threshold):
    """The BPSR paper's recurrent LIF, one neuron and one step at a time (``a``: (batch, n, steps)):

    ``u_i(t) = tau_i u_i(t-1) (1 - s_i(t-1)) + a_i(t) + sum_k w_ik s_k(t-1) + b_i``.
    """
    batch, n, steps = a.shape
    spikes = np.zeros(a.shape, np.uint8)
    state = np.zeros(a.shape)
    for b in range(batch):
        u = [0.0] * n
        s = [0] * n
        for t in range(steps):
            new_s = []
            for i in range(n):
                feedback = sum(recurrent[i][k] * s[k] for k in range(n))
                u[i] = tau[i] * u[i] * (1 - s[i]) + a[b, i, t] + feedback + bias[i]
                new_s.append(int(u[i] >= threshold))
            s = new_s
            spikes[b, :, t] = s
            state[b, :, t] = u
    return spikes, state


def test_recurrent_lif_follows_bpsr_with_per_neuron_leaks():
    rng = np.random.default_rng(0)
    n = 6
    tau = rng.uniform(0.1, 0.95, n)
    recurrent = rng.normal(0, 0.6, (n, n))
    bias = rng.normal(0, 0.1, n)
    node = RecurrentCubaLIF(
        shape=(n,),
        threshold=1.0,
        current_decay=1.0,
        voltage_decay=1.0 - tau,
        bias=bias,
        recurrent_weight=recurrent,
    )
    a = rng.normal(0.3, 0.6, (3, n, 25))
    spikes, _, v = SEMANTICS[RecurrentCubaLIF](node, a, True)
    expected_spikes, expected_u = bpsr_loop(a, tau, recurrent, bias, 1.0)
    np.testing.assert_array_equal(spikes, expected_spikes)
    # the emulator's v is BPSR's u after the reset
    np.testing.assert_allclose(v, np.where(expected_spikes, 0.0, expected_u), atol=1e-12)
    assert 0 < spikes.mean() < 1
    without = RecurrentCubaLIF((n,), 1.0, 1.0, 1.0 - tau, bias, recurrent_weight=0 * recurrent)
    assert not np.array_equal(SEMANTICS[RecurrentCubaLIF](without, a, False)[0], spikes)


def test_per_neuron_current_and_voltage_decays():
    rng = np.random.default_rng(1)
    n, steps = 5, 20
    current, voltage = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    node = CubaLIF((n,), 0.8, current, voltage, np.zeros(n))
    a = rng.normal(0.2, 0.5, (2, n, steps))
    spikes, u, v = SEMANTICS[CubaLIF](node, a, True)
    for i in range(n):  # each neuron alone, as a layer of one with scalar decays
        alone = CubaLIF((1,), 0.8, float(current[i]), float(voltage[i]), np.zeros(1))
        s_i, u_i, v_i = SEMANTICS[CubaLIF](alone, a[:, i : i + 1], True)
        np.testing.assert_array_equal(spikes[:, i : i + 1], s_i)
        np.testing.assert_allclose(u[:, i : i + 1], u_i)
        np.testing.assert_allclose(v[:, i : i + 1], v_i)


def test_recurrent_map_layer_flattens_in_c_order():
    """A (C, H, W) recurrent layer: weights index its neurons flat in C order."""
    rng = np.random.default_rng(2)
    shape = (2, 2, 3)
    n = 12
    recurrent = rng.normal(0, 0.8, (n, n))
    tau = rng.uniform(0.2, 0.9, shape)
    node = RecurrentCubaLIF(shape, 1.0, 1.0, 1.0 - tau, np.zeros(shape), recurrent_weight=recurrent)
    a = rng.normal(0.4, 0.6, (2, *shape, 15))
    spikes, _, _ = SEMANTICS[RecurrentCubaLIF](node, a, False)
    expected, _ = bpsr_loop(a.reshape(2, n, 15), tau.ravel(), recurrent, np.zeros(n), 1.0)
    np.testing.assert_array_equal(spikes.reshape(2, n, 15), expected)


def test_graph_emulation_delays_the_input_synapse_not_the_recurrence():
    rng = np.random.default_rng(3)
    n_in, n = 4, 5
    weight = rng.normal(0.3, 0.5, (n, n_in))
    recurrent = rng.normal(0, 0.7, (n, n))
    tau = rng.uniform(0.2, 0.9, n)
    layer = RecurrentCubaLIF((n,), 1.0, 1.0, 1.0 - tau, np.zeros(n), recurrent_weight=recurrent)
    graph = Graph.chain([("input", Input((n_in,))), ("syn", Dense(weight)), ("rec", layer)])
    x = (rng.random((2, n_in, 18)) < 0.5).astype(np.uint8)
    run = emulate(graph, x, record_spikes=True)
    a = np.einsum("oi,bit->bot", weight, x)
    a = np.concatenate([np.zeros((2, n, 1)), a[..., :-1]], axis=-1)  # Lava's synaptic delay
    expected, _ = bpsr_loop(a, tau, recurrent, np.zeros(n), 1.0)
    np.testing.assert_array_equal(run.spikes["rec"], expected)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"recurrent_weight": None}, "needs a recurrent_weight"),
        ({"recurrent_weight": np.zeros((3, 4))}, r"needs \(3, 3\)"),
        ({"voltage_decay": np.array([0.5, 1.5, 0.1])}, r"must lie in \[0, 1\]"),
        ({"current_decay": np.array([0.5, 0.5])}, "does not fit neurons"),
    ],
)
def test_invalid_recurrent_layers_are_refused(changes, message):
    fields = {
        "shape": (3,),
        "threshold": 1.0,
        "current_decay": 1.0,
        "voltage_decay": np.array([0.5, 0.25, 0.1]),
        "bias": np.zeros(3),
        "recurrent_weight": np.zeros((3, 3)),
        **changes,
    }
    with pytest.raises(ModelError, match=message):
        RecurrentCubaLIF(**fields)


def test_fixed_recurrent_layer_needs_a_square_weight():
    with pytest.raises(ModelError, match=r"FixedRecurrentCubaLIF.*\(2, 2\)"):
        FixedRecurrentCubaLIF(
            shape=(2,), du=0, dv=0, vth=1, bias_mant=np.zeros(2), recurrent_weight=np.zeros((2, 3))
        )
