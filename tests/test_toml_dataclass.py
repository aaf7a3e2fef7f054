"""The generic TOML -> frozen-dataclass loader: strict keys and types, one-line located errors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pytest

from pumice.errors import ConfigError
from pumice.toml_dataclass import (
    InvalidValue,
    as_table,
    check,
    construct,
    from_table,
    read_toml,
    reject_unknown,
    toml_lines,
)


class SensorError(ConfigError):
    """A made-up file kind's own error type."""


@dataclass(frozen=True)
class Sensor:
    name: str
    rate: float
    channels: int = 1
    mode: Literal["fast", "slow"] = "slow"
    enabled: bool = True
    gain: float | None = None

    def __post_init__(self) -> None:
        check(self.rate > 0, "rate", f"must be > 0, got {self.rate}")


def sensor_error(table: dict, error: type[ConfigError] = ConfigError) -> str:
    with pytest.raises(error) as caught:
        from_table(Sensor, table, "s.toml: [sensor]", error=error)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("s.toml: [sensor] ")
    return message


def test_table_becomes_the_dataclass_with_defaults_and_floats():
    sensor = from_table(Sensor, {"name": "a", "rate": 2, "gain": 0.5}, "s.toml:")
    assert sensor == Sensor(name="a", rate=2.0, gain=0.5)
    assert isinstance(sensor.rate, float)
    assert sensor.channels == 1 and sensor.mode == "slow" and sensor.enabled is True


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("rate", "2", "rate must be a number, got a string '2'"),
        ("rate", True, "rate must be a number, got a boolean True"),
        ("rate", math.nan, "rate must be a finite number, got nan"),
        ("rate", -math.inf, "rate must be a finite number, got -inf"),
        ("rate", 0, "rate must be > 0, got 0.0"),
        ("channels", 2.0, "channels must be an integer, got a number 2.0"),
        ("channels", False, "channels must be an integer, got a boolean False"),
        ("enabled", 1, "enabled must be a boolean, got an integer 1"),
        ("name", ["a"], "name must be a string, got an array ['a']"),
        ("mode", "medium", "mode must be one of 'fast', 'slow', got 'medium'"),
        ("gain", "high", "gain must be a number, got a string 'high'"),
        ("gain", math.inf, "gain must be a finite number, got inf"),
    ],
)
def test_wrong_type_or_value_names_section_and_key(key, value, expected):
    table = {"name": "a", "rate": 1.0, key: value}
    assert sensor_error(table) == f"s.toml: [sensor] {expected}"


def test_unknown_keys_are_all_named_with_the_allowed_ones():
    message = sensor_error({"name": "a", "rate": 1.0, "rat": 1, "chanels": 2})
    assert message == (
        "s.toml: [sensor] unknown keys 'rat', 'chanels'; "
        "allowed keys: name, rate, channels, mode, enabled, gain"
    )


def test_missing_keys_are_all_named_with_the_required_ones():
    assert sensor_error({"channels": 2}) == (
        "s.toml: [sensor] missing required keys 'name', 'rate'; required keys: name, rate"
    )


def test_errors_take_the_callers_error_type():
    assert "rate must be > 0" in sensor_error({"name": "a", "rate": -1.0}, SensorError)
    assert "unknown key 'x'" in sensor_error({"name": "a", "rate": 1.0, "x": 1}, SensorError)


def test_also_allowed_keys_are_listed_and_not_passed_on():
    table = {"kind": "x", "name": "a", "rate": 1.0}
    assert from_table(Sensor, table, "w", also_allowed=("kind",)).name == "a"
    with pytest.raises(ConfigError, match="allowed keys: kind, name, rate,"):
        from_table(Sensor, {"kind": "x", "nam": "a"}, "w", also_allowed=("kind",))


def test_construct_locates_a_dataclass_check():
    with pytest.raises(SensorError, match=r"^f.toml: \[s\] rate must be > 0, got -1$"):
        construct(Sensor, {"name": "a", "rate": -1}, "f.toml: [s]", error=SensorError)
    with pytest.raises(InvalidValue) as caught:
        Sensor(name="a", rate=0.0)
    assert (caught.value.key, caught.value.problem) == ("rate", "must be > 0, got 0.0")


def test_reject_unknown_names_what_it_checks():
    with pytest.raises(ConfigError, match=r"^f: unknown section 'x'; allowed sections: a, b$"):
        reject_unknown(["a", "x"], ["a", "b"], "f:", "section")
    reject_unknown(["a"], ["a", "b"], "f:")


def test_a_field_type_toml_cannot_hold_is_a_programming_error():
    @dataclass(frozen=True)
    class Odd:
        values: tuple[int, ...]

    with pytest.raises(TypeError, match="cannot be read from TOML"):
        from_table(Odd, {"values": [1]}, "f:")


def test_dump_helpers_round_trip(tmp_path):
    sensor = Sensor(name='say "hi"', rate=0.1, mode="fast", enabled=False)
    table = as_table(sensor)
    assert "gain" not in table
    path = tmp_path / "s.toml"
    path.write_text("\n".join(toml_lines(table)))
    assert from_table(Sensor, read_toml(path, "sensor file"), "s.toml:") == sensor


def test_read_toml_errors_are_one_line_and_name_the_file(tmp_path):
    with pytest.raises(SensorError, match=r"absent.toml: sensor file not found$"):
        read_toml(tmp_path / "absent.toml", "sensor file", SensorError)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match=r"binary.toml: cannot read sensor file \("):
        read_toml(binary, "sensor file")
    broken = tmp_path / "broken.toml"
    broken.write_text('a = "unclosed\n')
    with pytest.raises(ConfigError, match=r"broken.toml: invalid TOML \(") as caught:
        read_toml(broken, "sensor file")
    assert "\n" not in str(caught.value)
