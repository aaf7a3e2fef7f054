"""Traffic report totals equal counts made straight from the spike trains and the weights."""

from __future__ import annotations

import numpy as np
import pytest
from graph_factory import random_graph
from mapping_reference import owners, profile, synapse_pairs

from pumice.convert.emulator import emulate
from pumice.convert.hardware import load_profile
from pumice.convert.mapping import map_graph
from pumice.convert.traffic import plot_report, traffic_report
from pumice.errors import PumiceError

#: 4 neurons per core, 3 cores per chip on a 2x2 mesh: many cores, hops and chip crossings.
SMALL = profile(
    neurons_per_core=4,
    cores_per_chip=3,
    mesh_rows=2,
    mesh_cols=2,
    energy_synop_pj=23.6,
    energy_neuron_inactive_pj=52.0,
    energy_neuron_active_pj=81.0,
    energy_spike_in_tile_pj=1.7,
    energy_hop_east_west_pj=3.0,
    energy_hop_north_south_pj=4.0,
)


#: Seeds of random graphs (odd: conv first) in which every layer spikes on this input.
SPIKING_SEEDS = (7, 24, 27, 29, 36, 38)


def run(seed: int, samples: int = 3, steps: int = 12):
    rng = np.random.default_rng(seed)
    graph = random_graph(rng, conv=seed % 2 == 1)
    shape = graph.nodes[graph.input].shape
    x = (rng.random((samples, *shape, steps)) < 0.3).astype(np.uint8)
    return graph, {graph.input: x, **emulate(graph, x, record_spikes=True).spikes}


def reference(graph, mapping, trains) -> dict:
    """Every count by loops over spikes, synapses and cores."""
    owner = owners(graph, mapping)
    place = {c.core: (c.chip, c.x, c.y) for c in mapping.cores}
    samples, steps = trains[graph.input].shape[0], trains[graph.input].shape[-1]
    received = np.zeros((samples, steps, len(mapping.cores)), np.int64)
    counted = (
        "synaptic_ops_total",
        "input_messages_total",
        "mesh_hops_east_west_total",
        "mesh_hops_north_south_total",
        "inter_chip_messages_total",
        "neuron_updates_active_total",
    )
    out = dict.fromkeys(counted, 0)
    core_synops = dict.fromkeys(place, 0)
    for layer, (source, pairs) in synapse_pairs(graph).items():
        spikes = trains[source].reshape(samples, -1, steps)
        fired = trains[layer].reshape(samples, -1, steps)
        per_neuron = spikes.sum(axis=(0, 2))
        targets: dict[int, set[int]] = {}
        inputs: dict[int, list[int]] = {}
        for pre, post in pairs:
            out["synaptic_ops_total"] += int(per_neuron[pre])
            core_synops[owner[layer][post]] += int(per_neuron[pre])
            targets.setdefault(pre, set()).add(owner[layer][post])
            inputs.setdefault(post, []).append(pre)
        for pre, cores in targets.items():
            for core in cores:
                received[:, :, core] += spikes[:, pre, :]
                if source == graph.input:
                    out["input_messages_total"] += int(per_neuron[pre])
                    continue
                chip, x, y = place[owner[source][pre]]
                to_chip, to_x, to_y = place[core]
                if chip != to_chip:
                    out["inter_chip_messages_total"] += int(per_neuron[pre])
                else:
                    out["mesh_hops_east_west_total"] += int(per_neuron[pre]) * abs(x - to_x)
                    out["mesh_hops_north_south_total"] += int(per_neuron[pre]) * abs(y - to_y)
        for post in range(fired.shape[1]):
            event = np.zeros((samples, steps), bool)
            for pre in inputs.get(post, []):
                event[:, 1:] |= spikes[:, pre, :-1] > 0
            out["neuron_updates_active_total"] += int((event | (fired[:, post] > 0)).sum())
    out["messages_total"] = int(received.sum())
    out["peak_core_messages_per_step"] = int(received.max())
    out["peak_messages_per_step"] = int(received.sum(axis=2).max())
    out["spikes_total"] = sum(int(trains[name].sum()) for name, _ in graph.neurons())
    out["input_spikes_total"] = int(trains[graph.input].sum())
    neurons = sum(int(np.prod(node.shape)) for _, node in graph.neurons())
    out["neuron_updates_total"] = neurons * samples * steps
    out["per_core_synaptic_ops"] = core_synops
    return out


