"""Design rules of graded spikes: what a spike carries must fit the chip's spikes.

Loihi 2's spikes carry an integer payload; Loihi 1's are bare events
(``spike_payload_bits = 0``). The senders are the kinds with the ``graded`` trait: an
IMSNN payload router, a TTFS layer, a graph input of graded spikes.
"""

from __future__ import annotations

from collections.abc import Iterator

from pumice.convert.hardware.drc import Finding, Note, Violation, _above, check, note
from pumice.convert.hardware.profile import HardwareProfile
from pumice.convert.ir import Graph, Node


def graded_spikes_remedy(routed: bool) -> str:
    """What to do when a chip cannot carry a sender's graded spikes (``routed``: the
    sender is an IMSNN payload router, which has a binary lowering)."""
    if routed:
        return "lower the ISI synapses to bins instead (pumice convert --isi-lowering bins)"
    return "its spikes carry their values, so it needs a chip with graded spikes (loihi2)"


def _graded(graph: Graph) -> Iterator[tuple[str, Node]]:
    """Fixed-point and structural senders of graded spikes."""
    for name, node in graph.nodes.items():
        if node.traits.graded and node.domain != "float":
            yield name, node


@check()
def graded_spikes_fit(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Graded spikes carry no more bits than the chip's spikes."""
    limit = profile.spike_payload_bits
    found = []
    if limit is None:  # see graded_spikes_unchecked
        return found
    what = "binary spikes only" if limit == 0 else f"payloads of at most {limit} bits"
    for name, node in _graded(graph):
        bits = node.message_bits
        remedy = graded_spikes_remedy(node.traits.payload_router)
        found += _above(
            Violation,
            name,
            "spike_payload",
            limit,
            bits,
            f"sends {bits}-bit graded spikes but {profile.name} sends {what}: {remedy}",
        )
    return found


@note()
def graded_spikes_unchecked(graph: Graph, profile: HardwareProfile) -> list[Finding]:
    """Graded spikes on a profile that does not say how wide its spikes' payloads are."""
    if profile.spike_payload_bits is not None:
        return []
    return [
        Note(
            name,
            "spike_payload",
            None,
            node.message_bits,
            f"sends {node.message_bits}-bit graded spikes; profile {profile.name} does not "
            f"give spike_payload_bits, so they are not checked",
        )
        for name, node in _graded(graph)
    ]
