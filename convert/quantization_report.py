"""Analysis: what quantisation cost, layer by layer (float graph vs fixed-point graph)."""

from __future__ import annotations

import numpy as np

from pumice.convert.emulator import emulate_window
from pumice.convert.ir import FixedConv2d, FixedDense, Graph
from pumice.convert.ir.recurrence import weighted_synapses
from pumice.convert.ir.windows import layer_windows
from pumice.convert.passes.quantize import float_synapse_weights


def _fixed_weight(node: FixedDense | FixedConv2d) -> np.ndarray:
    """Effective integer weights of a fixed synapse: ``mantissa * 2**weight_exp``."""
    return node.weight.astype(np.float64) * 2.0**node.weight_exp


def quantization_report(
    float_graph: Graph, fixed_graph: Graph, spikes: np.ndarray, scale: int
) -> dict:
    """Per synapse: weight error; per neuron: spike agreement on ``spikes`` (samples, ..., T).

    ``scale`` is the quantisation's integer units per threshold unit. A recurrent layer's
    own synapses are reported as ``<layer>.recurrent``.
    """
    layers: dict[str, dict] = {}
    float_weights = float_synapse_weights(float_graph)
    for name, node in weighted_synapses(fixed_graph):
        if node.domain == "fixed":
            fixed = _fixed_weight(node) / scale
            reference = float_weights[name]
            error = fixed - reference
            layers[name] = {
                "weight_rms_error": float(np.sqrt(np.mean(error**2))),
                "weight_max_abs_error": float(np.abs(error).max(initial=0.0)),
                "weight_rms": float(np.sqrt(np.mean(reference**2))),
                "nonzero_weights": int(np.count_nonzero(fixed)),
            }
    steps = spikes.shape[-1]
    runs = [emulate_window(g, spikes, record_spikes=True) for g in (float_graph, fixed_graph)]
    for name, _ in fixed_graph.neurons():
        lo, hi = layer_windows(fixed_graph, steps)[name]
        float_train, fixed_train = (run.spikes[name][..., lo:hi] for run in runs)
        float_counts, fixed_counts = (run.counts[name] for run in runs)
        layers[name] = {
            "spike_agreement": float((float_train == fixed_train).mean()),
            "mean_abs_count_error": float(np.abs(float_counts - fixed_counts).mean()),
            "spikes_per_neuron_float": float(float_counts.mean()),
            "spikes_per_neuron_fixed": float(fixed_counts.mean()),
        }
    predictions = [run.predictions(fixed_graph.output) for run in runs]
    return {
        "samples": int(len(spikes)),
        "prediction_agreement": float((predictions[0] == predictions[1]).mean()),
        "layers": layers,
    }
