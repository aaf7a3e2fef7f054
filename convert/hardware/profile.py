"""Hardware limits as data: a ``hw_profiles/*.toml`` file loaded into one frozen dataclass.

Fields without a default must appear in every profile; the others may be left out where
no public source gives the number, and are then ``None`` ("not known").
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from pathlib import Path

from pumice.errors import PumiceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: Folder of the profiles shipped with pumice.
PROFILES_DIR = Path(__file__).resolve().parents[2] / "hw_profiles"
#: Names :func:`load_profile` accepts besides a path.
PROFILE_NAMES = tuple(sorted(path.stem for path in PROFILES_DIR.glob("*.toml")))


class ProfileError(PumiceError):
    """A hardware profile that is missing, unreadable, or has a missing, unknown or bad field."""


@dataclasses.dataclass(frozen=True)
class HardwareProfile:
    """One chip generation's limits; every number's source is a comment in its TOML file."""

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


#: Numeric fields that may be zero or negative (exponent bounds); every other number is > 0.
SIGNED_FIELDS = frozenset({"bias_exp_min", "bias_exp_max", "weight_exp_min", "weight_exp_max"})
#: (lower, upper) bound fields whose order is checked.
_RANGES = (("bias_exp_min", "bias_exp_max"), ("weight_exp_min", "weight_exp_max"))


def field_types() -> dict[str, type]:
    """Each field's value type (``int``, ``float`` or ``str``), optional or not."""
    hints = typing.get_type_hints(HardwareProfile)
    result = {}
    for name, hint in hints.items():
        if isinstance(hint, types.UnionType):
            hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        result[name] = hint
    return result


def required_fields() -> list[str]:
    """Fields every profile must give."""
    return [f.name for f in dataclasses.fields(HardwareProfile) if f.default is dataclasses.MISSING]


def _expected(name: str, kind: type) -> str:
    if kind is str:
        return "a string"
    sign = "an" if name in SIGNED_FIELDS else "a positive"
    return f"{sign} {'number' if kind is float else 'integer'}"


def _convert(source: str, name: str, value: object, kind: type) -> object:
    """``value`` as ``kind``, or :class:`ProfileError` naming the field and what it expects."""
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        raise ProfileError(
            f"{source}: field '{name}' is {type(value).__name__} {value!r}; "
            f"expected {_expected(name, kind)}"
        )
    if kind is not str and name not in SIGNED_FIELDS and value <= 0:
        raise ProfileError(f"{source}: field '{name}' is {value}; expected {_expected(name, kind)}")
    return value


def profile_from_dict(data: dict, source: str) -> HardwareProfile:
    """Check ``data`` (a parsed TOML table) field by field and build the profile."""
    kinds = field_types()
    unknown = sorted(set(data) - set(kinds))
    if unknown:
        raise ProfileError(
            f"{source}: unknown field(s) {', '.join(unknown)}; expected fields: {', '.join(kinds)}"
        )
    missing = [name for name in required_fields() if name not in data]
    if missing:
        raise ProfileError(
            f"{source}: missing field(s) {', '.join(missing)}; every profile needs: "
            f"{', '.join(required_fields())}"
        )
    values = {name: _convert(source, name, value, kinds[name]) for name, value in data.items()}
    for low, high in _RANGES:
        if (low in values) != (high in values):
            raise ProfileError(f"{source}: give both {low} and {high}, or neither")
        if low in values and values[low] > values[high]:
            raise ProfileError(
                f"{source}: {low} = {values[low]} > {high} = {values[high]}; expected {low} "
                f"<= {high}"
            )
    return HardwareProfile(**values)


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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        reason = " ".join(str(err).split())
        raise ProfileError(f"{path}: cannot read the profile ({reason})") from err
    return profile_from_dict(data, str(path))
