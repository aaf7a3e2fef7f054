"""Read a model from any supported file format into the IR, chosen by file suffix.

Every graph, whichever reader made it, then passes the same validation
(:func:`~pumice.convert.ir.validate.validate_graph`), and every failure is one line naming
the file. The readers of other tools' formats run in a child process
(:mod:`~pumice.convert.isolated_call`): the HDF5 library under ``.net`` and ``.nir`` files
crashes on some damaged files, and that must not take pumice down with it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pumice.convert.interchange import import_netx, import_nir, import_onnx
from pumice.convert.ir import Graph, load_graph, validate_graph
from pumice.convert.isolated_call import ChildCrashed, call_isolated
from pumice.errors import ModelError

#: File suffix -> reader returning an IR graph.
READERS: dict[str, Callable[..., Graph]] = {
    ".pumice": load_graph,
    ".net": import_netx,
    ".onnx": import_onnx,
    ".nir": import_nir,
}
#: Readers whose C decoders (HDF5, protobuf and the ONNX checker) run in a child process.
ISOLATED = frozenset({".net", ".onnx", ".nir"})
#: Time a reader may take, in seconds: this much, plus :data:`READ_S_PER_MB` per MB of file.
#: A damaged HDF5 file can make the library loop; a sound file decodes at tens of MB/s.
READ_TIMEOUT_S = 30.0
READ_S_PER_MB = 1.0
#: Reader options -> the suffixes whose reader takes them, and what the option means.
READER_OPTIONS = {
    "dt": ((".nir",), "--dt (dt) applies to NIR files only; other formats step in discrete time"),
    "input_shape": (
        (".net",),
        "--input-shape (input_shape) applies to lava-dl .net files only; other formats record it",
    ),
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _naming(path: Path, message: str) -> str:
    """``message`` on one line, prefixed with the file unless it names it already."""
    message = _one_line(message)
    return message if str(path) in message else f"model file '{path}': {message}"


def _read_valid(reader: Callable[..., Graph], path: Path, options: dict) -> Graph:
    return validate_graph(reader(path, **options))


def read_model(
    path: str | Path, *, dt: float | None = None, input_shape: tuple[int, ...] | None = None
) -> Graph:
    """The IR graph held by ``path`` (.pumice, or a format pumice imports), validated.

    ``dt`` is the seconds per step a NIR file is read at (None: the file's own, or the one
    its exporter implies); ``input_shape`` (C, H, W) the input of a ``.net`` that starts
    with a conv layer and has no input layer. A format that has no use for an option
    refuses it. Raises :class:`ModelError`, one line naming the file, for a file that is
    missing, damaged, or holds a graph pumice cannot run.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelError(f"model '{path}' is a directory, not a model file")
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
    if not path.is_file():
        raise ModelError(f"model file '{path}' does not exist")
    try:
        if suffix in ISOLATED:
            timeout = READ_TIMEOUT_S + READ_S_PER_MB * path.stat().st_size / 1e6
            return call_isolated(_read_valid, reader, path, given, timeout=timeout)
        return _read_valid(reader, path, given)
    except ChildCrashed as exc:
        raise ModelError(
            f"model file '{path}' cannot be decoded: {exc}; it is damaged or not a "
            f"{path.suffix} model"
        ) from None
    except ModelError as exc:
        raise ModelError(_naming(path, str(exc))) from None
    except Exception as exc:  # the HDF5 and protobuf decoders raise many types on damage
        raise ModelError(
            f"model file '{path}' cannot be decoded ({type(exc).__name__}: "
            f"{_one_line(str(exc))[:200]}): it is damaged or not a {path.suffix} model"
        ) from None
