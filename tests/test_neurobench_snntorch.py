"""NeuroBench 2.3 itself on an snnTorch network against pumice's report of the import.

NeuroBench's harness runs the snnTorch network on the test digits; pumice imports the
network's NIR file, runs it on the same spikes and counts the same metrics from its spike
trains. With the synaptic delays compensated (each layer counted over its own T steps)
the float import counts exactly what NeuroBench counts; the 8-bit conversion and Lava's
T-step run (which cuts the last spikes of the later layers) stay within a few percent.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from foreign_networks import (
    NETWORKS,
    STEPS,
    as_input,
    convert_8bit,
    delay,
    digits,
    snntorch_dense,
    weights,
)

from pumice.convert.emulator import emulate
from pumice.convert.interchange import import_nir
from pumice.convert.traffic.neurobench import neurobench_metrics

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
SAMPLES = 100


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from neurobench.benchmarks import Benchmark
    from neurobench.metrics.static import ConnectionSparsity, Footprint, ParameterCount
    from neurobench.metrics.workload import ActivationSparsity, SynapticOperations
    from neurobench.models import SNNTorchModel

    spikes, labels = digits("test", SAMPLES)
    data = torch.utils.data.TensorDataset(
        torch.from_numpy(np.moveaxis(spikes, -1, 1).copy()), torch.from_numpy(labels)
    )
    loader = torch.utils.data.DataLoader(data, batch_size=50)
    static = [Footprint, ConnectionSparsity, ParameterCount]
    benchmark = Benchmark(
        SNNTorchModel(snntorch_dense(weights("snntorch_dense"))),
        loader,
        [],
        [],
        [static, [SynapticOperations, ActivationSparsity]],
    )
    theirs = benchmark.run(quiet=True)
    path = NETWORKS["snntorch_dense"][1](tmp_path_factory.mktemp("nir") / "net.nir")
    return theirs, import_nir(path), spikes


def _pumice(graph, spikes: np.ndarray, compensated: bool) -> dict:
    x = as_input(graph, spikes)
    lag = delay(graph) if compensated else 0
    padded = np.concatenate([x, np.zeros((*x.shape[:-1], lag), np.uint8)], axis=-1)
    trains = {graph.input: padded, **emulate(graph, padded, record_spikes=True).spikes}
    windows = None
    if compensated:  # layer k runs k steps behind: count each over its own T steps
        windows, synapses = {graph.input: (0, STEPS)}, 0
        for name, node in graph.nodes.items():
            synapses += node.is_synapse
            if node.is_neuron:
                windows[name] = (synapses, synapses + STEPS)
    return neurobench_metrics(graph, trains, windows)


def test_float_import_counts_what_neurobench_counts(runs):
    theirs, graph, spikes = runs
    ours = _pumice(graph, spikes, compensated=True)

    assert theirs["SynapticOperations"]["Effective_ACs"] > 0
    assert ours["synaptic_operations"]["effective_acs"] == pytest.approx(
        theirs["SynapticOperations"]["Effective_ACs"], rel=1e-12
    )
    assert ours["synaptic_operations"]["dense"] == theirs["SynapticOperations"]["Dense"]
    assert (
        ours["synaptic_operations"]["effective_macs"]
        == theirs["SynapticOperations"]["Effective_MACs"]
    )
    assert ours["activation_sparsity"] == pytest.approx(theirs["ActivationSparsity"], rel=1e-12)
    assert ours["parameter_count"] == theirs["ParameterCount"]
    assert round(ours["connection_sparsity"], 4) == theirs["ConnectionSparsity"]


def test_8bit_conversion_and_lava_window_stay_within_a_few_percent(runs):
    theirs, graph, spikes = runs
    acs, sparsity = theirs["SynapticOperations"]["Effective_ACs"], theirs["ActivationSparsity"]
    fixed = convert_8bit(graph)

    for ours in (_pumice(fixed, spikes, True), _pumice(fixed, spikes, False)):
        assert ours["synaptic_operations"]["effective_acs"] == pytest.approx(acs, rel=0.03)
        assert ours["activation_sparsity"] == pytest.approx(sparsity, rel=0.03)
    lava = _pumice(graph, spikes, compensated=False)
    assert lava["synaptic_operations"]["effective_acs"] < acs  # the last spikes fall outside
    assert lava["activation_sparsity"] > sparsity
