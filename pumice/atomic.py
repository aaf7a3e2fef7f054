"""Atomic file writes: a crash never leaves a half-written artifact behind.

A write that the system refuses (no space left, no permission, a path under a file)
raises :class:`~pumice.errors.OutputError` naming the file, never a bare ``OSError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pumice.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: OSError numbers that mean "this output cannot be written here".
WRITE_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EEXIST,
        errno.ENAMETOOLONG,
        errno.EIO,
    }
)


def os_error_in(exc: BaseException) -> OSError | None:
    """The write error behind ``exc``: itself, or one it was raised while handling.

    A writer that fails on a full disk often raises something else on its way out
    (``ValueError: seek of closed file`` from a zip or HDF5 writer closing); the cause is
    the OSError in its chain.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def cannot_write(path: str | os.PathLike, error: OSError) -> OutputError:
    """The one-line error for ``error`` while writing ``path``."""
    reason = error.strerror or str(error) or type(error).__name__
    return OutputError(f"cannot write '{path}': {reason}")


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it onto ``path``.

    If the block raises, the temporary file is removed and ``path`` is untouched; a
    refused write becomes an :class:`~pumice.errors.OutputError`.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual mode
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        error = None if isinstance(exc, OutputError) else os_error_in(exc)
        if error is not None:
            raise cannot_write(path, error) from exc
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w") as handle:
        handle.write(text)
