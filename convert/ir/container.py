"""The container of a ``.pumice`` file: named arrays in a zip, sealed by a SHA-256 trailer.

The zip holds one ``<name>.npy`` member per array (``numpy.load`` reads the file as an
``.npz``). Its comment, the last :data:`TRAILER_SIZE` bytes of the file, is
:data:`TRAILER_PREFIX` followed by the hex SHA-256 of every byte before it, so a change to
any byte of the file (a flipped bit, a truncation, an edit) is found before anything in it
is decoded. Members carry the zip's fixed 1980 timestamp: the same arrays always give the
same bytes.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from pumice.atomic import atomic_open
from pumice.errors import ModelError

#: Start of the zip comment that seals a file; the hex digest follows it.
TRAILER_PREFIX = b"pumice-sha256:"
_DIGEST_CHARS = 2 * hashlib.sha256().digest_size
TRAILER_SIZE = len(TRAILER_PREFIX) + _DIGEST_CHARS

#: What the zip and npy decoders raise on damaged bytes (a file without a trailer, written
#: before pumice sealed its files, is decoded without one).
_DECODE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    OverflowError,
    MemoryError,
)


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).hexdigest().encode("ascii")


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_container(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` atomically, sealed with the SHA-256 trailer."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            archive.writestr(zipfile.ZipInfo(f"{name}.npy"), _npy_bytes(array))
        archive.comment = TRAILER_PREFIX + b"0" * _DIGEST_CHARS
    data = buffer.getvalue()
    sealed = data[:-_DIGEST_CHARS] + _digest(data[:-TRAILER_SIZE])
    with atomic_open(path, "wb") as handle:
        handle.write(sealed)


def _sealed(data: bytes) -> bool | None:
    """True for a trailer that matches the bytes before it, False for one that does not,
    None for a file without a trailer."""
    trailer = data[-TRAILER_SIZE:]
    if len(data) < TRAILER_SIZE or not trailer.startswith(TRAILER_PREFIX):
        return None
    return trailer[len(TRAILER_PREFIX) :] == _digest(data[:-TRAILER_SIZE])


def _members(data: bytes) -> dict[str, np.ndarray]:
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"member {info.filename!r} is not an array")
            member = io.BytesIO(archive.read(info))
            arrays[info.filename[:-4]] = np.lib.format.read_array(member, allow_pickle=False)
    return arrays


def read_container(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], bool]:
    """The arrays in the file at ``path`` and whether its SHA-256 trailer sealed them.

    Raises :class:`ModelError` for a file that is missing, unreadable, whose trailer does
    not match its bytes, or that cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file '{path}' does not exist")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"model file '{path}' cannot be read ({exc.strerror})") from None
    sealed = _sealed(data)
    if sealed is False:
        raise ModelError(
            f"model file '{path}' is damaged: its SHA-256 checksum does not match its "
            f"contents (it changed after pumice wrote it); write it again"
        )
    try:
        return _members(data), bool(sealed)
    except _DECODE_ERRORS as exc:
        raise ModelError(
            f"model file '{path}' is truncated or not a pumice model ({type(exc).__name__})"
        ) from None
