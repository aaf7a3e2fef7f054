"""Read a model from any supported file format into the IR, chosen by file suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pumice.convert.interchange import import_netx, import_nir, import_onnx
from pumice.convert.ir import Graph, load_graph
from pumice.errors import ModelError

#: File suffix -> reader returning an IR graph.
READERS: dict[str, Callable[..., Graph]] = {
    ".pumice": load_graph,
    ".net": import_netx,
    ".onnx": import_onnx,
    ".nir": import_nir,
}
#: Reader options -> the suffixes whose reader takes them, and what the option means.
READER_OPTIONS = {
    "dt": ((".nir",), "--dt (dt) applies to NIR files only; other formats step in discrete time"),
    "input_shape": (
        (".net",),
        "--input-shape (input_shape) applies to lava-dl .net files only; other formats record it",
    ),
}


def read_model(
    path: str | Path, *, dt: float | None = None, input_shape: tuple[int, ...] | None = None
) -> Graph:
    """The IR graph held by ``path`` (.pumice, or a format pumice imports).

    ``dt`` is the seconds per step a NIR file is read at (None: the reader's default);
    ``input_shape`` (C, H, W) the input of a ``.net`` that starts with a conv layer and has
    no input layer. A format that has no use for an option refuses it.
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
    options = {"dt": dt, "input_shape": input_shape}
    given = {key: value for key, value in options.items() if value is not None}
    for key in given:
        suffixes, meaning = READER_OPTIONS[key]
        if suffix not in suffixes:
            raise ModelError(f"model file '{path}': {meaning}: drop it for a {suffix} model")
    return reader(path, **given)
