"""Quantise a float graph to the fixed-point formats of Lava's ``fixed_pt`` models.

By default it follows lava-dl exactly, so a SLAYER-trained network keeps its accuracy:
weights are rounded to steps of ``2 / scale`` and clamped to [-256, 254] / scale
(SLAYER's ``quantize_8bit``); each kind's other fields follow its quantiser
(:mod:`pumice.convert.quantizers`: thresholds, decays, biases as lava-dl writes them).

With ``weight_bits`` below 8, each layer's weights go on a ``weight_bits``-bit grid whose
step (a power of two, in units of ``1 / scale``) is the smallest that holds the largest
weight, unless ``steps`` names one (see the ``calibrate`` pass, which searches it). Every
grid is stored as Lava mantissas with a per-layer exponent that reproduce it exactly.

A recurrent layer's own weights are a synapse set of their own (``<layer>.recurrent``,
with its own step). Per-neuron decays fit no Lava ``LIF``: they need ``leak="shift"``,
which makes every neuron a shift-leak neuron (see :mod:`pumice.convert.leak_shifts`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import Graph
from pumice.convert.ir.fixed_point import ALIGN_SHIFT
from pumice.convert.ir.recurrence import recurrent_name
from pumice.convert.passes.registry import PassResult, register_pass
from pumice.convert.quantizers import QUANTIZERS, QuantizeContext
from pumice.convert.weight_format import grid_levels, on_grid
from pumice.errors import ModelError

#: SLAYER's ``w_scale``: integer units per threshold unit in weights and thresholds.
SLAYER_SCALE = 1 << ALIGN_SHIFT
#: SLAYER's 8-bit weight step in integer units (``quantize_8bit``'s ``2 / w_scale``).
SLAYER_STEP = 2


def max_abs_step(weight: np.ndarray, scale: int, bits: int) -> int:
    """Smallest power-of-two step whose ``bits``-bit grid holds the largest weight."""
    largest = float(np.abs(np.asarray(weight, dtype=np.float64) * scale).max(initial=0.0))
    top = grid_levels(bits, mixed=True)[1] if bits > 1 else 1
    step = 1
    while step * top < largest and step < (1 << 16):
        step *= 2
    return step


def quantize_weights(weight: np.ndarray, scale: int) -> np.ndarray:
    """SLAYER's ``quantize_8bit`` in integer units: even values in [-256, 254]."""
    integer = np.clip(np.round(np.asarray(weight, dtype=np.float64) * scale / 2) * 2, -256, 254)
    if integer.max(initial=0) <= 0:
        integer = np.maximum(integer, -254)  # an all-inhibitory Lava synapse holds >= -255
    return integer.astype(np.int64)


def float_synapse_weights(graph: Graph) -> dict[str, np.ndarray]:
    """Each float synapse set's weight array, in graph order (a recurrent set after its
    layer); a sum pool's shared weight fills its depthwise kernel."""
    shapes = graph.shapes()
    weights = {}
    for name, node in graph.nodes.items():
        traits = node.traits
        if traits.domain != "float":
            continue
        if traits.role == "synapse" and traits.connectivity == "pool":
            weights[name] = node.depthwise_weight(shapes[graph.predecessor(name)][0])
        elif traits.role == "synapse" and traits.lowered_by is None:
            weights[name] = np.asarray(node.weight, dtype=np.float64)
        if traits.recurrent:
            weights[recurrent_name(name)] = np.asarray(node.recurrent_weight, dtype=np.float64)
    return weights


def payload_shifts(graph: Graph) -> dict[str, int]:
    """Per synapse fed by a payload router (graded spikes): the router's payload bits."""
    shifts = {}
    for name, node in graph.nodes.items():
        if node.is_synapse and name != graph.input:
            feed = graph.nodes[graph.predecessor(name)]
            if feed.traits.payload_router:
                shifts[name] = feed.message_bits
    return shifts


def _refuse_unquantisable(graph: Graph) -> None:
    for name, node in graph.nodes.items():
        traits = node.traits
        if traits.domain != "float" or type(node) in QUANTIZERS:
            continue
        if traits.lowered_by is not None:
            raise ModelError(
                f"layer '{name}' is an {type(node).__name__}: lower it first (pass "
                f"'{traits.lowered_by}'; pumice convert does it), then quantise"
            )
        raise ModelError(f"layer '{name}': no quantiser for kind {type(node).__name__}")


@register_pass
@dataclasses.dataclass
class QuantizeToLoihi:
    """Float graph -> fixed-point graph with lava-dl's quantisation.

    Its report (``quantization``) gives the scale, the weight bits, each synapse set's
    step and how many weights (synapses) or biases (neurons) the integer range clipped;
    with ``leak="shift"`` also ``shift_leak``, every decay that became a shift.
    """

    name = "quantize"

    #: Integer units per threshold unit (SLAYER's ``w_scale``).
    scale: int = SLAYER_SCALE
    #: Weight bits per synapse, 1..8 (Loihi's synapses hold 1-8).
    weight_bits: int = 8
    #: Grid step per synapse node name (integer units, a power of two); others default.
    #: A recurrent layer's own synapses are named ``<layer>.recurrent``.
    steps: dict[str, int] = dataclasses.field(default_factory=dict)
    #: "multiply" (Lava's LIF) or "shift": neurons become shift-leak neurons directly,
    #: which per-neuron decays need.
    leak: str = "multiply"

    def __post_init__(self) -> None:
        if not 1 <= self.weight_bits <= 8:
            raise ModelError(
                f"weight bits must be 1 to 8 (Loihi's synapse widths), got {self.weight_bits}"
            )
        if self.leak not in ("multiply", "shift"):
            raise ModelError(f"unknown leak '{self.leak}': choose multiply or shift")

    def synapse_weights(self, graph: Graph) -> dict[str, tuple[np.ndarray, int]]:
        """Per synapse set: its integer weights on the grid and the grid's step."""
        chosen = {}
        for name, weight in float_synapse_weights(graph).items():
            if name in self.steps:
                step = self.steps[name]
            elif self.weight_bits == 8:
                step = SLAYER_STEP
            else:
                step = max_abs_step(weight, self.scale, self.weight_bits)
            if self.weight_bits == 8 and step == SLAYER_STEP:
                integer = quantize_weights(weight, self.scale)
            else:
                integer = on_grid(weight * self.scale, self.weight_bits, step)
            chosen[name] = (integer, step)
        return chosen

    def apply(self, graph: Graph) -> PassResult:
        _refuse_unquantisable(graph)
        float_weights = float_synapse_weights(graph)
        grids = {
            name: (integer, step, float_weights[name])
            for name, (integer, step) in self.synapse_weights(graph).items()
        }
        context = QuantizeContext(
            self.scale, self.weight_bits, self.leak, grids, input_shift=payload_shifts(graph)
        )
        nodes, changed = {}, False
        for name, node in graph.nodes.items():
            quantise = QUANTIZERS.get(type(node))
            if quantise is not None:
                node, changed = quantise(name, node, context), True
            nodes[name] = node
        fixed = dataclasses.replace(graph, nodes=nodes, metadata=dict(graph.metadata))
        assert all(node.domain != "float" for node in fixed.nodes.values())
        report = {
            "quantization": {
                "scale": self.scale,
                "weight_bits": self.weight_bits,
                "steps": {name: step for name, (_, step, _) in grids.items()},
                # weights (synapse nodes) and biases (neuron nodes) the range clipped
                "saturated": context.saturated,
            }
        }
        if self.leak == "shift":
            report["shift_leak"] = context.shifted
        return PassResult(fixed, changed, report)
