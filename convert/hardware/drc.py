"""Design-rule checks: does every layer of a graph fit a hardware profile?

Each rule is a small function ``(graph, profile) -> list[Violation]`` registered in
:data:`CHECKS` with the profile fields it needs; a rule whose fields the profile leaves
out is skipped and reported as a note. Findings that are not errors (a layer larger than
one core needs splitting, which a mapper does) come from :data:`NOTES` as notes.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator

import numpy as np

from pumice.convert.hardware.profile import HardwareProfile
from pumice.convert.hardware.synapse_stats import (
    conv_peak_sum,
    fan_in,
    has_weight_matrix,
    significant_weight_bits,
)
from pumice.convert.ir import Graph, Node
from pumice.convert.ir.recurrence import recurrent_synapse, weighted_synapses
from pumice.convert.lava_arithmetic import sign_mode
from pumice.convert.tensor_ops import FLOAT32_EXACT
from pumice.errors import PumiceError


class DesignRuleError(PumiceError):
    """A graph that breaks a hardware profile's design rules."""


@dataclasses.dataclass(frozen=True)
class Finding:
    """One rule's result on one layer."""

    #: Node name, or "*" for the whole graph.
    layer: str
    #: Rule name, e.g. "weight_bits".
    rule: str
    #: The profile's limit: a number, [low, high] for a range, or None.
    limit: int | list[int] | None
    #: The layer's value: a number, [low, high] for a span, or None.
    actual: int | list[int] | None
    #: One sentence for people.
    message: str


@dataclasses.dataclass(frozen=True)
class Violation(Finding):
    """A layer the hardware cannot hold as it is."""


@dataclasses.dataclass(frozen=True)
class Note(Finding):
    """Information that is not an error: a layer to split, a rule not checked, a risk."""


Rule = Callable[[Graph, HardwareProfile], list[Finding]]
#: Design-rule checks, in the order they run; each returns violations.
CHECKS: list[Rule] = []
#: Informational rules, in the order they run; each returns notes.
NOTES: list[Rule] = []
#: Profile fields each rule needs, by rule function name.
RULE_NEEDS: dict[str, tuple[str, ...]] = {}


def _register(registry: list[Rule], needs: tuple[str, ...]) -> Callable[[Rule], Rule]:
    def register(rule: Rule) -> Rule:
        registry.append(rule)
        RULE_NEEDS[rule.__name__] = needs
        return rule

    return register


def check(*needs: str) -> Callable[[Rule], Rule]:
    """Decorator adding a rule to :data:`CHECKS`; ``needs`` names the profile fields it reads."""
    return _register(CHECKS, needs)


def note(*needs: str) -> Callable[[Rule], Rule]:
    """Decorator adding a rule to :data:`NOTES`; ``needs`` names the profile fields it reads."""
    return _register(NOTES, needs)


def _fixed_neurons(graph: Graph, **wanted) -> Iterator[tuple[str, Node]]:
    """Fixed-point neuron layers whose traits equal every ``name=value`` given."""
    for name, node in graph.neurons():
        if node.domain == "fixed" and all(getattr(node.traits, k) == v for k, v in wanted.items()):
            yield name, node


def _fixed_synapses(graph: Graph, connectivity: str | None = None) -> Iterator[tuple[str, Node]]:
    """Fixed-point synapse sets (of one ``connectivity``, or all), a recurrent layer's own as
    ``<layer>.recurrent``."""
    for name, node in weighted_synapses(graph):
        if node.domain == "fixed" and connectivity in (None, node.traits.connectivity):
            yield name, node


def _outside(
    layer: str, rule: str, what: str, values: int | np.ndarray, low: int, high: int
) -> list[Finding]:
    """A violation when ``values`` leave ``[low, high]``."""
    values = np.asarray(values)
    if values.size == 0:
        return []
    lowest, highest = int(values.min()), int(values.max())
    if low <= lowest and highest <= high:
        return []
    actual = lowest if lowest == highest else [lowest, highest]
    return [
        Violation(
            layer,
            rule,
            [low, high],
            actual,
            f"{what} = {_cell(actual)} is outside the hardware's range [{low}, {high}]",
        )
    ]


def _above(
    kind: type[Finding], layer: str, rule: str, limit: int, actual: int, message: str
) -> list[Finding]:
    """A finding of ``kind`` when ``actual`` exceeds ``limit``."""
    return [kind(layer, rule, limit, actual, message)] if actual > limit else []


