"""Hardware limits as data: a ``hw_profiles/*.toml`` file loaded into one frozen dataclass.

Fields without a default must appear in every profile; the others may be left out where
no public source gives the number, and are then ``None`` ("not known").
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

from pumice.errors import ConfigError
from pumice.toml_dataclass import check, from_table, read_toml

#: Folder of the profiles shipped with pumice: the package data ``pumice.hw_profiles``.
PROFILES_DIR = Path(resources.files("pumice.hw_profiles"))
#: Names :func:`load_profile` accepts besides a path.
PROFILE_NAMES = tuple(sorted(path.stem for path in PROFILES_DIR.glob("*.toml")))


class ProfileError(ConfigError):
    """A hardware profile that is missing, unreadable, or has a missing, unknown or bad field."""


#: Numeric fields that may be zero or negative (exponent bounds); every other number is > 0.
SIGNED_FIELDS = frozenset({"bias_exp_min", "bias_exp_max", "weight_exp_min", "weight_exp_max"})
#: Numeric fields that may be zero but not negative.
ZERO_FIELDS = frozenset({"spike_payload_bits"})
#: (lower, upper) bound fields: both or neither given, in order.
_RANGES = (("bias_exp_min", "bias_exp_max"), ("weight_exp_min", "weight_exp_max"))


@dataclasses.dataclass(frozen=True)
class HardwareProfile:
    """One chip generation's limits; every number's source is a comment in its TOML file.

    Numbers are > 0 except :data:`SIGNED_FIELDS`, finite, and bound pairs are ordered.
    """

    #: Profile name, e.g. "loihi1".
    name: str
    #: Neurons (compartments) one core holds.
    neurons_per_core: int
    #: Neuromorphic cores on one chip.
    cores_per_chip: int
    #: Weight mantissa bits a synapse holds (mixed-sign synapses spend one on the sign).
    weight_bits: int
    #: Width of the signed current state ``u``.
    u_bits: int
    #: Width of the signed voltage state ``v``.
    v_bits: int
    #: Width of the unsigned decays ``du`` and ``dv``.
    decay_bits: int
    #: Width of the unsigned threshold mantissa ``vth``.
    threshold_bits: int
    #: Width of the signed (two's complement) bias mantissa.
    bias_mant_bits: int
    #: Smallest bias exponent.
    bias_exp_min: int
    #: Largest bias exponent.
    bias_exp_max: int
    #: Input axons one core holds: a neuron's fan-in must fit.
    input_axons_per_core: int | None = None
    #: Output axons one core holds.
    output_axons_per_core: int | None = None
    #: Synaptic memory of one core, in bits.
    synaptic_memory_bits_per_core: int | None = None
    #: Smallest weight exponent of a synapse.
    weight_exp_min: int | None = None
    #: Largest weight exponent of a synapse.
    weight_exp_max: int | None = None
    #: Compartment prototypes (decay/refractory configurations) one core holds.
    compartment_prototypes_per_core: int | None = None
    #: Threshold prototypes one core holds.
    threshold_prototypes_per_core: int | None = None
    #: Synapse formats one core holds.
    synapse_formats_per_core: int | None = None
    #: Rows of the on-chip core mesh.
    mesh_rows: int | None = None
    #: Columns of the on-chip core mesh.
    mesh_cols: int | None = None
    #: Board the chip count refers to.
    board: str | None = None
    #: Chips on that board.
    chips_per_board: int | None = None
    #: Energy of one synaptic operation, pJ.
    energy_synop_pj: float | None = None
    #: Energy of one neuron update without a spike, pJ.
    energy_neuron_inactive_pj: float | None = None
    #: Energy of one neuron update with a spike, pJ.
    energy_neuron_active_pj: float | None = None
    #: Energy of one spike delivered within a tile, pJ.
    energy_spike_in_tile_pj: float | None = None
    #: Energy of one east-west mesh hop, pJ.
    energy_hop_east_west_pj: float | None = None
    #: Energy of one north-south mesh hop, pJ.
    energy_hop_north_south_pj: float | None = None
    #: Widest integer payload a spike carries (graded spikes); 0: binary spikes only.
    spike_payload_bits: int | None = None

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in ZERO_FIELDS and value is not None:
                check(value >= 0, field.name, f"must be >= 0, got {value}")
            elif isinstance(value, int | float) and field.name not in SIGNED_FIELDS:
                check(value > 0, field.name, f"must be > 0, got {value}")
        for low, high in _RANGES:
            low_value, high_value = getattr(self, low), getattr(self, high)
            check(low_value is not None or high_value is None, low, f"must be given with {high}")
            check(high_value is not None or low_value is None, high, f"must be given with {low}")
            if low_value is not None and high_value is not None:
                check(
                    low_value <= high_value,
                    low,
                    f"must be <= {high} ({high_value}), got {low_value}",
                )


def required_fields() -> list[str]:
    """Fields every profile must give."""
    return [f.name for f in dataclasses.fields(HardwareProfile) if f.default is dataclasses.MISSING]


def profile_from_dict(data: dict, source: str) -> HardwareProfile:
    """Check ``data`` (a parsed TOML table) field by field and build the profile."""
    return from_table(HardwareProfile, data, f"{source}:", error=ProfileError)


def profile_path(name_or_path: str | Path) -> Path:
    """The TOML file of a profile name (see :data:`PROFILE_NAMES`) or a path to one."""
    if str(name_or_path) in PROFILE_NAMES:
        return PROFILES_DIR / f"{name_or_path}.toml"
    path = Path(name_or_path)
    if path.suffix != ".toml" or not path.is_file():
        raise ProfileError(
            f"no hardware profile '{name_or_path}': expected one of {', '.join(PROFILE_NAMES)} "
            f"or the path of an existing .toml file"
        )
    return path


def load_profile(name_or_path: str | Path) -> HardwareProfile:
    """Load a profile by name ("loihi1", "loihi2") or from a .toml path."""
    path = profile_path(name_or_path)
    return profile_from_dict(read_toml(path, "hardware profile", ProfileError), str(path))
