"""Save and load IR graphs as one versioned, checksummed file (:mod:`.container`).

The file holds a JSON header (``__graph__``: format, file version, IR version, nodes with
their kind and scalar attributes, edges, metadata) and one array entry per array attribute.

File versions: 2 (written now) is sealed by the container's SHA-256 trailer, and a file of
version 2 without a matching trailer is refused as damaged. Version 1 files, written before
the checksum, are still read: their zip members carry CRC-32s, which the reader checks, and
every graph passes the same validation on load (:func:`~.validate.validate_graph`)
whichever file it came from, so they need no checksum to be read safely; saving one again
writes version 2.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np

from pumice.convert.ir.container import read_container, write_container
from pumice.convert.ir.graph import IR_VERSION, Graph
from pumice.convert.ir.node import NODE_KINDS, Node
from pumice.convert.ir.validate import attribute_problem, validate_graph
from pumice.errors import ModelError

#: Name written into every file so a foreign ``.npz`` is recognised as such.
FORMAT_NAME = "pumice-ir"
#: Version of the file layout: 1 had no checksum, 2 is sealed by a SHA-256 trailer.
FILE_VERSION = 2
#: Versions this pumice reads.
READABLE_VERSIONS = (1, FILE_VERSION)
#: The array holding the JSON header.
HEADER = "__graph__"


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


def encode_graph(graph: Graph) -> dict[str, np.ndarray]:
    """The arrays of ``graph``'s file, its JSON header (``__graph__``) among them."""
    records, arrays = [], {}
    for name, node in graph.nodes.items():
        record, node_arrays = _node_record(name, node)
        records.append(record)
        arrays.update(node_arrays)
    header = {
        "format": FORMAT_NAME,
        "version": FILE_VERSION,
        "ir_version": IR_VERSION,
        "input": graph.input,
        "output": graph.output,
        "nodes": records,
        "edges": [list(e) for e in graph.edges],
        "metadata": graph.metadata,
    }
    encoded = json.dumps(header, allow_nan=False).encode()
    return {HEADER: np.frombuffer(encoded, dtype=np.uint8), **arrays}


def save_graph(graph: Graph, path: str | os.PathLike) -> Path:
    """Write ``graph`` to ``path`` atomically and return the path.

    The graph must pass :func:`~.validate.validate_graph`, as on load: pumice never writes
    a model it would refuse to read.
    """
    try:
        validate_graph(graph)
    except ModelError as exc:
        raise ModelError(f"cannot save '{path}': the graph is invalid: {exc}") from None
    write_container(path, encode_graph(graph))
    return Path(path)


class _Header:
    """The decoded JSON header of one file, checked field by field as it is read."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray]):
        self.path = path
        self.arrays = arrays
        header = arrays.pop(HEADER, None)
        try:
            if header is None or header.dtype != np.uint8 or header.ndim != 1:
                raise ValueError
            self.fields = json.loads(header.tobytes().decode())
        except (ValueError, UnicodeDecodeError):
            raise self.error("has no readable pumice graph header") from None
        if not isinstance(self.fields, dict) or self.fields.get("format") != FORMAT_NAME:
            raise self.error("is not a pumice IR file")

    def error(self, problem: str) -> ModelError:
        return ModelError(f"model file '{self.path}' {problem}")

    def get(self, key: str, kind: type, what: str):
        """Header field ``key``, which must be a ``kind``."""
        value = self.fields.get(key)
        if not isinstance(value, kind):
            raise self.error(f"has a damaged header: '{key}' must be {what}, got {value!r:.60}")
        return value


def _check_version(header: _Header, sealed: bool) -> None:
    version = header.fields.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise header.error(
            f"has file version {version!r:.20}; this pumice reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}"
        )
    if version >= 2 and not sealed:
        raise header.error(
            "is damaged: it lacks the SHA-256 checksum pumice writes at its end; write it again"
        )
    ir_version = header.fields.get("ir_version", IR_VERSION)
    if ir_version != IR_VERSION:
        raise header.error(
            f"has IR version {ir_version!r:.20}; this pumice reads IR version {IR_VERSION}"
        )


def _decode_attr(header: _Header, name: str, attr: str, value):
    if isinstance(value, dict) and set(value) == {"array"}:
        key = value["array"]
        if not isinstance(key, str) or key not in header.arrays:
            raise header.error(f"lacks the array '{attr}' of node '{name}'")
        return header.arrays[key]
    if isinstance(value, dict) and set(value) == {"tuple"}:
        if not isinstance(value["tuple"], list):
            raise header.error(f"has a damaged header: node '{name}' {attr} is not a list")
        return tuple(value["tuple"])
    if isinstance(value, dict | list):
        raise header.error(f"has a damaged header: node '{name}' {attr} is {value!r:.60}")
    return value


def _node(header: _Header, record) -> tuple[str, Node]:
    if not isinstance(record, dict) or not isinstance(record.get("attrs"), dict):
        raise header.error(f"has a damaged header: node record {record!r:.60}")
    name, kind_name = record.get("name"), record.get("kind")
    if not isinstance(name, str) or not name.isprintable():
        raise header.error(f"has a damaged header: node name {name!r:.60}")
    kind = NODE_KINDS.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        raise header.error(
            f"has node '{name}' of unknown kind {kind_name!r:.60} "
            f"(known: {', '.join(sorted(NODE_KINDS))})"
        )
    attrs = {key: _decode_attr(header, name, key, value) for key, value in record["attrs"].items()}
    problem = attribute_problem(kind, attrs)
    if problem is None:
        try:
            return name, kind(**attrs)
        except ModelError as exc:
            problem = str(exc)
    raise ModelError(f"model file '{header.path}': layer '{name}' ({kind_name}) {problem}")


def _edge(header: _Header, edge) -> tuple[str, str]:
    if not isinstance(edge, list) or len(edge) != 2 or not all(isinstance(e, str) for e in edge):
        raise header.error(f"has a damaged header: edge {edge!r:.60}")
    return (edge[0], edge[1])


def load_graph(path: str | os.PathLike) -> Graph:
    """Read a graph written by :func:`save_graph`, validating everything it holds."""
    path = Path(path)
    arrays, sealed = read_container(path)
    header = _Header(path, arrays)
    _check_version(header, sealed)
    nodes: dict[str, Node] = {}
    for record in header.get("nodes", list, "a list"):
        name, node = _node(header, record)
        if name in nodes:
            raise header.error(f"has two nodes named '{name}'")
        nodes[name] = node
    edges = [_edge(header, edge) for edge in header.get("edges", list, "a list")]
    metadata = header.fields.get("metadata", {})
    if not isinstance(metadata, dict):
        raise header.error(f"has a damaged header: metadata {metadata!r:.60}")
    try:
        graph = Graph(
            nodes=nodes,
            edges=edges,
            input=header.get("input", str, "a node name"),
            output=header.get("output", str, "a node name"),
            metadata=metadata,
        )
        validate_graph(graph)
    except ModelError as exc:
        raise ModelError(f"model file '{path}': {exc}") from None
    return graph
