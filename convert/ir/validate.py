"""One validation of every graph read from a model file, whatever its format.

:func:`validate_graph` checks, in order: node names; each node's fields against its kind's
type hints (:func:`attribute_problem`: numbers are numbers, every float finite); each
kind's own ranges (:meth:`~.node.Node.field_problem`, Lava's fixed-point formats of
:mod:`.fixed_point` for the fixed kinds); the metadata pumice reads; and that the shapes
chain (:meth:`~.graph.Graph.shapes`) into a runnable graph (:func:`~.checks.check_runnable`).
Every problem is a :class:`ModelError` of one line naming the layer.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import reprlib
import types
import typing

import numpy as np

from pumice.convert.ir.checks import check_runnable
from pumice.convert.ir.graph import Graph
from pumice.convert.ir.node import Node
from pumice.errors import ModelError

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40


def describe(value) -> str:
    """A short one-line description of a field value for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype} and shape {value.shape}"
    return _short.repr(value)


@functools.cache
def field_hints(kind: type[Node]) -> dict[str, object]:
    """Field name -> type hint of each field of a node kind."""
    hints = typing.get_type_hints(kind)
    return {field.name: hints[field.name] for field in dataclasses.fields(kind)}


def _required(kind: type[Node]) -> list[str]:
    missing = dataclasses.MISSING
    return [
        f.name
        for f in dataclasses.fields(kind)
        if f.default is missing and f.default_factory is missing
    ]


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _array_problem(value) -> str | None:
    if not isinstance(value, np.ndarray):
        return f"{describe(value)}, not an array"
    if value.dtype.kind not in "biuf":
        return f"{describe(value)}, not an array of numbers"
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        return "holding NaN or infinite values"
    return None


def _sequence_problem(hint, value) -> str | None:
    if not isinstance(value, tuple | list):
        return f"{describe(value)}, not a tuple"
    args = typing.get_args(hint)
    items = args[:1] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
    if len(items) != len(value):
        return f"{describe(value)}, not a tuple of {len(items)}"
    for item_hint, item in zip(items, value, strict=True):
        if value_problem(item_hint, item) is not None:
            return f"{describe(value)}, holding {describe(item)}"
    return None


def value_problem(hint, value) -> str | None:
    """Why ``value`` does not fit the type ``hint`` (a number finite), or None."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        problems = [value_problem(option, value) for option in typing.get_args(hint)]
        return None if None in problems else problems[0]
    if origin is tuple:
        return _sequence_problem(hint, value)
    if hint is np.ndarray:
        return _array_problem(value)
    if hint is bool:
        return None if isinstance(value, bool | np.bool_) else f"{describe(value)}, not a bool"
    if hint is int:
        return None if _is_integer(value) else f"{describe(value)}, not an integer"
    if hint is float:
        if _is_integer(value):
            return None
        if not _is_real(value):
            return f"{describe(value)}, not a number"
        return None if math.isfinite(value) else f"{describe(value)}, not a finite number"
    if origin is typing.Literal:
        options = typing.get_args(hint)
        known = not isinstance(value, np.ndarray | list | dict) and value in options
        return None if known else f"{describe(value)}, not one of {options}"
    if hint is type(None):
        return None if value is None else f"{describe(value)}, not None"
    if isinstance(hint, type):  # str, or any other plain class
        return None if isinstance(value, hint) else f"{describe(value)}, not a {hint.__name__}"
    raise TypeError(f"no check for fields of type {hint!r}: add one to value_problem")


def attribute_problem(kind: type[Node], attrs: dict) -> str | None:
    """Why ``attrs`` cannot be the fields of a ``kind`` node (unknown, missing, of the wrong
    type, or a float that is not finite), or None."""
    hints = field_hints(kind)
    unknown = sorted(set(attrs) - set(hints))
    if unknown:
        return f"has unknown fields {', '.join(map(describe, unknown))}"
    missing = [name for name in _required(kind) if name not in attrs]
    if missing:
        return f"lacks the fields {', '.join(missing)}"
    for name, value in attrs.items():
        problem = value_problem(hints[name], value)
        if problem is not None:
            return f"has {name} {problem}"
    return None


def _fields(node: Node) -> dict:
    return {field.name: getattr(node, field.name) for field in dataclasses.fields(node)}


def _non_finite(value, where: str) -> str | None:
    """The first float in a JSON-like ``value`` that is not finite, as a message."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"metadata {where} is {value}"
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        problem = _non_finite(item, f"{where}.{key}" if where else str(key))
        if problem is not None:
            return problem
    return None


def metadata_problem(metadata: dict) -> str | None:
    """Why the metadata pumice reads (``steps``, ``dt``, ``data``) is unusable, or None."""
    steps = metadata.get("steps")
    if steps is not None and not (_is_integer(steps) and steps >= 1):
        return f"metadata steps is {describe(steps)}, not a positive integer"
    dt = metadata.get("dt")
    if dt is not None and not (_is_real(dt) and dt > 0):
        return f"metadata dt is {describe(dt)}, not a positive number of seconds"
    data = metadata.get("data")
    if data is not None and not isinstance(data, dict):
        return f"metadata data is {describe(data)}, not a table"
    return _non_finite(metadata, "")


def validate_graph(graph: Graph) -> Graph:
    """Raise :class:`ModelError` (one line, naming the layer) unless ``graph`` is a valid
    model; return it."""
    for name, node in graph.nodes.items():
        if not isinstance(name, str) or not name or not name.isprintable():
            raise ModelError(f"node name {describe(name)} is not a printable name")
        problem = attribute_problem(type(node), _fields(node)) or node.field_problem()
        if problem is not None:
            raise ModelError(f"layer '{name}' ({type(node).__name__}) {problem}")
    if not isinstance(graph.metadata, dict):
        raise ModelError(f"metadata is {describe(graph.metadata)}, not a table")
    problem = metadata_problem(graph.metadata)
    if problem is not None:
        raise ModelError(problem)
    check_runnable(graph)
    return graph
