"""Read a model from any supported file format into the IR, chosen by file suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pumice.convert.interchange import import_netx, import_nir, import_onnx
from pumice.convert.ir import Graph, load_graph
from pumice.errors import ModelError

#: File suffix -> reader returning an IR graph.
READERS: dict[str, Callable[[Path], Graph]] = {
    ".pumice": load_graph,
    ".net": import_netx,
    ".onnx": import_onnx,
    ".nir": import_nir,
}


def read_model(path: str | Path) -> Graph:
    """The IR graph held by ``path`` (.pumice, or a format pumice imports)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ModelError(
            f"model file '{path}': unknown format '{path.suffix}'; "
            f"supported: {', '.join(sorted(READERS))}"
        )
    return reader(path)
