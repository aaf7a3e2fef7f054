"""Reader for IDX files (the MNIST file format), gzip-compressed or not."""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from pumice.errors import DataError

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | Path, ndim: int | None = None) -> np.ndarray:
    """Read the IDX file at ``path`` (``.gz`` is decompressed); check its rank when ``ndim``."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"IDX file '{path}' does not exist: pass the path of an existing file")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(
            f"IDX file '{path}' cannot be decompressed ({err}): download it again"
        ) from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise DataError(
            f"'{path}' is not an IDX file (magic number {raw[:4].hex()}): "
            "pass an idx1/idx3 file such as train-labels-idx1-ubyte.gz"
        )
    rank, dtype = raw[3], _DTYPES[raw[2]]
    if ndim is not None and rank != ndim:
        raise DataError(
            f"IDX file '{path}' has {rank} dimensions where {ndim} are expected: "
            f"pass an idx{ndim} file"
        )
    header = 4 + 4 * rank
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    expected = header + math.prod(shape) * dtype.itemsize
    if len(raw) < header or len(raw) != expected:
        raise DataError(
            f"IDX file '{path}' is truncated or corrupted ({len(raw)} bytes, its header "
            f"announces {expected}): download it again"
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
