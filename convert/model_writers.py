"""Write a model in the format its file suffix names (``pumice convert --out``).

``.pumice`` holds any graph; ``.net`` (lava-dl netx), ``.onnx`` and ``.nir`` hold what
their exporters can express and refuse the rest in one line naming the node. Every writer
keeps the graph's metadata where the format has room for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pumice.convert.interchange import export_netx, export_nir, export_onnx
from pumice.convert.ir import Graph, save_graph
from pumice.errors import ModelError

#: Default seconds per step of a NIR file written from a graph that records none.
NIR_DT = 1e-3


def _nir(graph: Graph, path: Path) -> Path:
    return export_nir(graph, path, dt=float(graph.metadata.get("dt", NIR_DT)))


#: File suffix -> writer of a graph to that path.
WRITERS: dict[str, Callable[[Graph, Path], Path]] = {
    ".pumice": save_graph,
    ".net": export_netx,
    ".onnx": export_onnx,
    ".nir": _nir,
}


def writer_for(path: str | os.PathLike, option: str = "output") -> Callable[[Graph, Path], Path]:
    """The writer for ``path``'s suffix; an unknown suffix is a one-line error."""
    suffix = Path(path).suffix.lower()
    writer = WRITERS.get(suffix)
    if writer is None:
        raise ModelError(
            f"{option} '{path}': unknown format '{suffix or '(no suffix)'}'; pumice writes "
            f"{', '.join(WRITERS)}"
        )
    return writer


def write_model(graph: Graph, path: str | os.PathLike, to: str | os.PathLike | None = None) -> Path:
    """Write ``graph`` in the format ``path``'s suffix names, at ``to`` (default ``path``:
    a caller that stages its outputs passes the temporary file here)."""
    writer = writer_for(path)
    writer(graph, Path(to if to is not None else path))
    return Path(path)
