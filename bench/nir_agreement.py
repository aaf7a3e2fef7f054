"""How often pumice's imports of snnTorch, Norse and Sinabs networks predict what the
libraries predict, and NeuroBench's metrics against pumice's, on every test digit.

Each library runs its own network (tests/foreign_networks.py: weights trained on
sklearn's digits, rate coded, T = 20) and writes it with its own NIR exporter; pumice
imports the file (float) and converts it to 8 bits (calibrated, scale 1024), then runs it
two ways: delay compensated (input padded with one zero step per synapse, the output
counted over the last T steps) and as Lava runs a T-step input (each synapse delivers one
step later, so layer k loses its last k steps). Two variants measure what the files do
not say: the snnTorch dense network with a bias of 0.05 on its hidden layer (Lava adds a
bias from step 0, before the first input arrives), and snnTorch's RLeaky read by NIR's
equations (its "zero" reset discards a step, NIR's does not).

    python bench/nir_agreement.py
"""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
warnings.filterwarnings("ignore")
import foreign_networks as fn  # noqa: E402

from pumice.atomic import atomic_write_text  # noqa: E402
from pumice.convert.emulator import emulate  # noqa: E402
from pumice.convert.interchange import import_nir  # noqa: E402
from pumice.convert.traffic.neurobench import neurobench_metrics  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "nir_agreement.json"


def _measure(graph, spikes, library, labels) -> dict:
    fixed = fn.convert_8bit(graph)
    return {
        "exporter": graph.metadata.get("nir_exporter"),
        "dt": graph.metadata.get("dt"),
        "library_accuracy": float((library.sum(-1).argmax(-1) == labels).mean()),
        "float": fn.agreement(graph, spikes, library),
        "fixed_8bit": fn.agreement(fixed, spikes, library),
    }


def _biased_dense(path: Path):
    stored = fn.weights("snntorch_dense")
    net = fn.snntorch_dense(stored)
    net[1] = torch.nn.Linear(64, 32)
    fn._set(net[1], stored["fc1"])
    net[1].bias.data = torch.full((32,), 0.05)
    return net, fn.export_snntorch(net, (1, 8, 8), path)


def _neurobench(spikes, labels, folder: Path) -> dict:
    from neurobench.benchmarks import Benchmark
    from neurobench.metrics.static import ConnectionSparsity, Footprint, ParameterCount
    from neurobench.metrics.workload import ActivationSparsity, SynapticOperations
    from neurobench.models import SNNTorchModel

    data = torch.utils.data.TensorDataset(
        torch.from_numpy(np.moveaxis(spikes, -1, 1).copy()), torch.from_numpy(labels)
    )
    benchmark = Benchmark(
        SNNTorchModel(fn.snntorch_dense(fn.weights("snntorch_dense"))),
        torch.utils.data.DataLoader(data, batch_size=100),
        [],
        [],
        [[Footprint, ConnectionSparsity, ParameterCount], [SynapticOperations, ActivationSparsity]],
    )
    theirs = benchmark.run(quiet=True)
    graph = import_nir(fn.NETWORKS["snntorch_dense"][1](folder / "neurobench.nir"))
    ours = {}
    for label, model in (("float", graph), ("fixed_8bit", fn.convert_8bit(graph))):
        for compensated in (True, False):
            x = fn.as_input(model, spikes)
            lag = fn.delay(model) if compensated else 0
            padded = np.concatenate([x, np.zeros((*x.shape[:-1], lag), np.uint8)], axis=-1)
            trains = {model.input: padded, **emulate(model, padded, record_spikes=True).spikes}
            windows = None
            if compensated:
                windows, synapses = {model.input: (0, fn.STEPS)}, 0
                for name, node in model.nodes.items():
                    synapses += node.is_synapse
                    if node.is_neuron:
                        windows[name] = (synapses, synapses + fn.STEPS)
            key = f"{label}_{'delay_compensated' if compensated else 'lava_window'}"
            ours[key] = neurobench_metrics(model, trains, windows)
    return {"neurobench": theirs, "pumice": ours}


def main() -> None:
    torch.set_num_threads(2)
    start = time.perf_counter()
    spikes, labels = fn.digits("test")
    results = {}
    with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
        folder = Path(tmp)
        for name, (run_library, export) in fn.NETWORKS.items():
            if name == "snntorch_recurrent":
                continue
            graph = import_nir(export(folder / f"{name}.nir"))
            results[name] = _measure(graph, spikes, run_library(spikes), labels)
            print(name, json.dumps(results[name]), flush=True)
        run_library, export = fn.NETWORKS["snntorch_recurrent"]
        graph = import_nir(export(folder / "rleaky.nir"), dt=1e-4, exporter="nir")
        results["snntorch_recurrent_read_as_nir"] = _measure(
            graph, spikes, run_library(spikes), labels
        )
        net, path = _biased_dense(folder / "biased.nir")
        library = fn.run_snntorch(net, spikes).numpy()
        results["snntorch_dense_hidden_bias_0.05"] = _measure(
            import_nir(path), spikes, library, labels
        )
        neurobench = _neurobench(spikes, labels, folder)
    report = {
        "command": shlex.join(["python", *sys.argv]),
        "samples": int(len(spikes)),
        "steps": fn.STEPS,
        "scale": fn.SCALE,
        "calibration_samples": fn.CALIBRATION_SAMPLES,
        "networks": results,
        "neurobench_snntorch_dense": neurobench,
        "wall_s": time.perf_counter() - start,
    }
    atomic_write_text(OUT, json.dumps(report, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
