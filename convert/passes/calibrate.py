"""Quantise with per-layer weight steps searched on calibration data.

For each synapse in order, the search tries the max-abs step and finer ones (which clip
the largest weights but resolve the rest better), with the steps of earlier layers
already fixed and later layers at their default steps. It keeps the step whose network
predictions agree most with the float graph's on the calibration spikes, and among
equals the one whose layer spike counts come closest to the float layer's (agreement
comes first so that a step that silences a layer, whose count error can be small when
the float layer fires sparsely, is not chosen). For a non-spiking layer (a potential
readout) the second score is the error of its answer ``v`` instead of a spike count. The
result is the fixed-point graph; its report is the quantiser's, plus both scores of each
candidate step (``quantization.calibration``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.emulator import emulate_window
from pumice.convert.ir import Graph, RunResult
from pumice.convert.ir.fixed_point import ALIGN_SHIFT
from pumice.convert.ir.recurrence import recurrent_layer
from pumice.convert.passes.quantize import (
    SLAYER_SCALE,
    SLAYER_STEP,
    QuantizeToLoihi,
    float_synapse_weights,
    max_abs_step,
)
from pumice.convert.passes.registry import PassResult, register_pass
from pumice.errors import ModelError


def _error_key(graph: Graph, synapse: str) -> str:
    """The name of a synapse's second score: its neuron's count or potential error."""
    neuron = graph.nodes[_neuron_after(graph, synapse)]
    return "mean_abs_count_error" if neuron.traits.spiking else "mean_abs_potential_error"


def _neuron_after(graph: Graph, synapse: str) -> str:
    layer = recurrent_layer(graph, synapse)
    if layer is not None:
        return layer
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
    #: Neuron leak of the result, as :class:`QuantizeToLoihi`'s ``leak``.
    leak: str = "multiply"

    def _run(self, graph: Graph) -> RunResult:
        return emulate_window(graph, self.spikes)

    def _layer_error(self, run: RunResult, reference: RunResult, neuron: str) -> float:
        """Mean absolute spike-count error of ``neuron``; for a non-spiking layer, the mean
        absolute error of its answer ``v`` (fixed ``v`` scaled back to threshold units)."""
        if neuron in (reference.potentials or {}):
            fixed = run.potentials[neuron] / (self.scale << ALIGN_SHIFT)
            return float(np.abs(fixed - reference.potentials[neuron]).mean())
        return float(np.abs(run.counts[neuron] - reference.counts[neuron]).mean())

    def apply(self, graph: Graph) -> PassResult:
        reference_run = self._run(graph)
        reference_predictions = reference_run.predictions(graph.output)
        base = QuantizeToLoihi(scale=self.scale, weight_bits=self.weight_bits, leak=self.leak)
        chosen: dict[str, int] = {}
        search: dict[str, dict[int, tuple[float, float]]] = {}
        for name, weight in float_synapse_weights(graph).items():
            neuron = _neuron_after(graph, name)
            widest = max_abs_step(weight, self.scale, self.weight_bits)
            options = {max(widest >> j, 1) for j in range(self.candidates)}
            if self.weight_bits == 8:
                options.add(SLAYER_STEP)
            scores = {}
            for step in sorted(options, reverse=True):
                trial = dataclasses.replace(base, steps={**chosen, name: step})
                run = self._run(trial.apply(graph).graph)
                agreement = float((run.predictions(graph.output) == reference_predictions).mean())
                scores[step] = (agreement, self._layer_error(run, reference_run, neuron))
            chosen[name] = max(scores, key=lambda step: (scores[step][0], -scores[step][1]))
            search[name] = scores
        result = dataclasses.replace(base, steps=chosen).apply(graph)
        result.report["quantization"]["calibration"] = {
            "samples": int(len(self.spikes)),
            "per_step": {
                name: {
                    str(step): {"prediction_agreement": agree, _error_key(graph, name): err}
                    for step, (agree, err) in scores.items()
                }
                for name, scores in search.items()
            },
        }
        return result
