"""A command's outputs: checked before any work starts, then written all-or-nothing.

:func:`check_outputs` refuses, in one line naming the option, an output that is one of
the command's inputs or another output, a file output that is an existing folder, a
folder output that is a file or an existing folder pumice did not write, a path under a
regular file, and a place the system will not let us write. :func:`staged` hands out
temporary paths beside the outputs (files or folders); when its block succeeds they are
renamed onto the outputs, when it fails they are removed and every output is as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pumice.atomic import cannot_write, os_error_in
from pumice.errors import OutputError, PumiceError


@dataclasses.dataclass(frozen=True)
class Output:
    """One thing a command writes: a file, or a folder written as a whole."""

    #: The option that names it, as the user typed it (``--json``), for messages.
    option: str
    path: Path
    folder: bool = False
    #: For a folder: whether an existing folder there may be replaced (one pumice wrote
    #: before); an empty folder always may. None: only a new or empty folder.
    replaceable: Callable[[Path], bool] | None = None
    #: For a folder written in place (a training run): it may exist and is added to.
    in_place: bool = False


def file_output(option: str, path: str | os.PathLike | None) -> Output | None:
    """The file output ``option`` names, or None when it was not given."""
    return None if path is None else Output(option, Path(path))


def folder_output(
    option: str,
    path: str | os.PathLike | None,
    replaceable: Callable[[Path], bool] | None = None,
    *,
    in_place: bool = False,
) -> Output | None:
    """The folder output ``option`` names, or None when it was not given."""
    if path is None:
        return None
    return Output(option, Path(path), folder=True, replaceable=replaceable, in_place=in_place)


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    with contextlib.suppress(OSError):
        return a.exists() and b.exists() and os.path.samefile(a, b)
    return False


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _existing_ancestor(path: Path) -> Path:
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    return ancestor


def _is_stream(path: Path) -> bool:
    """An existing output that is neither a regular file nor a folder (a terminal, a pipe,
    ``/dev/full``): written straight into, since renaming onto it would replace the device."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _check_writable(output: Output, folder: Path) -> None:
    """Create and remove a file in ``folder``: the one honest test of writing there."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".pumice-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise OutputError(
            f"{output.option} '{output.path}': cannot write in '{folder}' "
            f"({error.strerror or error}): choose a folder you can write to"
        ) from None


def _check_one(output: Output) -> None:
    path = output.path
    if output.folder:
        if path.exists() and not path.is_dir():
            raise OutputError(
                f"{output.option} '{path}' is an existing file, not a folder: name a folder"
            )
        if path.is_dir() and not output.in_place and any(path.iterdir()):
            if output.replaceable is None or not output.replaceable(path):
                raise OutputError(
                    f"{output.option} '{path}' is a folder that pumice did not write and is "
                    f"not empty: name a new or empty folder"
                )
    elif path.is_dir():
        raise OutputError(f"{output.option} '{path}' is an existing folder: name a file in it")
    elif _is_stream(path):
        if not os.access(path, os.W_OK):
            raise OutputError(f"{output.option} '{path}': cannot write to it: choose another path")
        return
    ancestor = path if output.in_place and path.is_dir() else _existing_ancestor(path)
    if not ancestor.is_dir():
        raise OutputError(
            f"{output.option} '{path}': '{ancestor}' is a file, so nothing can be created "
            f"under it: choose another path"
        )
    _check_writable(output, ancestor)


def check_outputs(
    outputs: Iterable[Output | None], inputs: dict[str, str | os.PathLike | None]
) -> None:
    """Raise :class:`OutputError` unless every output can be written without touching an
    input. ``inputs`` maps what each input is ("the model", "--data") to its path."""
    given = [output for output in outputs if output is not None]
    files = {what: Path(path) for what, path in inputs.items() if path is not None}
    for index, output in enumerate(given):
        for what, path in files.items():
            if _same(output.path, path):
                raise OutputError(
                    f"{output.option} '{output.path}' is {what}, which it would overwrite: "
                    f"write it to another file"
                )
            if output.folder and not output.in_place and _inside(path, output.path):
                raise OutputError(
                    f"{output.option} '{output.path}' holds {what} '{path}', which writing "
                    f"the folder would replace: choose another folder"
                )
        for other in given[:index]:
            if _same(output.path, other.path):
                raise OutputError(
                    f"{output.option} and {other.option} both name '{output.path}': give "
                    f"each its own path"
                )
        _check_one(output)


def _temporary(output: Output) -> Path:
    path = output.path
    stream = _is_stream(path)
    if not stream:
        path.parent.mkdir(parents=True, exist_ok=True)
    if output.folder:
        return Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    fd, temp = tempfile.mkstemp(
        prefix=f".{path.stem}.",
        suffix=f".part{path.suffix}",
        dir=None if stream else path.parent,
    )
    os.close(fd)
    return Path(temp)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _commit(output: Output, temp: Path) -> None:
    if _is_stream(output.path):
        with open(temp, "rb") as source, open(output.path, "wb") as stream:
            shutil.copyfileobj(source, stream)
        temp.unlink()
        return
    if not output.folder:
        os.replace(temp, output.path)
        return
    old = None
    if output.path.exists():
        old = Path(
            tempfile.mkdtemp(prefix=f".{output.path.name}.", suffix=".old", dir=output.path.parent)
        )
        os.rmdir(old)
        os.rename(output.path, old)
    os.rename(temp, output.path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged(outputs: Iterable[Output | None]) -> Iterator[dict[str, Path]]:
    """Temporary paths for ``outputs`` (by option), renamed onto them when the block ends.

    A file's temporary path exists (empty) and keeps the output's suffix; a folder's is a
    new empty folder. If the block raises, every temporary path is removed and no output
    changes; a refused write becomes an :class:`OutputError` naming the output.
    """
    given = [output for output in outputs if output is not None]
    temps: dict[str, Path] = {}
    current = None
    try:
        for current in given:
            temps[current.option] = _temporary(current)
        current = None
        yield dict(temps)
        for current in given:
            _commit(current, temps[current.option])
            del temps[current.option]
    except BaseException as exc:
        for temp in temps.values():
            _remove(temp)
        if isinstance(exc, PumiceError):
            raise _with_output_names(exc, given, temps) from exc
        error = os_error_in(exc)
        if error is None:
            raise
        failed = current or _output_of(given, temps, error.filename)
        where = failed.path if failed else ", ".join(str(o.path) for o in given)
        raise cannot_write(where, error) from exc


def _with_output_names(exc: PumiceError, given: list[Output], temps: dict[str, Path]):
    """``exc`` with every temporary path in its message replaced by its output's path."""
    message = str(exc)
    for output in given:
        temp = temps.get(output.option)
        if temp is not None:
            message = message.replace(str(temp), str(output.path))
    return exc if message == str(exc) else type(exc)(message)


def _output_of(given: list[Output], temps: dict[str, Path], filename) -> Output | None:
    """The output whose temporary path ``filename`` (from an OSError) lies in."""
    for output in given:
        temp = temps.get(output.option)
        if filename and temp is not None and str(filename).startswith(str(temp)):
            return output
    return None


def json_text(document: dict) -> str:
    """``document`` as indented JSON; refuses NaN and infinity, which JSON cannot hold."""
    try:
        return json.dumps(document, indent=2, allow_nan=False) + "\n"
    except ValueError as exc:
        raise PumiceError(
            f"the report holds a value JSON cannot represent ({exc}): not written"
        ) from None
