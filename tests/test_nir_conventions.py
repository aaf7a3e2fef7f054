"""NIR files as each exporter writes them: recognised, and read in that tool's convention.

These graphs are built by hand with each exporter's numbers (tests/test_nir_exporters.py
runs the exporters themselves); references are written from the tools' documented
equations, independently of pumice's import.
"""

from __future__ import annotations

import nir
import numpy as np
import pytest
import torch

from pumice.convert.emulator import emulate
from pumice.convert.interchange import import_nir
from pumice.convert.ir import Conv2d, CubaLI, CubaLIF, Dense, Flatten, Input, RecurrentCubaLIF
from pumice.convert.tensor_ops import conv2d
from pumice.errors import ModelError

RTOL = 1e-12
WEIGHT = np.random.default_rng(3).normal(0.5, 0.5, (3, 4))


def _one_layer(neuron: nir.NIRNode, weight: np.ndarray = WEIGHT, bias=None) -> nir.NIRGraph:
    n_out, n_in = weight.shape
    synapse = nir.Linear(weight=weight) if bias is None else nir.Affine(weight=weight, bias=bias)
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([n_in])),
            "fc": synapse,
            "lif": neuron,
            "output": nir.Output(output_type=np.array([n_out])),
        },
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")],
        type_check=False,
    )


def _snntorch_synaptic(alpha: float, beta: float, n: int = 3) -> nir.CubaLIF:
    dt, ones = 1e-4, np.ones(n)
    tau_syn, tau_mem = dt / (1 - alpha), dt / (1 - beta)
    return nir.CubaLIF(
        tau_syn=tau_syn * ones,
        tau_mem=tau_mem * ones,
        r=tau_mem / dt * ones,
        v_leak=0 * ones,
        v_threshold=ones,
        w_in=tau_syn / dt * ones,
        v_reset=0 * ones,
    )


def _snntorch_leaky(beta: float, n: int = 3) -> nir.LIF:
    tau, ones = 1e-4 / (1 - beta), np.ones(n)
    return nir.LIF(tau=tau * ones, r=tau / 1e-4 * ones, v_leak=0 * ones, v_threshold=ones)


def test_snntorch_leaky_is_recognised_and_read_at_its_dt():
    graph = import_nir(_one_layer(_snntorch_leaky(0.9)))

    lif = graph.nodes["lif"]
    assert graph.metadata["nir_exporter"] == "snntorch" and graph.metadata["dt"] == 1e-4
    assert lif.current_decay == 1.0
    np.testing.assert_allclose(lif.voltage_decay, 0.1, rtol=1e-9)
    np.testing.assert_array_equal(graph.nodes["fc"].weight, WEIGHT)  # unit gain: untouched


def test_snntorch_file_at_another_dt_names_the_dt_snntorch_implies():
    with pytest.raises(ModelError, match="snnTorch's export_to_nir .* implies dt = 0.0001 s"):
        import_nir(_one_layer(_snntorch_leaky(0.9)), dt=1e-3)


def test_snntorch_synaptic_is_refused_for_its_reset_and_read_as_nir_on_request():
    nir_graph = _one_layer(_snntorch_synaptic(0.8, 0.9))
    with pytest.raises(
        ModelError, match="'lif' \\(CubaLIF\\): snnTorch writes its Synaptic"
    ) as info:
        import_nir(nir_graph)
    assert "\n" not in str(info.value) and "exporter='nir'" in str(info.value)

    graph = import_nir(nir_graph, dt=1e-4, exporter="nir")

    lif = graph.nodes["lif"]
    np.testing.assert_allclose([lif.current_decay, lif.voltage_decay], [0.2, 0.1], rtol=1e-9)
    np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT, rtol=1e-9)


def _norse_lif_step(v, i, x, dt, tau_syn_inv, tau_mem_inv, v_th):
    """Norse 1.1's ``lif_feed_forward_step``: the current jumps, v uses the new current."""
    i = i + x
    v = v + dt * tau_mem_inv * (-v + i)
    i = i - dt * tau_syn_inv * i
    z = v > v_th
    return np.where(z, 0.0, v), i, z


