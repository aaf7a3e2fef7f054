"""Quantise with per-layer weight steps searched on calibration data.

For each synapse in order, the search tries the max-abs step and finer ones (which clip
the largest weights but resolve the rest better) and keeps the step whose layer spike
counts come closest to the float graph's on the calibration spikes, with the steps of
earlier layers already fixed. The result is the fixed-point graph; its metadata lists
the chosen steps and the error of each candidate.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.emulator import emulate
from pumice.convert.ir import Graph
from pumice.convert.latency import layer_windows, pad_for_latency
from pumice.convert.passes import register_pass
from pumice.convert.passes.quantize import (
    SLAYER_SCALE,
    SLAYER_STEP,
    QuantizeToLoihi,
    max_abs_step,
)
from pumice.errors import ModelError


def _neuron_after(graph: Graph, synapse: str) -> str:
    for src, dst in graph.edges:
        if src == synapse and graph.nodes[dst].is_neuron:
            return dst
    raise ModelError(f"synapse '{synapse}' feeds no neuron directly")


@register_pass
@dataclasses.dataclass
class CalibrateQuantize:
    """Float graph -> fixed graph, each layer's weight step chosen on calibration spikes."""

    name = "calibrate"

    #: Calibration input spikes (samples, *input shape, T), T as in training.
    spikes: np.ndarray
    #: Weight bits per synapse, 1..8.
    weight_bits: int = 8
    #: Integer units per threshold unit.
    scale: int = SLAYER_SCALE
    #: How many steps to try per layer: the max-abs step and that many - 1 halvings.
    candidates: int = 4

    def _counts(self, graph: Graph) -> dict[str, np.ndarray]:
        steps = self.spikes.shape[-1]
        padded = pad_for_latency(self.spikes)
        return emulate(graph, padded, windows=layer_windows(graph, steps)).counts

    def apply(self, graph: Graph) -> tuple[Graph, bool]:
        reference = self._counts(graph)
        base = QuantizeToLoihi(scale=self.scale, weight_bits=self.weight_bits)
        chosen: dict[str, int] = {}
        search: dict[str, dict[int, float]] = {}
        for name, (_, _) in base.synapse_weights(graph).items():
            neuron = _neuron_after(graph, name)
            node = graph.nodes[name]
            channels = graph.shapes()[graph.predecessor(name)][0]
            weight = getattr(node, "weight", None)
            weight = np.full((channels, 1), weight) if np.isscalar(weight) else weight
            widest = max_abs_step(weight, self.scale, self.weight_bits)
            options = {max(widest >> j, 1) for j in range(self.candidates)}
            if self.weight_bits == 8:
                options.add(SLAYER_STEP)
            errors = {}
            for step in sorted(options, reverse=True):
                trial = dataclasses.replace(base, steps={**chosen, name: step})
                counts = self._counts(trial.apply(graph)[0])[neuron]
                errors[step] = float(np.abs(counts - reference[neuron]).mean())
            chosen[name] = min(errors, key=errors.get)
            search[name] = errors
        fixed, changed = dataclasses.replace(base, steps=chosen).apply(graph)
        fixed.metadata["quantization"]["calibration"] = {
            "samples": int(len(self.spikes)),
            "mean_abs_count_error_per_step": {
                name: {str(step): err for step, err in errs.items()}
                for name, errs in search.items()
            },
        }
        return fixed, changed