@pytest.mark.parametrize("seed", SPIKING_SEEDS)
def test_totals_match_counts_from_the_spike_trains(seed):
    graph, trains = run(seed)
    assert all(trains[name].any() for name, _ in graph.neurons())
    mapping = map_graph(graph, SMALL)
    report = traffic_report(graph, mapping, trains, SMALL)
    expected = reference(graph, mapping, trains)
    per_core_synops = expected.pop("per_core_synaptic_ops")
    assert {key: report[key] for key in expected} == expected
    assert {c["core"]: c["synaptic_ops_total"] for c in report["per_core"]} == per_core_synops
    assert report["mesh_hops_total"] == (
        expected["mesh_hops_east_west_total"] + expected["mesh_hops_north_south_total"]
    )
    sent = sum(c["messages_sent_total"] for c in report["per_core"])
    assert sent + report["input_messages_total"] == report["messages_total"]


def test_energy_is_the_sum_of_per_operation_energies():
    graph, trains = run(7)
    mapping = map_graph(graph, SMALL)
    report = traffic_report(graph, mapping, trains, SMALL)
    per = report["per_inference"]
    inactive = per["neuron_updates_total"] - per["neuron_updates_active_total"]
    picojoules = (
        23.6 * per["synaptic_ops_total"]
        + 81.0 * per["neuron_updates_active_total"]
        + 52.0 * inactive
        + 1.7 * per["messages_total"]
        + 3.0 * per["mesh_hops_east_west_total"]
        + 4.0 * per["mesh_hops_north_south_total"]
    )
    assert report["energy_per_inference_j"] == pytest.approx(picojoules * 1e-12, rel=1e-12)
    assert sum(report["energy_breakdown_per_inference_j"].values()) == pytest.approx(
        report["energy_per_inference_j"]
    )


def test_loihi2_has_no_energy_or_latency_and_says_why():
    graph, trains = run(24)
    hw = load_profile("loihi2")
    report = traffic_report(graph, map_graph(graph, hw), trains, hw)
    assert report["energy_per_inference_j"] is None and report["latency_per_step_s"] is None
    assert any("no per-operation energy" in note for note in report["notes"])
    assert any("no per-operation timings" in note for note in report["notes"])


def test_per_step_counts_add_up_to_the_totals():
    graph, trains = run(29, samples=4)
    mapping = map_graph(graph, SMALL)
    report = traffic_report(graph, mapping, trains, SMALL, batch_size=3)
    for core in report["per_core"]:
        steps = core["per_step_mean"]
        assert len(steps["messages_received"]) == report["steps"]
        for key in ("messages_received", "synaptic_ops", "spikes_generated"):
            assert sum(steps[key]) * report["samples"] == pytest.approx(core[f"{key}_total"])


def test_plot_report_saves_a_heatmap_and_raster_png(tmp_path):
    import matplotlib.image

    graph, trains = run(27)
    report = traffic_report(graph, map_graph(graph, SMALL), trains, SMALL)
    plot_report(report, tmp_path / "traffic.png")
    image = matplotlib.image.imread(tmp_path / "traffic.png")
    assert image.shape[:2] == (800, 900)
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_missing_or_misshapen_trains_are_refused():
    graph, trains = run(24)
    mapping = map_graph(graph, SMALL)
    layer = next(name for name, _ in graph.neurons())
    with pytest.raises(PumiceError, match=f"no spike trains for '{layer}'"):
        traffic_report(graph, mapping, {k: v for k, v in trains.items() if k != layer}, SMALL)
    with pytest.raises(PumiceError, match="have shape"):
        traffic_report(graph, mapping, {**trains, layer: trains[layer][..., :-1]}, SMALL)
