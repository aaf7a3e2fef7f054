"""TOML tables <-> frozen dataclasses, strictly: the one loader of pumice's TOML files.

A table becomes a dataclass only if every key is a field, every required field is given
and every value has its field's type (``int``, finite ``float``, ``str``, ``bool``,
``Literal[...]``, ``X | None``). Impossible values are refused by the dataclass itself:
its ``__post_init__`` calls :func:`check`, and the loader adds where the value was.

Every error is one line starting with ``where``, a prefix that reads well before a key
name: ``"run.toml:"`` for a file's top level, ``"run.toml: [train]"`` for a section.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pumice.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

T = TypeVar("T")


class InvalidValue(ConfigError):
    """A value a dataclass refused; the loader adds the file and section."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key} {problem}")
        self.key = key
        self.problem = problem


def check(ok: bool, key: str, problem: str) -> None:
    """Raise :class:`InvalidValue` for ``key`` unless ``ok`` (call it in ``__post_init__``)."""
    if not ok:
        raise InvalidValue(key, problem)


def read_toml(
    path: str | os.PathLike, what: str, error: type[ConfigError] = ConfigError
) -> dict[str, Any]:
    """The parsed TOML file at ``path``; ``what`` names the file kind in errors."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read {what} ({_one_line(exc)})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: invalid TOML ({_one_line(exc)})") from None


def from_table(
    cls: type[T],
    table: Mapping[str, Any],
    where: str,
    *,
    error: type[ConfigError] = ConfigError,
    also_allowed: tuple[str, ...] = (),
) -> T:
    """Dataclass ``cls`` from ``table``, checking keys, types and values.

    ``also_allowed`` names keys the caller reads itself (listed as allowed, not passed on).
    """
    fields = {field.name: field for field in dataclasses.fields(cls)}
    reject_unknown(
        (key for key in table if key not in also_allowed),
        [*also_allowed, *fields],
        where,
        error=error,
    )
    required = [name for name, field in fields.items() if _is_required(field)]
    missing = [name for name in required if name not in table]
    if missing:
        raise error(
            f"{where} missing required {_keys(missing)}; required keys: {', '.join(required)}"
        )
    hints = typing.get_type_hints(cls)
    values = {
        name: _coerce(table[name], hints[name], f"{where} {name}", error)
        for name in fields
        if name in table
    }
    return construct(cls, values, where, error=error)


def construct(
    cls: type[T], values: Mapping[str, Any], where: str, *, error: type[ConfigError] = ConfigError
) -> T:
    """``cls(**values)``, its :class:`InvalidValue` turned into an ``error`` at ``where``."""
    try:
        return cls(**values)
    except InvalidValue as exc:
        raise error(f"{where} {exc.key} {exc.problem}") from None


def reject_unknown(
    keys: Iterable[str],
    allowed: Iterable[str],
    where: str,
    what: str = "key",
    *,
    error: type[ConfigError] = ConfigError,
) -> None:
    """Raise ``error`` naming the ``keys`` not in ``allowed``, and listing ``allowed``."""
    allowed = list(allowed)
    unknown = [key for key in keys if key not in allowed]
    if unknown:
        raise error(
            f"{where} unknown {_keys(unknown, what)}; allowed {what}s: {', '.join(allowed)}"
        )


def type_name(value: Any) -> str:
    """TOML name of a parsed value's type, with its article, for error messages."""
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def as_table(obj: Any) -> dict[str, Any]:
    """A flat dataclass as a TOML-shaped dict, its None fields left out."""
    items = ((field.name, getattr(obj, field.name)) for field in dataclasses.fields(obj))
    return {key: value for key, value in items if value is not None}


def toml_lines(table: Mapping[str, Any]) -> list[str]:
    """``key = value`` lines of a flat table of str, int, float and bool values."""
    # JSON string, number and boolean syntax is valid TOML for these values.
    return [f"{key} = {json.dumps(value)}" for key, value in table.items()]


_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "a table",
}


def _is_required(field: dataclasses.Field) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def _keys(names: list[str], what: str = "key") -> str:
    """``key 'a'`` or ``keys 'a', 'b'``."""
    plural = "s" if len(names) > 1 else ""
    return f"{what}{plural} " + ", ".join(f"'{name}'" for name in names)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _coerce(value: Any, hint: Any, where: str, error: type[ConfigError]) -> Any:
    """``value`` checked against a field type; an int given for a float becomes a float."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices or type(value) not in {type(choice) for choice in choices}:
            allowed = ", ".join(repr(choice) for choice in choices)
            raise error(f"{where} must be one of {allowed}, got {value!r}")
        return value
    if origin in (typing.Union, types.UnionType):
        # ``X | None``: TOML has no null, so a given value is always an X.
        (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _coerce(value, inner, where, error)
    if hint is float and type(value) in (int, float):
        if not math.isfinite(value):
            raise error(f"{where} must be a finite number, got {value}")
        return float(value)
    if hint not in _TYPE_NAMES:
        raise TypeError(f"{where}: a field of type {hint!r} cannot be read from TOML")
    if type(value) is not hint:
        raise error(f"{where} must be {_TYPE_NAMES[hint]}, got {type_name(value)} {value!r}")
    return value
