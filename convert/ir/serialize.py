"""Save and load IR graphs as one versioned file (an ``.npz`` container).

The file holds a JSON header (``__graph__``: format, version, nodes with their kind
and scalar attributes, edges) and one array entry per array attribute.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from pumice.atomic import atomic_open
from pumice.convert.ir.graph import IR_VERSION, Graph
from pumice.convert.ir.node import NODE_KINDS, Node
from pumice.errors import ModelError

#: Name written into every file so a foreign ``.npz`` is recognised as such.
FORMAT_NAME = "pumice-ir"


def _node_record(name: str, node: Node) -> tuple[dict, dict[str, np.ndarray]]:
    attrs, arrays = {}, {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, np.ndarray):
            key = f"{name}/{field.name}"
            arrays[key] = value
            attrs[field.name] = {"array": key}
        elif isinstance(value, tuple):
            attrs[field.name] = {"tuple": list(value)}
        else:
            attrs[field.name] = value.item() if isinstance(value, np.generic) else value
    return {"name": name, "kind": type(node).__name__, "attrs": attrs}, arrays


def save_graph(graph: Graph, path: str | os.PathLike) -> Path:
    """Write ``graph`` to ``path`` atomically and return the path."""
    records, arrays = [], {}
    for name, node in graph.nodes.items():
        record, node_arrays = _node_record(name, node)
        records.append(record)
        arrays.update(node_arrays)
    header = {
        "format": FORMAT_NAME,
        "version": IR_VERSION,
        "input": graph.input,
        "output": graph.output,
        "nodes": records,
        "edges": [list(e) for e in graph.edges],
        "metadata": graph.metadata,
    }
    arrays["__graph__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with atomic_open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return Path(path)


def _decode_attr(value, arrays, path: Path, name: str, attr: str):
    if isinstance(value, dict) and "array" in value:
        if value["array"] not in arrays:
            raise ModelError(f"model '{path}': node '{name}' lacks its array '{attr}'")
        array = arrays[value["array"]]
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise ModelError(f"model '{path}': node '{name}' {attr} holds NaN or infinite values")
        return array
    if isinstance(value, dict) and "tuple" in value:
        return tuple(value["tuple"])
    if isinstance(value, float) and not np.isfinite(value):
        raise ModelError(f"model '{path}': node '{name}' {attr} is {value}")
    return value


def load_graph(path: str | os.PathLike) -> Graph:
    """Read a graph written by :func:`save_graph`, validating everything it holds."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file '{path}' does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ModelError(
            f"model file '{path}' is truncated or not a pumice model ({type(exc).__name__})"
        ) from None
    try:
        header = json.loads(bytes(arrays.pop("__graph__")).decode())
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"model file '{path}' has no readable pumice graph header") from None
    if header.get("format") != FORMAT_NAME:
        raise ModelError(f"model file '{path}' is not a pumice IR file")
    if header.get("version") != IR_VERSION:
        raise ModelError(
            f"model file '{path}' has IR version {header.get('version')}; "
            f"this pumice reads version {IR_VERSION}"
        )
    nodes: dict[str, Node] = {}
    for record in header["nodes"]:
        kind = NODE_KINDS.get(record["kind"])
        if kind is None:
            raise ModelError(
                f"model '{path}': unknown node kind '{record['kind']}' "
                f"(known: {', '.join(sorted(NODE_KINDS))})"
            )
        attrs = {
            key: _decode_attr(value, arrays, path, record["name"], key)
            for key, value in record["attrs"].items()
        }
        try:
            nodes[record["name"]] = kind(**attrs)
        except TypeError as exc:
            raise ModelError(f"model '{path}': node '{record['name']}': {exc}") from None
    return Graph(
        nodes=nodes,
        edges=[tuple(e) for e in header["edges"]],
        input=header["input"],
        output=header["output"],
        metadata=header.get("metadata", {}),
    )
