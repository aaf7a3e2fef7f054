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
#: Suffixes whose reader takes ``dt`` (seconds per step).
TAKES_DT = (".nir",)


def read_model(path: str | Path, *, dt: float | None = None) -> Graph:
    """The IR graph held by ``path`` (.pumice, or a format pumice imports).

    ``dt`` is the seconds per step a NIR file is read at (None: the reader's default);
    other formats are discrete in time and refuse it.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelError(f"model '{path}' is a directory, not a model file: name the file in it")
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise ModelError(
            f"model file '{path}': unknown format '{path.suffix}'; "
            f"supported: {', '.join(sorted(READERS))}"
        )
    if dt is None:
        return reader(path)
    if suffix not in TAKES_DT:
        raise ModelError(
            f"model file '{path}': dt applies to NIR files (.nir) only; a {suffix} model "
            f"steps in discrete time: drop it"
        )
    return reader(path, dt=dt)
