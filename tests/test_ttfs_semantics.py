"""TTFS kinds' reference semantics: the spike time of the surrogate's encoder, one spike
per neuron, graded payloads, max pooling as the earliest spike, 24-bit saturation."""

from __future__ import annotations

import numpy as np
import pytest
from ttfs_factory import float_ttfs_graph, graded_frames

from pumice.convert.emulator import emulate
from pumice.convert.ir import FixedTTFSNeuron, GradedInput, TTFSNeuron
from pumice.convert.semantics import SEMANTICS
from pumice.convert.ttfs_schedule import kernel_tables, relay_tables
from pumice.errors import ModelError

WINDOW = 8


def _neuron(tau: float, t_d: float, **fields) -> TTFSNeuron:
    timing = {"start": 1, "integration": 1, "delay": 1, **fields}
    return TTFSNeuron((50,), **timing, **kernel_tables(tau, t_d, WINDOW), bias=np.zeros(1))


@pytest.mark.parametrize(("tau", "t_d"), [(10.0, 0.0), (2.5, 1.2), (4.0, -0.7)])
def test_a_ttfs_neuron_fires_at_the_surrogate_spike_time_with_its_decoded_value(tau, t_d):
    node = _neuron(tau, t_d)
    z = np.concatenate([np.geomspace(1e-3, 5.0, 48), [0.0, -1.0]])
    a = np.zeros((1, z.size, 12))
    a[0, :, 1] = z
    out, _, _ = SEMANTICS[TTFSNeuron](node, a, False)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.round(np.maximum(t_d - tau * np.log(z), 0.0))
    fires = (z > 0) & (expected <= WINDOW - 1)
    fired_at = np.where(out[0].any(axis=-1), out[0].argmax(axis=-1) - 2, -1)
    np.testing.assert_array_equal(fired_at, np.where(fires, expected, -1))
    assert (np.count_nonzero(out[0], axis=-1) <= 1).all()  # at most one spike each
    sent = out[0].sum(axis=-1)
    decoded = np.exp(-(expected - t_d) / tau)
    np.testing.assert_allclose(sent[fires], decoded[fires], rtol=1e-12)


def test_a_relay_sends_the_earliest_payload_of_its_window_once():
    payload = kernel_tables(3.0, 0.0, WINDOW)["payload"]
    relay = TTFSNeuron((3,), start=0, integration=WINDOW, delay=0, **relay_tables(payload),
                       bias=np.zeros(1))  # fmt: skip
    a = np.zeros((1, 3, WINDOW + 2))
    a[0, 0, [2, 5]] = [payload[2], payload[5]]  # two spikes: the first wins
    a[0, 1, 4] = 2 * payload[4]  # two at once: still one spike of that payload
    out, _, _ = SEMANTICS[TTFSNeuron](relay, a, False)
    assert out[0, 0].tolist() == [0, 0, payload[2], 0, 0, 0, 0, 0, 0, 0]
    assert out[0, 1, 4] == payload[4] and np.count_nonzero(out[0, 1]) == 1
    assert not out[0, 2].any()


def test_max_pooling_in_the_graph_is_the_earliest_spike():
    graph = float_ttfs_graph(np.random.default_rng(3), conv=True)
    frames = graded_frames(np.random.default_rng(4), graph, 6)
    run = emulate(graph, frames, record_spikes=True)
    conv, pool = run.spikes["conv1"], run.spikes["pool1"]
    values = conv.sum(axis=-1)  # each neuron's one payload (0: no spike)
    pooled = values.reshape(6, 3, 3, 2, 3, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(pool.sum(axis=-1), pooled)
    first = np.where(conv.any(-1), conv.argmax(-1), 99).reshape(6, 3, 3, 2, 3, 2).min(axis=(3, 5))
    relay_time = np.where(pool.any(-1), pool.argmax(-1), 100)
    np.testing.assert_array_equal(relay_time, np.where(first < 99, first + 1, 100))


def test_fixed_neurons_add_the_bias_once_and_saturate_at_24_bits():
    node = FixedTTFSNeuron(
        (2,), start=1, integration=3, delay=3, threshold=np.array([9_000_000, 5]),
        payload=np.array([7, 3]), bias_mant=np.array([5, -5]), bias_exp=2,
    )  # fmt: skip
    a = np.zeros((1, 2, 8), dtype=np.int64)
    a[0, 0, 1:4] = 5_000_000  # would pass 2**23 - 1
    a[0, 1, 1:4] = [4, 4, 100]
    out, u, v = SEMANTICS[FixedTTFSNeuron](node, a, True)
    assert v[0, 0, 1:4].tolist() == [5_000_020, (1 << 23) - 1, (1 << 23) - 1]
    assert v[0, 1, 1:4].tolist() == [-16, -12, 88]
    assert out[0, 0].tolist() == [0, 0, 0, 0, 0, 3, 0, 0]  # 2**23 - 1 < 9e6: fires at k = 1
    assert out[0, 1].tolist() == [0, 0, 0, 0, 0, 3, 0, 0]  # 88 >= 5 at k = 1 too
    assert v[0, :, 4:].tolist() == [[(1 << 23) - 1, 0, 0, 0], [88, 0, 0, 0]]
    assert u[0, 1].tolist() == [0, 4, 4, 100, 0, 0, 0, 0]


def test_a_graded_spike_counts_once():
    graph = float_ttfs_graph(np.random.default_rng(0), conv=False)
    frames = graded_frames(np.random.default_rng(1), graph, 5)
    run = emulate(graph, frames, record_spikes=True)
    for name, _ in graph.neurons():
        np.testing.assert_array_equal(run.counts[name], np.count_nonzero(run.spikes[name], -1))
    assert run.counts["dense1"].sum() > 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"threshold": np.array([1.0]), "payload": np.array([1.0])}, r"T_w >= 2"),
        ({"threshold": np.array([1.0, 2.0]), "payload": np.array([1.0, 1.0])}, "never rise"),
        ({"threshold": np.array([2.0, 1.0]), "payload": np.array([1.0, 0.0])}, "positive"),
        ({"threshold": np.array([2.0, 1.0]), "payload": np.ones(3)}, "one length"),
    ],
)
def test_bad_tables_are_refused_in_one_line(fields, message):
    with pytest.raises(ModelError, match=message) as refused:
        TTFSNeuron((2,), start=0, integration=1, delay=1, bias=np.zeros(1), **fields)
    assert "\n" not in str(refused.value)


def test_payloads_wider_than_8_bits_are_refused():
    with pytest.raises(ModelError, match="payload_bits must be 1 to 8"):
        GradedInput((3,), payload_bits=9)
