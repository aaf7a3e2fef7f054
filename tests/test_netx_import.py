"""import_netx: lava-dl ``.net`` files become fixed-point graphs that emulate exactly like netx."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from test_netx_reference import NEURON, STEPS, assert_same_as_netx, slayer_net_file

from pumice.convert.interchange import import_netx
from pumice.convert.interchange.netx_format import netx_dense
from pumice.convert.ir import FixedConv2d, FixedCubaLIF, FixedDense, Flatten, Input
from pumice.errors import ModelError


def _spikes(seed: int, shape: tuple[int, ...], rate: float = 0.4) -> np.ndarray:
    return (np.random.default_rng(seed).random((*shape, STEPS)) < rate).astype(np.uint8)


def _write_layers(path, layers: list[dict]):
    """A hand-written ``.net`` file: one dict of datasets per layer."""
    with h5py.File(path, "w") as handle:
        for index, fields in enumerate(layers):
            group = handle.create_group(f"layer/{index}")
            for key, value in fields.items():
                if key == "type":  # as SLAYER writes it
                    group.create_dataset("type", (1,), "S10", [value.encode()])
                else:
                    group.create_dataset(key, data=value)
    return path


CUBA = {"neuron/type": "CUBA", "neuron/iDecay": 1024, "neuron/vDecay": 128, "neuron/vThMant": 80}


def _dense_layer(rng, n_in: int, n_out: int) -> dict:
    weight = rng.integers(-60, 60, (n_out, n_in)) * 2
    return {"type": "dense", "shape": [n_out], "weight": weight.astype(np.float32), **CUBA}


@pytest.mark.lava
def test_dense_network_matches_netx(tmp_path):
    import torch
    from lava.lib.dl import slayer

    torch.manual_seed(0)
    blocks = [
        slayer.block.cuba.Dense(NEURON, 12, 10, weight_scale=3),
        slayer.block.cuba.Dense(NEURON, 10, 5, weight_scale=3),
    ]
    path = slayer_net_file(blocks, (12,), tmp_path / "dense.net")

    graph = import_netx(path)

    assert graph.domain() == "fixed"
    assert graph.metadata == {"source": "lava-dl netx", "file": str(path)}
    assert [type(n) for n in graph.nodes.values()] == [
        Input,
        FixedDense,
        FixedCubaLIF,
        FixedDense,
        FixedCubaLIF,
    ]
    counts = assert_same_as_netx(graph, path, _spikes(1, (12,)))
    assert all(counts), counts


@pytest.mark.lava
def test_input_layer_neuron_matches_netx(tmp_path):
    import torch
    from lava.lib.dl import slayer

    torch.manual_seed(1)
    # a spike reaches netx's input neuron as a_in = 1, i.e. 1/64 of threshold 1.0
    low = {**NEURON, "threshold": 0.05, "current_decay": 0.5}
    blocks = [
        slayer.block.cuba.Input(low),
        slayer.block.cuba.Dense(NEURON, 10, 8, weight_scale=3),
        slayer.block.cuba.Dense(NEURON, 8, 4, weight_scale=3),
    ]
    path = slayer_net_file(blocks, (10,), tmp_path / "input.net")

    graph = import_netx(path)

    assert list(graph.nodes)[:2] == ["input", "input_neuron"]
    assert isinstance(graph.nodes["input_neuron"], FixedCubaLIF)
    assert graph.predecessor("input_neuron") == "input"
    counts = assert_same_as_netx(graph, path, _spikes(2, (10,), rate=0.6))
    assert all(counts), counts


@pytest.mark.lava
def test_conv_flatten_dense_with_biases_matches_netx(tmp_path):
    import torch
    from lava.lib.dl import slayer

    torch.manual_seed(2)
    blocks = [
        slayer.block.cuba.Input(None, delay_shift=False),
        slayer.block.cuba.Conv(NEURON, 2, 4, 3, stride=(1, 2), padding=1, weight_scale=3),
        slayer.block.cuba.Flatten(),
        slayer.block.cuba.Dense(NEURON, 4 * 6 * 3, 5, weight_scale=2),
    ]
    path = slayer_net_file(blocks, (2, 6, 5), tmp_path / "conv.net")
    conv_bias = np.random.default_rng(2).integers(-20, 20, (3, 6, 4))  # netx's (W, H, C)
    with h5py.File(path, "r+") as handle:
        handle["layer/1/bias"] = conv_bias
        handle["layer/3/bias"] = np.arange(-4, 6, 2)

    graph = import_netx(path)

    conv = graph.nodes["conv1_synapse"]
    assert isinstance(conv, FixedConv2d) and conv.stride == (1, 2) and conv.padding == (1, 1)
    assert isinstance(graph.nodes["flatten1"], Flatten)
    np.testing.assert_array_equal(graph.nodes["conv1"].bias_mant, conv_bias.transpose(2, 1, 0))
    counts = assert_same_as_netx(graph, path, _spikes(3, (2, 6, 5)))
    assert all(counts), counts


@pytest.mark.parametrize("seed", range(40))
def test_dense_weights_follow_netx_optimize_weight_bits(seed):
    from lava.lib.dl.netx.utils import optimize_weight_bits

    rng = np.random.default_rng(seed)
    step = 1 << int(rng.integers(0, 6))
    low, high = [(-128, 128), (0, 128), (-128, 0), (-256, 254), (1, 3)][seed % 5]
    weight = rng.integers(low, high, (6, 5)) // step * step
    if not weight.any():
        weight[0, 0] = 2
    expected, bits, exponent, _ = optimize_weight_bits(weight.copy())
    node = netx_dense(weight)
    np.testing.assert_array_equal(node.weight, expected)
    assert (node.num_weight_bits, node.weight_exp) == (bits, exponent)


def test_weights_are_truncated_like_netx(tmp_path):
    rng = np.random.default_rng(0)
    layer = _dense_layer(rng, 3, 2)
    layer["weight"] = np.array([[2.9, -4.7, 6.0], [-1.5, 8.2, 0.0]])
    graph = import_netx(_write_layers(tmp_path / "frac.net", [layer]))
    np.testing.assert_array_equal(
        graph.nodes["dense1_synapse"].weight, netx_dense(np.array([[2, -4, 6], [-1, 8, 0]])).weight
    )
    assert graph.nodes["input"].shape == (3,)


def test_dense_without_neuron_gets_netx_default(tmp_path):
    rng = np.random.default_rng(1)
    layer = {"type": "dense", "shape": [3], "weight": rng.integers(1, 9, (3, 4))}
    graph = import_netx(_write_layers(tmp_path / "plain.net", [layer]))
    lif = graph.nodes["dense1"]
    assert (lif.du, lif.dv, lif.vth, lif.bias_exp) == (-1, 4096, 1 << 17, 6)


def test_neuron_parameters_map_like_netx(tmp_path):
    rng = np.random.default_rng(2)
    graph = import_netx(_write_layers(tmp_path / "p.net", [_dense_layer(rng, 4, 3)]))
    lif = graph.nodes["dense1"]
    assert (lif.du, lif.dv, lif.vth, lif.bias_exp) == (1023, 128, 80, 6)


def _conv_layer(rng) -> dict:
    return {
        "type": "conv",
        "shape": [2, 4, 4],
        "weight": rng.integers(-8, 8, (2, 1, 3, 3)),
        "stride": [1, 1],
        "padding": [1, 1],
        "dilation": [1, 1],
        "groups": 1,
        **CUBA,
    }


def test_conv_first_needs_input_shape(tmp_path):
    path = _write_layers(tmp_path / "conv.net", [_conv_layer(np.random.default_rng(3))])
    with pytest.raises(ModelError, match=r"layer 0 \(conv\) has an unknown input shape"):
        import_netx(path)
    graph = import_netx(path, input_shape=(1, 4, 4))
    assert graph.shapes()["conv1"] == (2, 4, 4)
    with pytest.raises(ModelError, match=r"shape \(2, 4, 4\) but its synapse gives \(2, 3, 3\)"):
        import_netx(path, input_shape=(1, 3, 3))


@pytest.mark.parametrize(
    ("bias", "expected"),
    [
        (np.array([5, -7]), np.array([5, -7])[:, None, None]),  # per channel
        (np.arange(32).reshape(4, 4, 2), np.arange(32).reshape(4, 4, 2).transpose(2, 1, 0)),
        (np.arange(4), None),  # netx refuses a bias that is neither
    ],
    ids=["channel", "neuron-whc", "wrong-shape"],
)
def test_conv_bias_layouts_follow_netx(tmp_path, bias, expected):
    layer = {**_conv_layer(np.random.default_rng(4)), "bias": bias}
    path = _write_layers(tmp_path / "bias.net", [layer])
    if expected is None:
        with pytest.raises(ModelError, match=r"bias of shape \(4,\) for neurons of shape"):
            import_netx(path, input_shape=(1, 4, 4))
        return
    lif = import_netx(path, input_shape=(1, 4, 4)).nodes["conv1"]
    np.testing.assert_array_equal(lif.bias_mant, np.broadcast_to(expected, (2, 4, 4)))


def test_pool_becomes_depthwise_conv(tmp_path):
    pool = {
        "type": "pool",
        "shape": [3, 2, 2],
        "weight": np.full((1, 1, 2, 2), 20.0),
        "stride": [2, 2],
        "padding": [0, 0],
        "dilation": [1, 1],
        **CUBA,
    }
    graph = import_netx(_write_layers(tmp_path / "pool.net", [pool]), input_shape=(3, 4, 4))
    node = graph.nodes["pool1_synapse"]
    assert isinstance(node, FixedConv2d) and node.groups == 3 and node.stride == (2, 2)
    np.testing.assert_array_equal(node.weight, np.full((3, 1, 2, 2), 20))


def test_not_hdf5_is_a_model_error(tmp_path):
    path = tmp_path / "net.net"
    path.write_text("not an hdf5 file\n")
    with pytest.raises(ModelError, match="cannot be read as an HDF5 netx file") as info:
        import_netx(path)
    assert "\n" not in str(info.value)
    with pytest.raises(ModelError, match="cannot be read as an HDF5"):
        import_netx(tmp_path / "missing.net")


def test_truncated_file_is_a_model_error(tmp_path):
    path = _write_layers(tmp_path / "cut.net", [_dense_layer(np.random.default_rng(6), 64, 64)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="cannot be read"):
        import_netx(path)


def test_unsupported_layer_type_names_index_type_and_supported(tmp_path):
    rng = np.random.default_rng(4)
    path = _write_layers(tmp_path / "avg.net", [_dense_layer(rng, 4, 4), {"type": "average"}])
    with pytest.raises(ModelError) as info:
        import_netx(path)
    message = str(info.value)
    assert "layer 1 has type 'average'" in message
    assert "supported types are input, dense, conv, pool, flatten" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda layer: layer.pop("weight"), r"layer 0 \(dense\) has no 'weight' dataset"),
        (lambda layer: layer.pop("neuron/vThMant"), r"has no 'neuron/vThMant' dataset"),
        (lambda layer: layer.update({"neuron/type": "SDNN"}), "neuron type 'SDNN'"),
        (lambda layer: layer.update({"delay": np.zeros(4)}), "axonal delays"),
        (lambda layer: layer.update({"neuron/messageBits": 3}), "graded spikes"),
        (lambda layer: layer.update({"bias": np.zeros(3)}), r"bias of shape \(3,\)"),
        (lambda layer: layer.update({"weight": np.zeros((4, 4))}), "all weights are zero"),
        (lambda layer: layer.update({"weight": np.full((4, 4), 300)}), "8-bit synapse"),
        (lambda layer: layer.update({"shape": [5]}), r"weights of shape \(4, 4\) for 5"),
        (lambda layer: layer.pop("type"), r"layer 0 \(type unknown\) has no 'type'"),
    ],
)
def test_bad_dense_layer_is_a_model_error(tmp_path, change, match):
    layer = _dense_layer(np.random.default_rng(5), 4, 4)
    change(layer)
    with pytest.raises(ModelError, match=match) as info:
        import_netx(_write_layers(tmp_path / "bad.net", [layer]))
    assert "\n" not in str(info.value)


def test_file_without_layers_is_a_model_error(tmp_path):
    path = tmp_path / "empty.net"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("something", data=[1])
    with pytest.raises(ModelError, match="no 'layer' group"):
        import_netx(path)
