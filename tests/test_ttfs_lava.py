"""TTFS on Lava: pumice's TTFSNeuron process behind Dense/Conv reading graded spikes
equals the emulator bit for bit (spikes, u, v) on random graphs and on a trained network;
``map``, ``report`` and ``deploy`` work on a TTFS model."""

from __future__ import annotations

import json

import numpy as np
import pytest
from bit_exact import assert_lava_matches_emulator
from test_ttfs_training import _table, _write
from ttfs_factory import fixed_ttfs_graph, graded_frames

from pumice.cli import main
from pumice.convert.emulator import emulate
from pumice.convert.ir import FixedConv2d, FixedDense
from pumice.convert.semantics.ttfs import V_MAX
from pumice.pipeline import train_model

pytestmark = [pytest.mark.lava, pytest.mark.slow]

#: 16 graphs: even seeds conv (encoder, conv, max-pool relay, dense), odd dense only; every
#: fourth has a dense layer whose weights are shifted 10 bits up, so its v saturates.
SEEDS = range(16)


def _case(seed: int):
    rng = np.random.default_rng(100 + seed)
    graph = fixed_ttfs_graph(rng, conv=seed % 2 == 0, boost=10 if seed % 4 == 1 else 0)
    spikes = graded_frames(rng, graph, 2).astype(np.int64)
    # the kinds take any graded input: add payloads at random later steps too
    extra = (rng.random(spikes.shape) < 0.05) * rng.integers(1, 256, spikes.shape)
    return graph, (spikes + extra * (np.arange(spikes.shape[-1]) > 0)).clip(0, 255)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_ttfs_graph_bit_exact(seed):
    graph, spikes = _case(seed)
    expected, actual = assert_lava_matches_emulator(graph, spikes.astype(np.uint8))
    for name in expected.counts:
        np.testing.assert_array_equal(actual.counts[name], expected.counts[name])


def test_fuzz_covers_conv_relays_saturation_and_payload_widths():
    seen, bits = set(), set()
    for seed in SEEDS:
        graph, spikes = _case(seed)
        run = emulate(graph, spikes.astype(np.uint8), record_state=True)
        if any(np.abs(v).max() == V_MAX for v in run.v.values()):
            seen.add("saturation")
        for node in graph.nodes.values():
            if type(node) is FixedConv2d:
                seen.add("depthwise conv" if node.groups > 1 else "conv")
            if type(node) is FixedDense:
                seen.add("sparse" if node.sparse else "dense")
            if getattr(node, "delay", None) == 0:
                seen.add("relay")
            if node.traits.graded and node.traits.role == "neuron":
                bits.add(node.payload_bits)
    assert seen == {"saturation", "conv", "depthwise conv", "sparse", "dense", "relay"}
    assert len(bits) >= 3


def test_a_trained_ttfs_network_runs_on_lava_maps_reports_and_deploys(tmp_path, capsys):
    table = _table()
    table["train"]["epochs"] = 1
    _write(tmp_path / "config.toml", table)
    train_model(tmp_path / "config.toml", tmp_path / "run", progress=False)
    fixed = tmp_path / "f.pumice"
    assert main(["-q", "convert", str(tmp_path / "run" / "model.pumice"), "--out", str(fixed),
                 "--profile", "loihi2"]) == 0  # fmt: skip
    runs = {}
    for backend in ("emulator", "lava"):
        out = tmp_path / f"{backend}.json"
        args = ["-q", "run", str(fixed), "--backend", backend, "--samples", "6", "--json", str(out)]
        assert main(args) == 0
        runs[backend] = json.loads(out.read_text())
    assert runs["lava"]["accuracy"] == runs["emulator"]["accuracy"]
    assert runs["lava"]["spikes_per_neuron"] == runs["emulator"]["spikes_per_neuron"]
    assert (
        main(["-q", "map", str(fixed), "--profile", "loihi2", "--json", str(tmp_path / "m.json")])
        == 0
    )
    assert json.loads((tmp_path / "m.json").read_text())["cores"]
    reports = {}
    for backend in ("emulator", "lava"):
        out = tmp_path / f"report_{backend}.json"
        args = ["-q", "report", str(fixed), "--profile", "loihi2", "--samples", "3",
                "--backend", backend, "--json", str(out)]  # fmt: skip
        assert main(args) == 0
        reports[backend] = json.loads(out.read_text())
    keys = ("spikes_total", "synaptic_ops_total", "messages_total", "payload_bits_total")
    assert {k: reports["lava"][k] for k in keys} == {k: reports["emulator"][k] for k in keys}
    assert reports["emulator"]["payload_bits_total"] > 0
    args = ["-q", "deploy", str(fixed), "--samples", "4", "--run", "--target", "lava-sim"]
    assert main([*args, "--out", str(tmp_path / "sim")]) == 0
    assert json.loads((tmp_path / "sim" / "results.json").read_text())["samples"] == 4
    capsys.readouterr()
