"""ShiftLeakLIF's Lava model (Lava's fixed-point LIF template, shift leaks) equals the emulator.

The model is stepped directly on arrays (every state, input and parameter in range, fast),
then run in Lava's simulator on graphs that push u and v to their wrap and saturation.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from bit_exact import assert_lava_matches_emulator
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from lava.proc.lif.models import AbstractPyLifModelFixed

from pumice.convert import lava_arithmetic as la
from pumice.convert.ir import FixedDense, FixedShiftLIF, Graph, Input
from pumice.convert.ir.fixed_point import NO_LEAK
from pumice.deploy.processes.shift_leak_lif.models import PyShiftLeakLIFModelFixed
from pumice.deploy.processes.shift_leak_lif.process import ShiftLeakLIF

STATE_MAX = 1 << (la.STATE_BITS - 1)
#: A neuron's input is one or two 24-bit wrapped synaptic sums (feed-forward, recurrent).
INPUT = st.integers(-2 * STATE_MAX, 2 * STATE_MAX - 2)
#: Below this |u|, a step (u + (a << 6), v + u + bias) stays within int32.
INT32_SAFE = 1 << 30


class _Inbox:
    """Stands in for the model's InPort: hands out one step's input."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def recv(self) -> np.ndarray:
        return self.values


class _Outbox:
    """Stands in for the model's OutPort: keeps what was sent."""

    def send(self, data: np.ndarray) -> None:
        self.sent = np.array(data)


def _model(**values) -> PyShiftLeakLIFModelFixed:
    """The model with its Vars set as Lava's builder sets them (each LavaPyType's dtype)."""
    model = PyShiftLeakLIFModelFixed({"no_leak": NO_LEAK})
    for name, value in values.items():
        lava_type = getattr(PyShiftLeakLIFModelFixed, name)
        if issubclass(lava_type.cls, np.ndarray):
            value = np.asarray(value).astype(lava_type.d_type)
        setattr(model, name, value)
    model.s_out = _Outbox()
    return model


@st.composite
def neurons(draw):
    """Start states, per-neuron shifts (up to past ``NO_LEAK``), bias and inputs of a few steps."""
    n = draw(st.integers(1, 8))
    steps = draw(st.integers(1, 6))

    def per_neuron(elements):
        return draw(hnp.arrays(np.int64, n, elements=elements))

    return {
        "u": per_neuron(st.integers(-STATE_MAX + 1, STATE_MAX)),
        "v": per_neuron(st.integers(-STATE_MAX + 1, STATE_MAX - 1)),
        "shift_u": per_neuron(st.integers(0, NO_LEAK + 7)),
        "shift_v": per_neuron(st.integers(0, NO_LEAK + 7)),
        "bias_mant": per_neuron(st.integers(-(1 << 12), (1 << 12) - 1)),
        "bias_exp": draw(st.integers(-3, 7)),
        "vth": draw(st.integers(0, (1 << 17) - 1)),
        "inputs": draw(hnp.arrays(np.int64, (steps, n), elements=INPUT)),
    }


@settings(max_examples=400, deadline=None)
@given(neurons())
def test_model_steps_equal_the_emulators_shift_lif_step(case):
    model = _model(
        u=case["u"],
        v=case["v"],
        du=0,
        dv=0,
        shift_u=case["shift_u"],
        shift_v=case["shift_v"],
        bias_mant=case["bias_mant"],
        bias_exp=np.full(case["u"].shape, case["bias_exp"]),
        vth=case["vth"],
    )
    u, v = case["u"], case["v"]
    bias = la.arithmetic_shift(case["bias_mant"], case["bias_exp"])
    for a_t in case["inputs"]:
        if np.abs(u).max() >= INT32_SAFE:
            break  # past what Lava's int32 registers hold (see the model's docstring)
        u, v, spikes = la.shift_lif_step(
            u, v, a_t, case["shift_u"], case["shift_v"], bias, case["vth"], NO_LEAK
        )
        model.a_in = _Inbox(a_t.astype(np.int32))
        model.run_spk()
        np.testing.assert_array_equal(model.u, u)
        np.testing.assert_array_equal(model.v, v)
        np.testing.assert_array_equal(model.s_out.sent, spikes)


