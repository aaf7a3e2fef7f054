"""Energy per inference from a profile's per-operation energies (Loihi 1: Davies et al. 2018).

Model: every synaptic operation, neuron update (active or inactive), spike message and mesh
hop costs its profile figure. A message costs one within-tile spike (its delivery) plus its
hops, east-west hops along mesh columns and north-south hops along rows, counted on
Manhattan routes (an approximation: the real route and the mesh's orientation are not
published). Messages between chips have no published figure and add nothing.
"""

from __future__ import annotations

from pumice.convert.hardware import HardwareProfile

#: Profile fields the model needs.
ENERGY_FIELDS = (
    "energy_synop_pj",
    "energy_neuron_active_pj",
    "energy_neuron_inactive_pj",
    "energy_spike_in_tile_pj",
    "energy_hop_east_west_pj",
    "energy_hop_north_south_pj",
)

_PICO = 1e-12


def energy_breakdown(
    per_inference: dict[str, float], profile: HardwareProfile
) -> tuple[dict[str, float] | None, list[str]]:
    """Joules per inference by kind of operation, and notes on what is missing or left out.

    ``per_inference`` holds the report's per-inference counts (``synaptic_ops_total``,
    ``neuron_updates_total``, ``neuron_updates_active_total``, ``messages_total``,
    ``mesh_hops_east_west_total``, ``mesh_hops_north_south_total``,
    ``inter_chip_messages_total``). None when the profile lacks a figure.
    """
    missing = [field for field in ENERGY_FIELDS if getattr(profile, field) is None]
    if missing:
        return None, [
            f"profile {profile.name} gives no per-operation energy ({', '.join(missing)}): "
            f"energy not estimated"
        ]
    if per_inference["mesh_hops_east_west_total"] is None:
        return None, [f"profile {profile.name} gives no mesh size: hop energy, so energy, unknown"]
    active = per_inference["neuron_updates_active_total"]
    inactive = per_inference["neuron_updates_total"] - active
    breakdown = {
        "synaptic_ops": per_inference["synaptic_ops_total"] * profile.energy_synop_pj,
        "neuron_updates": active * profile.energy_neuron_active_pj
        + inactive * profile.energy_neuron_inactive_pj,
        "spike_messages": per_inference["messages_total"] * profile.energy_spike_in_tile_pj,
        "mesh_hops": per_inference["mesh_hops_east_west_total"] * profile.energy_hop_east_west_pj
        + per_inference["mesh_hops_north_south_total"] * profile.energy_hop_north_south_pj,
    }
    notes = [
        "energy: each message costs one within-tile spike plus its mesh hops (Manhattan "
        "route; east-west = along the columns as the profile reads its mesh): approximate"
    ]
    if per_inference["inter_chip_messages_total"]:
        notes.append("messages between chips have no published energy: not included")
    return {kind: value * _PICO for kind, value in breakdown.items()}, notes
