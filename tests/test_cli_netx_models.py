"""lava-dl ``.net`` files from the command line give exactly what lava-dl gives.

Networks are built from SLAYER blocks and written by lava-dl's own ``export_hdf5``; a
user's ``.npz`` of spikes runs through ``pumice run`` with no ``--steps``. Every layer's
trains (``--spikes``), every neuron's count and every prediction must equal what lava-dl's
netx builds and runs on Lava for the same T-step input over T steps, and what SLAYER's own
forward pass gives at each block's output.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_netx_reference import NEURON, run_netx, slayer_net_file

from pumice.cli import main

pytestmark = [pytest.mark.lava, pytest.mark.slow]

#: Samples and steps of the user's .npz.
SAMPLES, STEPS = 3, 12


def _dense_blocks(slayer, input_layer: bool):
    blocks = [slayer.block.cuba.Input(None, delay_shift=False)] if input_layer else []
    return [
        *blocks,
        slayer.block.cuba.Dense(NEURON, 12, 10, weight_scale=3),
        slayer.block.cuba.Dense(NEURON, 10, 5, weight_scale=3),
    ]


def _conv_blocks(slayer, input_layer: bool):
    blocks = [slayer.block.cuba.Input(None, delay_shift=False)] if input_layer else []
    return [
        *blocks,
        slayer.block.cuba.Conv(NEURON, 2, 4, 3, stride=(1, 2), padding=1, weight_scale=3),
        slayer.block.cuba.Flatten(),
        slayer.block.cuba.Dense(NEURON, 4 * 6 * 3, 5, weight_scale=2),
    ]


#: (name, blocks, input shape (C, H, W) non-square, whether the file has an input layer)
NETWORKS = [
    ("dense", _dense_blocks, (12,), False),
    ("dense-input-layer", _dense_blocks, (12,), True),
    ("conv-input-layer", _conv_blocks, (2, 6, 5), True),
    ("conv", _conv_blocks, (2, 6, 5), False),
]


def _slayer_outputs(blocks, spikes: np.ndarray) -> list[np.ndarray]:
    """Each spiking block's output (after its delay_shift), as SLAYER's forward pass gives."""
    import torch
    from lava.lib.dl import slayer

    x = torch.as_tensor(spikes, dtype=torch.float32)
    outputs = []
    with torch.no_grad():
        for block in blocks:
            x = block(x)
            if not isinstance(block, (slayer.block.cuba.Flatten, slayer.block.cuba.Input)):
                outputs.append(x.numpy().astype(np.uint8))
    return outputs


@pytest.mark.parametrize(
    ("name", "build", "shape", "input_layer"), NETWORKS, ids=[n[0] for n in NETWORKS]
)
def test_run_gives_netx_on_lava_and_slayer(tmp_path, capsys, name, build, shape, input_layer):
    import torch
    from lava.lib.dl import slayer

    torch.manual_seed(len(name))
    blocks = build(slayer, input_layer)
    path = slayer_net_file(blocks, shape, tmp_path / f"{name}.net")
    rng = np.random.default_rng(len(name))
    x = (rng.random((SAMPLES, *shape, STEPS)) < 0.45).astype(np.uint8)
    np.savez(tmp_path / "mine.npz", x=x, y=rng.integers(0, 5, SAMPLES))
    shape_option = [] if input_layer or len(shape) == 1 else ["--input-shape", "2,6,5"]

    code = main(
        [
            "run", str(path), "--data", str(tmp_path / "mine.npz"), *shape_option, "-q",
            "--spikes", str(tmp_path / "s.npz"), "--json", str(tmp_path / "r.json"),
        ]
    )  # fmt: skip

    assert code == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["samples"], report["steps"], report["lag_steps"]) == (SAMPLES, STEPS, 0)
    trains = np.load(tmp_path / "s.npz")
    layers = [key for key in trains.files if key not in ("output", "labels", "predictions")]
    netx_shape = None if input_layer else shape
    netx = [run_netx(path, sample, netx_shape) for sample in x]  # [sample][layer][spikes/u/v]
    slayer_out = _slayer_outputs(blocks, x)
    assert len(layers) == len(netx[0]) == len(slayer_out)
    for index, layer in enumerate(layers):
        expected = np.stack([sample[index]["spikes"] for sample in netx])
        np.testing.assert_array_equal(trains[layer], expected, err_msg=layer)
        np.testing.assert_array_equal(trains[layer], slayer_out[index], err_msg=f"{layer} SLAYER")
        assert expected.sum() > 0, f"{layer} never spiked: the comparison would be vacuous"
    np.testing.assert_array_equal(trains["output"], trains[layers[-1]])
    netx_counts = np.stack([sample[-1]["spikes"].sum(axis=-1) for sample in netx])
    np.testing.assert_array_equal(trains["predictions"], netx_counts.argmax(axis=1))
    hidden = {layer: float(trains[layer].sum(axis=-1).mean()) for layer in layers[:-1]}
    assert report["spikes_per_neuron"] == pytest.approx(hidden)


def test_report_and_deploy_take_the_same_inputs(tmp_path, capsys):
    import torch
    from lava.lib.dl import slayer

    torch.manual_seed(5)
    blocks = _dense_blocks(slayer, input_layer=False)
    path = slayer_net_file(blocks, (12,), tmp_path / "m.net")
    rng = np.random.default_rng(5)
    x = (rng.random((SAMPLES, 12, STEPS)) < 0.45).astype(np.uint8)
    data = tmp_path / "mine.npz"
    np.savez(data, x=x, y=rng.integers(0, 5, SAMPLES))
    common = [str(path), "--data", str(data), "-q"]

    assert main(["report", *common, "--profile", "loihi2", "--json", str(tmp_path / "t.json")]) == 0
    traffic = json.loads((tmp_path / "t.json").read_text())
    assert (traffic["samples"], traffic["steps"]) == (SAMPLES, STEPS)
    netx = [run_netx(path, sample) for sample in x]
    spikes = sum(int(layer["spikes"].sum()) for sample in netx for layer in sample)
    assert traffic["spikes_total"] == spikes

    lava = ["run", *common, "--backend", "lava", "--spikes", str(tmp_path / "lava.npz")]
    assert main(lava) == 0
    on_lava = np.load(tmp_path / "lava.npz")
    for index, layer in enumerate(("dense1", "dense2")):
        expected = np.stack([sample[index]["spikes"] for sample in netx])
        np.testing.assert_array_equal(on_lava[layer], expected, err_msg=layer)

    bundle = tmp_path / "bundle"
    assert main(["deploy", *common, "--out", str(bundle), "--target", "lava-sim", "--run"]) == 0
    results = json.loads((bundle / "results.json").read_text())
    counts = np.stack([sample[-1]["spikes"].sum(axis=-1) for sample in netx])
    assert results["predictions"] == counts.argmax(axis=1).tolist()
    assert results["steps"] == STEPS
    capsys.readouterr()