def test_norse_cuba_lif_reads_its_tau_inverse_and_current_jump():
    """Norse writes tau = dt/tau_inv (issue #411) with r = w_in = 1."""
    dt, inv_syn, inv_mem, ones = 1e-3, 200.0, 100.0, np.ones(3)
    neuron = nir.CubaLIF(
        tau_syn=dt / inv_syn * ones,
        tau_mem=dt / inv_mem * ones,
        r=ones,
        v_leak=0 * ones,
        v_threshold=0.3 * ones,
        w_in=ones,
    )
    graph = import_nir(_one_layer(neuron))

    assert graph.metadata["nir_exporter"] == "norse" and graph.metadata["dt"] == dt
    lif = graph.nodes["lif"]
    np.testing.assert_allclose([lif.current_decay, lif.voltage_decay], [0.2, 0.1], rtol=RTOL)
    np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT * 0.1, rtol=RTOL)

    spikes = (np.random.default_rng(1).random((20, 4, 40)) < 0.3).astype(np.uint8)
    run = emulate(graph, spikes, record_spikes=True)
    v, i = np.zeros((20, 3)), np.zeros((20, 3))
    expected = np.zeros((20, 3, 40), dtype=np.uint8)
    for t in range(39):  # pumice's synapse delivers one step later: step t feeds t + 1
        v, i, z = _norse_lif_step(v, i, spikes[..., t] @ WEIGHT.T, dt, inv_syn, inv_mem, 0.3)
        expected[..., t + 1] = z
    assert expected.sum() > 20
    np.testing.assert_array_equal(run.spikes["lif"], expected)


def test_if_neurons_with_unit_r_add_their_input_per_step():
    """Norse's IAFCell and Sinabs' IAF write IF with r = 1 and step v += x."""
    ones = np.ones(3)
    graph = import_nir(_one_layer(nir.IF(r=ones, v_threshold=ones)))

    lif = graph.nodes["lif"]
    assert graph.metadata["nir_exporter"] == "sinabs"
    assert (lif.current_decay, lif.voltage_decay) == (1.0, 0.0)
    np.testing.assert_array_equal(graph.nodes["fc"].weight, WEIGHT)


def test_if_read_by_nir_equations_integrates_dt_times_r():
    ones = np.ones(3)
    graph = import_nir(_one_layer(nir.IF(r=2 * ones, v_threshold=ones)), dt=1e-3)

    assert graph.metadata["nir_exporter"] == "nir"
    np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT * 2e-3, rtol=RTOL)


def test_sinabs_lif_decays_exactly_over_a_step():
    ones = np.ones(3)
    neuron = nir.LIF(tau=10 * ones, r=ones, v_leak=0 * ones, v_threshold=ones)
    graph = import_nir(_one_layer(neuron), exporter="sinabs")

    decay = 1 - np.exp(-0.1)
    np.testing.assert_allclose(graph.nodes["lif"].voltage_decay, decay, rtol=RTOL)
    np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT * decay, rtol=RTOL)


def test_lif_has_no_current_memory_and_takes_the_affine_bias():
    ones, bias = np.ones(3), np.array([0.5, -1.0, 2.0])
    r = np.array([1.0, 2.0, 4.0])
    neuron = nir.LIF(tau=1e-2 * ones, r=r, v_leak=0.3 * ones, v_threshold=2 * ones)

    graph = import_nir(_one_layer(neuron, bias=bias), dt=1e-3)

    lif = graph.nodes["lif"]
    assert lif.current_decay == 1.0 and lif.threshold == 2.0
    np.testing.assert_allclose(lif.voltage_decay, 0.1, rtol=RTOL)
    np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT * 0.1 * r[:, None], rtol=RTOL)
    np.testing.assert_allclose(lif.bias, 0.1 * 0.3 + 0.1 * r * bias, rtol=RTOL)


def _euler_counts(spikes, weight, tau_syn, tau_mem, r, w_in, v_leak, v_th, dt) -> np.ndarray:
    """NIR's CubaLIF by forward Euler, its input one step late as an IR synapse delivers it."""
    current = np.zeros((len(spikes), weight.shape[0]))
    voltage = np.zeros_like(current)
    counts = np.zeros(current.shape, dtype=np.int64)
    for t in range(1, spikes.shape[-1]):
        x = spikes[..., t - 1] @ weight.T
        current = current + dt / tau_syn * (w_in * x - current)
        voltage = voltage + dt / tau_mem * (v_leak - voltage + r * current)
        fired = voltage > v_th
        voltage = np.where(fired, 0.0, voltage)
        counts += fired
    return counts


