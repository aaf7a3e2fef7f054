"""Hardware profiles: the shipped ones load with sane numbers; bad files give one-line errors."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from pumice.convert.hardware import PROFILE_NAMES, ProfileError, load_profile
from pumice.convert.hardware.profile import (
    SIGNED_FIELDS,
    ZERO_FIELDS,
    profile_from_dict,
    required_fields,
)


def write_profile(path, fields: dict):
    """A TOML file holding ``fields`` (JSON scalars are TOML scalars)."""
    path.write_text("".join(f"{key} = {json.dumps(value)}\n" for key, value in fields.items()))
    return path


def loihi1_fields() -> dict:
    """Every field the shipped loihi1 profile gives."""
    profile = load_profile("loihi1")
    return {k: v for k, v in dataclasses.asdict(profile).items() if v is not None}


def test_shipped_profiles_are_listed():
    assert {"loihi1", "loihi2"} <= set(PROFILE_NAMES)


@pytest.mark.parametrize("name", ["loihi1", "loihi2"])
def test_shipped_profile_numbers_are_positive_and_consistent(name):
    profile = load_profile(name)
    assert profile.name == name
    numbers = {
        k: v
        for k, v in dataclasses.asdict(profile).items()
        if isinstance(v, int | float) and k not in SIGNED_FIELDS | ZERO_FIELDS
    }
    assert numbers, "a profile without numbers"
    assert all(value > 0 for value in numbers.values()), numbers
    assert profile.bias_exp_min <= profile.bias_exp_max
    assert profile.mesh_rows * profile.mesh_cols == profile.cores_per_chip


def test_sourced_numbers():
    loihi1, loihi2 = load_profile("loihi1"), load_profile("loihi2")
    # nengo-loihi block.py and validate.py
    assert (loihi1.neurons_per_core, loihi1.input_axons_per_core) == (1024, 4096)
    assert loihi1.synaptic_memory_bits_per_core == 1 << 20
    assert (loihi1.weight_exp_min, loihi1.weight_exp_max) == (-7, 7)
    assert loihi1.energy_synop_pj == pytest.approx(23.6)
    # lava-nc 0.10 PyLifModelBitAcc precisions
    assert (loihi2.decay_bits, loihi2.threshold_bits, loihi2.bias_mant_bits) == (12, 17, 13)
    assert loihi2.neurons_per_core == 8 * loihi1.neurons_per_core
    # left out where no source was found
    assert loihi2.input_axons_per_core is None and loihi2.energy_synop_pj is None
    # binary spikes on Loihi 1, graded ones (Lava's 24-bit payloads) on Loihi 2
    assert (loihi1.spike_payload_bits, loihi2.spike_payload_bits) == (0, 24)


def test_load_by_path_matches_load_by_name(tmp_path):
    path = write_profile(tmp_path / "copy.toml", loihi1_fields())
    assert load_profile(path) == load_profile("loihi1")
    assert load_profile(str(path)) == load_profile("loihi1")


def _error(tmp_path, fields: dict) -> str:
    path = write_profile(tmp_path / "bad.toml", fields)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def test_missing_field_is_named_with_what_is_expected(tmp_path):
    fields = loihi1_fields()
    del fields["neurons_per_core"]
    message = _error(tmp_path, fields)
    assert "missing required key 'neurons_per_core'; required keys: name," in message
    assert all(name in message for name in required_fields())


def test_unknown_field_is_named_with_the_known_ones(tmp_path):
    message = _error(tmp_path, {**loihi1_fields(), "neurons_per_cor": 1024})
    assert "unknown key 'neurons_per_cor'; allowed keys: name," in message
    assert "input_axons_per_core" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("cores_per_chip", "128", "must be an integer, got a string '128'"),
        ("cores_per_chip", 128.0, "must be an integer, got a number 128.0"),
        ("cores_per_chip", True, "must be an integer, got a boolean True"),
        ("energy_synop_pj", "23.6", "must be a number, got a string '23.6'"),
        ("weight_exp_min", 1.5, "must be an integer, got a number 1.5"),
        ("name", 1, "must be a string, got an integer 1"),
        ("neurons_per_core", 0, "must be > 0, got 0"),
        ("energy_synop_pj", -1.5, "must be > 0, got -1.5"),
    ],
)
def test_wrong_type_or_value_names_the_field(tmp_path, field, value, expected):
    message = _error(tmp_path, {**loihi1_fields(), field: value})
    assert f"bad.toml: {field} {expected}" in message


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
def test_non_finite_number_is_refused(tmp_path, value):
    fields = loihi1_fields()
    del fields["energy_synop_pj"]
    path = write_profile(tmp_path / "bad.toml", fields)
    path.write_text(path.read_text() + f"energy_synop_pj = {value}\n")  # JSON has no nan
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert f"bad.toml: energy_synop_pj must be a finite number, got {value.lstrip('+')}" in str(
        caught.value
    )


def test_non_finite_number_in_a_table_is_refused():
    with pytest.raises(ProfileError, match="x.toml: energy_hop_east_west_pj must be a finite"):
        profile_from_dict({**loihi1_fields(), "energy_hop_east_west_pj": math.inf}, "x.toml")


def test_integer_energy_is_accepted_as_a_float(tmp_path):
    path = write_profile(tmp_path / "int.toml", {**loihi1_fields(), "energy_synop_pj": 24})
    value = load_profile(path).energy_synop_pj
    assert value == 24.0 and isinstance(value, float)


def test_range_bounds_must_be_ordered_and_paired(tmp_path):
    message = _error(tmp_path, {**loihi1_fields(), "weight_exp_min": 8})
    assert "bad.toml: weight_exp_min must be <= weight_exp_max (7), got 8" in message
    fields = loihi1_fields()
    del fields["weight_exp_max"]
    message = _error(tmp_path, fields)
    assert "bad.toml: weight_exp_max must be given with weight_exp_min" in message
    fields = loihi1_fields()
    del fields["weight_exp_min"]
    message = _error(tmp_path, fields)
    assert "bad.toml: weight_exp_min must be given with weight_exp_max" in message


def test_unreadable_toml_and_unknown_name(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("neurons_per_core = = 3\n")
    with pytest.raises(ProfileError, match=r"broken.toml: invalid TOML \(") as caught:
        load_profile(path)
    assert "\n" not in str(caught.value)
    with pytest.raises(ProfileError, match="no hardware profile 'loihi9': expected one of"):
        load_profile("loihi9")
