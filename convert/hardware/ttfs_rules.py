"""Design rules of the TTFS kinds: kernel tables that fit their registers.

A TTFS layer's payload table must fit its graded spikes' bits, its threshold table the
signed ``v`` register, and the potential that payloads times weights can build up
(:mod:`pumice.convert.ttfs_state`) must stay inside ``v`` too, or it would saturate.
"""

from __future__ import annotations

from pumice.convert.hardware.drc import Finding, Violation, _outside, check
from pumice.convert.hardware.profile import HardwareProfile
from pumice.convert.ir import FixedTTFSNeuron, FixedTTFSReadout, Graph
from pumice.convert.ir.ttfs import MAX_PAYLOAD_BITS
from pumice.convert.semantics.lif import effective_bias
from pumice.convert.ttfs_state import (
    feeding_source,
    largest_payload,
    potential_span,
    synapse_weight,
)


def _ttfs_layers(graph: Graph, spiking: bool | None = None):
    """Fixed-point TTFS neurons (``spiking``) or readouts (not), or both (None)."""
    kinds = {True: (FixedTTFSNeuron,), False: (FixedTTFSReadout,)}
    wanted = kinds.get(spiking, (FixedTTFSNeuron, FixedTTFSReadout))
    for name, node in graph.neurons():
        if type(node) in wanted:
            yield name, node


@check()
def ttfs_payloads_fit_bits(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Every payload fits the layer's graded spikes: 1 to ``2**payload_bits - 1``."""
    found = []
    for name, node in _ttfs_layers(graph, spiking=True):
        bits = min(int(node.payload_bits), MAX_PAYLOAD_BITS)
        found += _outside(name, "ttfs_payload", "payload table", node.payload, 1, (1 << bits) - 1)
    return found


@check()
def ttfs_thresholds_fit_state(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Every threshold entry is a positive value the signed ``v`` register holds."""
    high = (1 << (profile.v_bits - 1)) - 1
    found = []
    for name, node in _ttfs_layers(graph, spiking=True):
        found += _outside(name, "ttfs_threshold", "threshold table", node.threshold, 1, high)
    return found


@check()
def ttfs_potential_fits_state(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Payloads times weights (plus the bias) can never leave the signed ``v`` register."""
    high = (1 << (profile.v_bits - 1)) - 1
    shapes = graph.shapes()
    found = []
    for name, node in _ttfs_layers(graph):
        synapse = graph.predecessor(name)
        payload = largest_payload(graph.nodes[feeding_source(graph, synapse)])
        weight = synapse_weight(graph.nodes[synapse], shapes[graph.predecessor(synapse)][0])
        bias = effective_bias(node, tuple(node.shape))
        low, top = potential_span(weight, bias, payload, tuple(node.shape))
        if -high <= low and top <= high:
            continue
        reach = int(max(-low, top))
        found.append(
            Violation(
                name,
                "ttfs_potential",
                high,
                reach,
                f"payloads (up to {int(payload)}) times weights can drive v to +-{reach}, "
                f"beyond the {profile.v_bits}-bit state's {high}: the kernel table overflows "
                "the state bits; re-quantise with smaller weights or payloads",
            )
        )
    return found