def test_cuba_lif_runs_nir_equations_by_forward_euler():
    """Per-neuron r, w_in, v_leak and thresholds, folded into weights and bias, give NIR's
    spikes."""
    rng = np.random.default_rng(4)
    dt, ones = 1e-3, np.ones(3)
    params = {
        "tau_syn": 4e-3 * ones,
        "tau_mem": 8e-3 * ones,
        "r": np.array([1.0, 1.5, 2.0]),
        "w_in": np.array([30.0, 20.0, 25.0]),
        "v_leak": np.array([0.0, 0.5, -0.5]),
    }
    thresholds = np.array([1.0, 0.7, 1.3])
    weight = rng.normal(0.4, 0.6, (3, 4))
    neuron = nir.CubaLIF(v_threshold=thresholds, **params)
    graph = import_nir(_one_layer(neuron, weight), dt=dt)
    spikes = (rng.random((16, 4, 30)) < 0.3).astype(np.uint8)

    counts = emulate(graph, spikes).counts["lif"]

    assert graph.nodes["lif"].threshold == 1.0  # v in units of each neuron's threshold
    assert counts.sum() > 0
    expected = _euler_counts(spikes, weight, v_th=thresholds, dt=dt, **params)
    np.testing.assert_array_equal(counts, expected)


def test_leaky_integrators_are_readouts():
    ones = np.ones(3)
    li = import_nir(_one_layer(nir.LI(tau=1e-2 * ones, r=2 * ones, v_leak=0 * ones)), dt=1e-3)
    cuba_li = nir.CubaLI(tau_syn=5e-3 * ones, tau_mem=1e-2 * ones, r=ones, v_leak=0 * ones)
    cuba = import_nir(_one_layer(cuba_li, WEIGHT), dt=1e-3)
    integrator = import_nir(_one_layer(nir.I(r=ones)), dt=1e-3)

    for graph, decays, gain in (
        (li, (1.0, 0.1), 0.2),
        (cuba, (0.2, 0.1), 0.02),
        (integrator, (1.0, 0.0), 1e-3),
    ):
        node = graph.nodes["lif"]
        assert type(node) is CubaLI and graph.output == "lif"
        np.testing.assert_allclose([node.current_decay, node.voltage_decay], decays, rtol=RTOL)
        np.testing.assert_allclose(graph.nodes["fc"].weight, WEIGHT * gain, rtol=RTOL)


def _chain(input_shape, *named) -> nir.NIRGraph:
    names = ["input", *(name for name, _ in named), "output"]
    nodes = {"input": nir.Input(input_type=np.array(input_shape)), **dict(named)}
    nodes["output"] = nir.Output(output_type=np.array([1]))
    return nir.NIRGraph(
        nodes=nodes, edges=list(zip(names[:-1], names[1:], strict=True)), type_check=False
    )


def _lif(shape) -> nir.LIF:
    ones = np.ones(shape)
    return nir.LIF(tau=1e-2 * ones, r=10 * ones, v_leak=0 * ones, v_threshold=ones)


def _conv(weight, padding=0, bias=None) -> nir.Conv2d:
    bias = np.zeros(len(weight)) if bias is None else bias
    return nir.Conv2d(
        input_shape=None, weight=weight, stride=1, padding=padding, dilation=1, groups=1, bias=bias
    )


def _apply_conv(conv: Conv2d, x: np.ndarray) -> np.ndarray:
    """The IR convolution on (batch, C, H, W) maps."""
    out = conv2d(conv.weight, x[..., None], conv.stride, conv.padding, conv.dilation, conv.groups)
    return out[..., 0]


def _torch(x: np.ndarray, *layers) -> np.ndarray:
    out = torch.from_numpy(x)
    for layer in layers:
        out = layer(out)
    return out.numpy()