def test_model_is_lavas_fixed_point_lif_with_only_the_leak_replaced():
    assert issubclass(PyShiftLeakLIFModelFixed, AbstractPyLifModelFixed)
    own = {
        name
        for name, value in vars(PyShiftLeakLIFModelFixed).items()
        if inspect.isfunction(value) and not name.startswith("__")
    }
    assert own == {"subthr_dynamics", "_shift_leak", "scale_threshold", "spiking_activation"}
    assert "run_spk" not in vars(PyShiftLeakLIFModelFixed)
    process = ShiftLeakLIF(
        shape=(3,), shift_u=2, shift_v=np.array([0, 5, 30]), vth=7, bias_mant=1, bias_exp=2,
        no_leak=NO_LEAK,
    )  # fmt: skip
    assert process.du.init == 0 and process.dv.init == 0 and process.vth.init == 7
    np.testing.assert_array_equal(process.shift_u.init, [2, 2, 2])
    np.testing.assert_array_equal(process.shift_v.init, [0, 5, 30])
    np.testing.assert_array_equal(process.bias_mant.init, [1, 1, 1])


def _driven_graph(shift_u, shift_v, weight: np.ndarray, weight_exp: int, **neuron) -> Graph:
    n_out, n_in = weight.shape
    lif = FixedShiftLIF(
        shape=(n_out,), shift_u=np.array(shift_u), shift_v=np.array(shift_v), **neuron
    )
    synapse = FixedDense(weight, weight_exp=weight_exp)
    return Graph.chain([("input", Input((n_in,))), ("syn", synapse), ("lif", lif)])


#: Per-neuron shifts: full leak (0), short and long leaks, no leak at and past NO_LEAK.
SHIFTS = [0, 1, 3, NO_LEAK - 1, NO_LEAK, NO_LEAK + 5, 31]


@pytest.mark.lava
@pytest.mark.parametrize(
    ("sign", "neuron"),
    [
        (1, {"vth": (1 << 17) - 1, "bias_mant": np.full(7, 4095), "bias_exp": 7}),
        (-1, {"vth": 1, "bias_mant": np.full(7, -4096), "bias_exp": 3}),
        (0, {"vth": 300, "bias_mant": np.arange(-3, 4) * 500, "bias_exp": 1}),
    ],
)
def test_lava_equals_emulator_where_u_wraps_and_v_saturates(sign, neuron):
    """64 inputs of weight +-255 << 2 (one sign, or mixed): u wraps, v saturates or fires."""
    rng = np.random.default_rng(7)
    weight = np.full((7, 64), 255 * sign) if sign else rng.integers(-255, 256, size=(7, 64))
    graph = _driven_graph(SHIFTS, SHIFTS[::-1], weight, weight_exp=2, **neuron)
    spikes = (rng.random((2, 64, 12)) < 0.9).astype(np.uint8)
    expected, _ = assert_lava_matches_emulator(graph, spikes)
    u, v, fired = expected.u["lif"], expected.v["lif"], expected.spikes["lif"]
    assert u.min() < 0 < u.max()
    if sign:  # u crosses 2**23 (or -2**23) and wraps to the other sign
        assert np.any(np.diff(np.sign(u), axis=-1) == -2 * sign)
    if sign > 0:  # v reaches the highest threshold
        assert fired.any()
    if sign < 0:  # v saturates at the bottom of its 24 bits
        assert v.min() == -STATE_MAX + 1


@pytest.mark.lava
def test_lava_compiles_the_process_with_this_model():
    from lava.magma.compiler.compiler import Compiler
    from lava.magma.core.run_configs import Loihi2SimCfg

    from pumice.deploy.lava_network import build_lava_network

    graph = _driven_graph([1, NO_LEAK], [2, 0], np.ones((2, 3), int), 0, vth=5, bias_mant=0)
    neuron = build_lava_network(graph, np.ones((1, 3, 4), np.uint8)).neurons["lif"]
    Compiler().compile(neuron, Loihi2SimCfg(select_tag="fixed_pt"))
    assert isinstance(neuron, ShiftLeakLIF)
    assert neuron.model_class is PyShiftLeakLIFModelFixed
