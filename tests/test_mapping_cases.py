"""Hand-counted mappings: packing, synaptic memory, conv bands, refusals, the ``map`` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from mapping_reference import profile

from pumice.cli import main
from pumice.convert.hardware import load_profile
from pumice.convert.ir import (
    Dense,
    FixedConv2d,
    FixedCubaLIF,
    FixedDense,
    Flatten,
    Graph,
    Input,
    save_graph,
)
from pumice.convert.mapping import MappingError, NeuronTooLargeError, map_graph


def lif(shape) -> FixedCubaLIF:
    return FixedCubaLIF(shape=shape, du=100, dv=200, vth=50, bias_mant=np.zeros(shape, int))


def dense_chain(*sizes: int, weight=None, sparse=False) -> Graph:
    nodes = [("input", Input((sizes[0],)))]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        w = np.ones((n_out, n_in), int) if weight is None else weight
        nodes += [(f"dense{i}_synapse", FixedDense(w, sparse=sparse)), (f"dense{i}", lif((n_out,)))]
    return Graph.chain(nodes)


def test_small_layer_shares_the_core_of_the_previous_layers_last_range():
    # 12 neurons on 4-neuron cores: 3 cores, dense2 packed with the start of dense1.
    mapping = map_graph(dense_chain(3, 10, 2), profile(neurons_per_core=4, cores_per_chip=8))
    assert [[str(s) for s in c.segments] for c in mapping.cores] == [
        ["dense1[0:2]", "dense2[0:2]"],
        ["dense1[2:6]"],
        ["dense1[6:10]"],
    ]
    assert [(c.input_axons, c.output_axons) for c in mapping.cores] == [(3 + 10, 2), (3, 4), (3, 4)]


def test_dense_and_sparse_synaptic_memory_counted_as_nengo_loihi():
    hw = profile(neurons_per_core=1024, cores_per_chip=128, synaptic_memory_bits_per_core=1 << 20)
    (core,) = map_graph(dense_chain(3, 100), hw).cores
    # An axon stores 100 8-bit weights: a block of 64 (522 -> 576 bits) and one of 36
    # (298 -> 320 bits), each with 10 header bits rounded up to 64-bit words.
    assert core.synaptic_memory_bits == 3 * (576 + 320)
    weight = np.zeros((100, 3), int)
    weight[[0, 50], :] = 7  # every axon reaches 2 of the 100 neurons
    (core,) = map_graph(dense_chain(3, 100, weight=weight, sparse=True), hw).cores
    # Two synapses of 8 weight bits and a 7-bit index (targets 0..99): 40 -> 64 bits.
    assert core.synaptic_memory_bits == 3 * 64
    assert core.input_axons == 3


def test_conv_layer_is_split_into_bands_of_rows_across_all_channels():
    graph = Graph.chain(
        [
            ("input", Input((1, 4, 4))),
            ("conv_synapse", FixedConv2d(np.ones((2, 1, 3, 3), int), padding=(1, 1))),
            ("conv", lif((2, 4, 4))),
        ]
    )
    mapping = map_graph(graph, profile(neurons_per_core=8, cores_per_chip=8))
    owner = mapping.neuron_cores("conv").reshape(2, 4, 4)
    assert (owner == np.arange(4)[None, :, None]).all()  # core y holds row y of both channels
    # Row y of a 3x3 same-padded conv reads input rows y-1..y+1.
    assert [c.input_axons for c in mapping.cores] == [8, 12, 12, 8]


def test_neuron_whose_fan_in_exceeds_the_input_axons_is_refused():
    graph = dense_chain(5000, 3)
    with pytest.raises(NeuronTooLargeError) as caught:
        map_graph(graph, load_profile("loihi1"))
    error = caught.value
    assert (error.layer, error.resource, error.limit, error.value) == (
        "dense1",
        "input_axons",
        4096,
        5000,
    )
    assert "'dense1'" in str(error) and "4096" in str(error) and "5000" in str(error)


def test_loihi2_leaves_axon_limits_unchecked_and_says_so():
    mapping = map_graph(dense_chain(5000, 3), load_profile("loihi2"))
    assert mapping.cores[0].input_axons == 5000
    assert mapping.limits["input_axons"] is None
    assert any("input_axons_per_core not given" in note for note in mapping.notes)


def test_neuron_too_large_for_synaptic_memory_is_refused():
    hw = profile(neurons_per_core=8, cores_per_chip=8, synaptic_memory_bits_per_core=640)
    with pytest.raises(NeuronTooLargeError) as caught:
        map_graph(dense_chain(11, 2), hw)
    assert (caught.value.resource, caught.value.limit, caught.value.value) == (
        "synaptic_memory_bits",
        640,
        11 * 64,
    )


def test_map_command_prints_the_table_and_writes_json(tmp_path, capsys):
    save_graph(dense_chain(784, 500, 10), tmp_path / "m.pumice")
    code = main(
        [
            "map",
            str(tmp_path / "m.pumice"),
            "--profile",
            "loihi1",
            "--json",
            str(tmp_path / "m.json"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    written = json.loads((tmp_path / "m.json").read_text())
    assert out.startswith(f"mapping on loihi1: {written['cores_used']} core(s) on 1 chip(s)")
    assert sum(c["neurons"] for c in written["cores"]) == 510
    assert all(
        c["synaptic_memory_bits"] <= c["synaptic_memory_bits_available"] == 1 << 20
        for c in written["cores"]
    )
    assert len(out.splitlines()) == 2 + written["cores_used"]


def test_map_command_refusal_is_a_one_line_error(tmp_path, capsys):
    save_graph(dense_chain(5000, 3), tmp_path / "m.pumice")
    assert main(["map", str(tmp_path / "m.pumice"), "--profile", "loihi1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dense1" in err and "4096" in err and "5000" in err


def test_float_graph_is_refused_with_a_hint():
    graph = Graph.chain(
        [
            ("input", Input((1, 2, 2))),
            ("flat", Flatten()),
            ("d", Dense(np.ones((2, 4)))),
            ("n", lif((2,))),
        ]
    )
    with pytest.raises(MappingError, match="convert the model first"):
        map_graph(graph, load_profile("loihi1"))