def test_scales_fold_into_the_dense_weights():
    scale_in, scale_out = np.array([1.0, 2.0, 0.5, 3.0]), np.array([2.0, 1.0, 4.0])
    graph = import_nir(
        _chain(
            [4],
            ("s_in", nir.Scale(scale=scale_in)),
            ("fc", nir.Linear(weight=WEIGHT)),
            ("s_out", nir.Scale(scale=scale_out)),
            ("lif", _lif(3)),
        ),
        dt=1e-3,
    )

    assert [type(n) for n in graph.nodes.values()] == [Input, Dense, CubaLIF]
    np.testing.assert_allclose(
        graph.nodes["fc"].weight, scale_out[:, None] * WEIGHT * scale_in[None, :], rtol=RTOL
    )


def test_avg_pool_flatten_affine_fuse_into_one_dense():
    """snnTorch's Leaky -> AvgPool2d -> Flatten -> Linear: no neuron after the pool."""
    rng = np.random.default_rng(5)
    weight, bias = rng.normal(size=(3, 8)), rng.normal(size=3)
    ones = np.ones(3)
    lif = nir.LIF(tau=1e-2 * ones, r=10 * ones, v_leak=0 * ones, v_threshold=ones)
    graph = import_nir(
        _chain(
            [2, 4, 4],
            ("pool", nir.AvgPool2d(kernel_size=2, stride=2, padding=0)),
            ("flat", nir.Flatten(input_type=None, start_dim=0, end_dim=-1)),
            ("fc", nir.Affine(weight=weight, bias=bias)),
            ("lif", lif),
        ),
        dt=1e-3,
    )

    assert [(n, type(v)) for n, v in graph.nodes.items()] == [
        ("input", Input),
        ("flat", Flatten),
        ("fc", Dense),
        ("lif", CubaLIF),
    ]
    x = rng.normal(size=(5, 2, 4, 4))
    pool = torch.nn.AvgPool2d(2)
    expected = _torch(x, pool, torch.nn.Flatten()) @ weight.T
    np.testing.assert_allclose(x.reshape(5, -1) @ graph.nodes["fc"].weight.T, expected, rtol=1e-9)
    np.testing.assert_allclose(graph.nodes["lif"].bias, bias, rtol=1e-9)  # gain 1: r = tau/dt