def _fed_neurons(graph: Graph) -> Iterator[tuple[str, list[tuple[Node, tuple[int, ...]]]]]:
    """(neuron name, [(weighted synapse, its input shape)]) for each neuron layer.

    A recurrent layer lists its own synapses after the feed-forward ones.
    """
    shapes = graph.shapes()
    for name, node in graph.neurons():
        synapse_name = graph.predecessor(name)
        synapse = graph.nodes[synapse_name]
        if has_weight_matrix(synapse):
            fed = [(synapse, shapes[graph.predecessor(synapse_name)])]
            if node.traits.recurrent:
                fed.append((recurrent_synapse(node), shapes[name]))
            yield name, fed


def _synapse_weight_bits(node: Node, profile: HardwareProfile) -> int:
    """Weight bits each synapse of a fixed layer keeps (a conv keeps the profile's all)."""
    if node.traits.connectivity == "dense":
        return min(int(node.num_weight_bits), profile.weight_bits)
    return profile.weight_bits


@check("weight_exp_min", "weight_exp_max")
def weight_exp_in_range(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """A synapse layer's weight exponent lies in the profile's range."""
    found = []
    for name, node in _fixed_synapses(graph):
        found += _outside(
            name,
            "weight_exp",
            "weight_exp",
            node.weight_exp,
            profile.weight_exp_min,
            profile.weight_exp_max,
        )
    return found


@check()
def num_weight_bits_in_range(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """A dense layer asks for between 1 and the profile's weight bits."""
    found = []
    for name, node in _fixed_synapses(graph, "dense"):
        found += _outside(
            name, "num_weight_bits", "num_weight_bits", node.num_weight_bits, 1, profile.weight_bits
        )
    return found


@check()
def weight_mantissas_in_range(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Mantissas fit the synapse register of their sign mode (else Lava clips them)."""
    top = 1 << profile.weight_bits
    ranges = {"excitatory": (0, top - 1), "inhibitory": (1 - top, 0), "mixed": (-top, top - 1)}
    found = []
    for name, node in _fixed_synapses(graph):
        mode = sign_mode(node.weight)
        low, high = ranges[mode]
        found += _outside(name, "weight_range", f"{mode} weight mantissas", node.weight, low, high)
    return found


@check()
def weight_mantissas_fit_bits(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Mantissas need no more significant bits than the synapse keeps (sign included)."""
    found = []
    for name, node in _fixed_synapses(graph):
        needed = significant_weight_bits(node.weight, profile.weight_bits)
        kept = _synapse_weight_bits(node, profile)
        mode = sign_mode(node.weight)
        sign = " (sign included)" if mode == "mixed" else ""
        found += _above(
            Violation,
            name,
            "weight_bits",
            kept,
            needed,
            f"{mode} weight mantissas need {needed} bits{sign}, the synapse keeps {kept}: "
            f"the lowest {needed - kept} bit(s) would be dropped",
        )
    return found


@check()
def decays_in_range(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """``du`` and ``dv`` fit the profile's decay bits."""
    high = (1 << profile.decay_bits) - 1
    found = []
    for name, node in _fixed_neurons(graph, leak="multiply"):
        found += _outside(name, "decay", "du", node.du, 0, high)
        found += _outside(name, "decay", "dv", node.dv, 0, high)
    return found


@check()
def threshold_in_range(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """``vth`` fits the profile's (unsigned) threshold bits."""
    high = (1 << profile.threshold_bits) - 1
    found = []
    for name, node in _fixed_neurons(graph, threshold=True):
        found += _outside(name, "threshold", "vth", node.vth, 0, high)
    return found


@check()
def bias_in_range(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Bias mantissas fit the profile's signed bits; the bias exponent lies in its range."""
    half = 1 << (profile.bias_mant_bits - 1)
    found = []
    for name, node in _fixed_neurons(graph):
        found += _outside(name, "bias_mant", "bias_mant", node.bias_mant, -half, half - 1)
        found += _outside(
            name, "bias_exp", "bias_exp", node.bias_exp, profile.bias_exp_min, profile.bias_exp_max
        )
    return found


@check("input_axons_per_core")
def fan_in_fits_axons(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """No neuron receives from more presynaptic neurons than one core has input axons."""
    limit = profile.input_axons_per_core
    found = []
    for name, fed in _fed_neurons(graph):
        most = int(sum(fan_in(synapse, shape) for synapse, shape in fed).max(initial=0))
        found += _above(
            Violation,
            name,
            "fan_in",
            limit,
            most,
            f"a neuron receives {most} inputs but a core has {limit} input axons, so it "
            f"can never be mapped: narrow its input or add a layer in between",
        )
    return found


@check("synaptic_memory_bits_per_core")
def neuron_synapses_fit_memory(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """One neuron's weights alone (fan-in x weight bits) fit one core's synaptic memory."""
    limit = profile.synaptic_memory_bits_per_core
    found = []
    for name, fed in _fed_neurons(graph):
        if fed[0][0].domain != "fixed":
            continue
        per_neuron = sum(
            fan_in(synapse, shape) * _synapse_weight_bits(synapse, profile)
            for synapse, shape in fed
        )
        bits = int(per_neuron.max(initial=0))
        found += _above(
            Violation,
            name,
            "synaptic_memory",
            limit,
            bits,
            f"one neuron's weights take at least {bits} bits, more than a core's {limit} bits "
            f"of synaptic memory",
        )
    return found


@note()
def layers_needing_split(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Neuron layers larger than one core: they must be split across cores."""
    limit = profile.neurons_per_core
    found = []
    for name, node in graph.neurons():
        size = int(math.prod(node.shape))
        found += _above(
            Note,
            name,
            "needs_split",
            limit,
            size,
            f"{size} neurons exceed one core's {limit}: split over at least "
            f"{math.ceil(size / limit)} cores",
        )
    return found


@note()
def conv_sums_exact_in_float32(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Conv partial sums that can pass 2**24, where Lava's float32 conv stops being exact."""
    found = []
    for name, node in _fixed_synapses(graph, "conv"):
        peak = conv_peak_sum(node)
        found += _above(
            Note,
            name,
            "conv_float32",
            FLOAT32_EXACT,
            peak,
            f"a conv sum can reach {peak} > 2**24: Lava's float32 conv may round it, so Lava "
            f"and the emulator can differ on this layer",
        )
    return found


@dataclasses.dataclass
class DrcReport:
    """Everything :func:`check_graph` found, for people and for machines."""

    #: Name of the profile checked against.
    profile: str
    #: Rules broken; empty when the graph fits.
    violations: list[Violation]
    #: Information: layers to split, rules not checked, risks.
    notes: list[Note]

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def to_json(self) -> str:
        """The report as a JSON document."""
        return json.dumps(
            {
                "profile": self.profile,
                "ok": self.ok,
                "violations": [dataclasses.asdict(v) for v in self.violations],
                "notes": [dataclasses.asdict(n) for n in self.notes],
            },
            indent=2,
        )

    def format_table(self) -> str:
        """The report as a fixed-width text table."""
        verdict = "fits" if self.ok else f"{len(self.violations)} violation(s)"
        rows = [("kind", "layer", "rule", "limit", "actual", "message")]
        for kind, findings in (("violation", self.violations), ("note", self.notes)):
            rows += [
                (kind, f.layer, f.rule, _cell(f.limit), _cell(f.actual), f.message)
                for f in findings
            ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [f"design rules vs {self.profile}: {verdict}"]
        lines += ["  ".join(map(str.ljust, row, widths)).rstrip() for row in rows]
        return "\n".join(lines)


def _cell(value: int | list[int] | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return f"[{value[0]}, {value[1]}]"
    return str(value)


def _unchecked(rule: Rule, profile: HardwareProfile) -> Note | None:
    missing = [field for field in RULE_NEEDS[rule.__name__] if getattr(profile, field) is None]
    if not missing:
        return None
    return Note(
        "*",
        "unchecked",
        None,
        None,
        f"{rule.__name__} not checked: profile {profile.name} does not give {', '.join(missing)}",
    )


def check_graph(graph: Graph, profile: HardwareProfile) -> DrcReport:
    """Run every rule of :data:`CHECKS` and :data:`NOTES` on ``graph``."""
    violations: list[Violation] = []
    notes: list[Note] = []
    if graph.domain() != "fixed":
        notes.append(
            Note(
                "*",
                "unchecked",
                None,
                None,
                f"graph is {graph.domain()}: bit-width rules only look at fixed-point nodes",
            )
        )
    for registry, found in ((CHECKS, violations), (NOTES, notes)):
        for rule in registry:
            skipped = _unchecked(rule, profile)
            if skipped is not None:
                notes.append(skipped)
            else:
                found += rule(graph, profile)
    return DrcReport(profile.name, violations, notes)


def raise_for_violations(report: DrcReport) -> None:
    """Raise one :class:`DesignRuleError` listing every violation; do nothing when ok."""
    if report.ok:
        return
    listed = "; ".join(
        f"{v.layer} {v.rule} (limit {_cell(v.limit)}, actual {_cell(v.actual)})"
        for v in report.violations
    )
    raise DesignRuleError(
        f"graph breaks {len(report.violations)} design rule(s) of {report.profile}: {listed}"
    )