def test_conv_then_pool_fuse_into_one_convolution():
    rng = np.random.default_rng(6)
    weight = rng.normal(size=(3, 2, 3, 3))
    graph = import_nir(
        _chain(
            [2, 6, 6],
            ("conv", _conv(weight, padding=1)),
            ("pool", nir.AvgPool2d(kernel_size=2, stride=2, padding=0)),
            ("lif", _lif((3, 3, 3))),
        ),
        dt=1e-3,
    )

    conv = graph.nodes["pool"]
    assert type(conv) is Conv2d and conv.stride == (2, 2) and conv.padding == (1, 1)
    x = rng.normal(size=(4, 2, 6, 6))
    torch_conv = torch.nn.Conv2d(2, 3, 3, padding=1, bias=False).double()
    torch_conv.weight.data = torch.from_numpy(weight)
    with torch.no_grad():
        expected = _torch(x, torch_conv, torch.nn.AvgPool2d(2))
    got = _apply_conv(conv, x)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_pool_then_conv_fuse_only_where_the_borders_agree():
    """Sinabs' IAF -> SumPool2d -> Conv2d: exact on an even map, refused on an odd one."""
    rng = np.random.default_rng(7)
    weight = rng.normal(size=(2, 2, 3, 3))

    def graph(size: int) -> nir.NIRGraph:
        out = (size // 2,) * 2
        return _chain(
            [2, size, size],
            ("pool", nir.SumPool2d(kernel_size=2, stride=2, padding=0)),
            ("conv", _conv(weight, padding=1)),
            ("lif", _lif((2, *out))),
        )

    fused = import_nir(graph(6), dt=1e-3).nodes["conv"]
    x = rng.normal(size=(3, 2, 6, 6))
    torch_conv = torch.nn.Conv2d(2, 2, 3, padding=1, bias=False).double()
    torch_conv.weight.data = torch.from_numpy(weight)
    with torch.no_grad():
        expected = _torch(x, torch.nn.AvgPool2d(2, divisor_override=1), torch_conv)
    np.testing.assert_allclose(_apply_conv(fused, x), expected, rtol=1e-9)
    with pytest.raises(ModelError, match="'pool', 'conv' follow each other .* do not compose"):
        import_nir(graph(7), dt=1e-3)


def _recurrent_parts(n: int = 4):
    rng = np.random.default_rng(8)
    return (
        rng.normal(0.5, 0.5, (n, 3)),
        rng.normal(0, 0.5, (n, n)),
        rng.normal(0, 0.1, n),
        _snntorch_leaky(0.8, n),
    )


def test_recurrent_loop_flat_or_nested_is_a_recurrent_layer():
    """snnTorch's RLeaky: nested as exported, flattened as nirtorch writes it; snnTorch's
    reset discards a step (refused), NIR's does not (read on request)."""
    weight, w_rec, b_rec, lif = _recurrent_parts()
    nested = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([3])),
            "fc": nir.Linear(weight=weight),
            "rleaky": nir.NIRGraph(
                nodes={
                    "input": nir.Input(input_type=np.array([4])),
                    "lif": lif,
                    "w_rec": nir.Affine(weight=w_rec, bias=b_rec),
                    "output": nir.Output(output_type=np.array([4])),
                },
                edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
                type_check=False,
            ),
            "output": nir.Output(output_type=np.array([4])),
        },
        edges=[("input", "fc"), ("fc", "rleaky"), ("rleaky", "output")],
        type_check=False,
    )
    flat = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([1, 3])),  # nirtorch keeps a batch axis
            "fc": nir.Linear(weight=weight),
            "rleaky.lif": lif,
            "rleaky.w_rec": nir.Affine(weight=w_rec, bias=b_rec),
            "output": nir.Output(output_type=np.array([4])),
        },
        edges=[
            ("input", "fc"),
            ("fc", "rleaky.lif"),
            ("rleaky.lif", "rleaky.w_rec"),
            ("rleaky.w_rec", "rleaky.lif"),
            ("rleaky.lif", "output"),
        ],
        type_check=False,
    )

    for nir_graph in (nested, flat):
        with pytest.raises(ModelError, match="'rleaky.lif' \\(recurrent LIF\\): snnTorch writes"):
            import_nir(nir_graph)
    for graph in (import_nir(g, exporter="nir", dt=1e-4) for g in (nested, flat)):
        layer = graph.nodes["rleaky.lif"]
        assert type(layer) is RecurrentCubaLIF and graph.nodes["input"].shape == (3,)
        np.testing.assert_allclose(layer.recurrent_weight, w_rec, rtol=1e-9)
        np.testing.assert_allclose(layer.bias, b_rec, rtol=1e-9)  # constant input, no current


def test_recurrent_layer_runs_nir_lif_with_feedback_one_step_later():
    """v = beta*v*(1 - s_{t-1}) + W x_t + W_rec s_{t-1}: NIR's LIF, reset to zero."""
    weight, w_rec, b_rec, lif = _recurrent_parts()
    graph = import_nir(
        nir.NIRGraph(
            nodes={
                "input": nir.Input(input_type=np.array([3])),
                "fc": nir.Linear(weight=weight),
                "lif": lif,
                "w_rec": nir.Linear(weight=w_rec),
                "output": nir.Output(output_type=np.array([4])),
            },
            edges=[("input", "fc"), ("fc", "lif"), ("lif", "w_rec"), ("w_rec", "lif")]
            + [("lif", "output")],
            type_check=False,
        ),
        dt=1e-4,
        exporter="nir",
    )
    spikes = (np.random.default_rng(9).random((10, 3, 30)) < 0.4).astype(np.uint8)
    run = emulate(graph, spikes, record_spikes=True)

    mem, fired = np.zeros((10, 4)), np.zeros((10, 4))
    expected = np.zeros((10, 4, 30), dtype=np.uint8)
    for t in range(29):  # one step later in pumice
        mem = 0.8 * mem * (1 - fired) + spikes[..., t] @ weight.T + fired @ w_rec.T
        fired = (mem > 1.0).astype(float)
        expected[..., t + 1] = fired
    assert 0 < expected.sum() < expected.size
    np.testing.assert_array_equal(run.spikes["lif"], expected)
