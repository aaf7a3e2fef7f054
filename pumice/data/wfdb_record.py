"""A small reader of PhysioNet WFDB records: header (.hea), format-212 signals, MIT annotations.

Enough for the MIT-BIH Arrhythmia Database: every signal of a record stored in one
format-212 file (two 12-bit two's-complement samples packed in three bytes, signals
interleaved sample by sample) and beat annotations in the MIT format (16-bit little-endian
words: a 6-bit code and a 10-bit sample interval, with the SKIP, NUM, SUB, CHN and AUX
pseudo-codes). See PhysioNet's WFDB manual, pages header(5), signal(5) and annot(5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pumice.errors import DataError

_DEFAULT_GAIN = 200.0
_DEFAULT_SAMPLING_HZ = 250.0
_GAIN = re.compile(r"^([-+0-9.eE]+)(?:\((-?\d+)\))?(?:/(\S+))?$")
_SKIP, _NUM, _SUB, _CHN, _AUX = 59, 60, 61, 62, 63


@dataclass(frozen=True)
class SignalSpec:
    """One signal line of a header: where it is stored and how to scale it."""

    file_name: str
    format: str
    #: ADC units per physical unit.
    gain: float
    #: ADC value of physical zero.
    baseline: int
    units: str
    description: str


@dataclass(frozen=True)
class RecordHeader:
    """The record line and the signal lines of a .hea file."""

    name: str
    sampling_hz: float
    #: Samples per signal; None when the header leaves it out.
    num_samples: int | None
    signals: tuple[SignalSpec, ...]


def read_header(path: str | Path) -> RecordHeader:
    """Parse the WFDB header file at ``path`` (comment lines start with ``#``)."""
    path = Path(path)
    lines = [line.split() for line in _read_text(path).splitlines()]
    lines = [fields for fields in lines if fields and not fields[0].startswith("#")]
    try:
        name, num_signals = lines[0][0], int(lines[0][1])
        sampling_hz = float(lines[0][2].split("/")[0]) if len(lines[0]) > 2 else None
        num_samples = int(lines[0][3]) if len(lines[0]) > 3 else None
        signals = tuple(_signal_spec(fields) for fields in lines[1 : 1 + num_signals])
    except (IndexError, ValueError) as err:
        raise DataError(f"WFDB header '{path}' cannot be parsed ({err}): not a .hea file") from err
    if "/" in name or len(signals) != num_signals or num_signals < 1:
        raise DataError(
            f"WFDB header '{path}' announces {num_signals} signals and has {len(signals)} "
            "signal lines (multi-segment records are not read): use a single-segment record"
        )
    hz = _DEFAULT_SAMPLING_HZ if sampling_hz is None else sampling_hz
    if hz <= 0:
        raise DataError(f"WFDB header '{path}' has sampling frequency {hz}: it must be > 0")
    return RecordHeader(name, hz, num_samples, signals)


def read_signals(header: RecordHeader, folder: str | Path) -> np.ndarray:
    """The record's signals in physical units, shaped (signals, samples)."""
    folder = Path(folder)
    files = {signal.file_name for signal in header.signals}
    formats = {signal.format for signal in header.signals}
    if len(files) != 1 or formats != {"212"}:
        raise DataError(
            f"record '{header.name}' stores its signals as {sorted(formats)} in {sorted(files)}: "
            "only records with every signal in one format-212 file are read"
        )
    path = folder / files.pop()
    raw = np.frombuffer(_read_bytes(path), dtype=np.uint8)
    adc = _unpack_212(raw[: len(raw) // 3 * 3])
    count = len(header.signals)
    num_samples = len(adc) // count if header.num_samples is None else header.num_samples
    if len(adc) < num_samples * count:
        raise DataError(
            f"signal file '{path}' is truncated: {len(adc)} samples where the header of "
            f"'{header.name}' announces {num_samples} x {count}"
        )
    adc = adc[: num_samples * count].reshape(num_samples, count).T
    gain = np.array([signal.gain for signal in header.signals])[:, None]
    baseline = np.array([signal.baseline for signal in header.signals])[:, None]
    return (adc - baseline) / gain


def read_annotations(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(sample index, annotation code) of every annotation in the MIT-format file ``path``."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) % 2:
        raise DataError(f"annotation file '{path}' has an odd byte count: it is truncated")
    words = np.frombuffer(raw, dtype="<u2").astype(np.int64)
    samples, codes = [], []
    time, i = 0, 0
    while i < len(words):
        code, interval = int(words[i]) >> 10, int(words[i]) & 0x3FF
        if code == 0 and interval == 0:
            break
        if code == _SKIP:
            if i + 2 >= len(words):
                raise DataError(f"annotation file '{path}' ends inside a SKIP: it is truncated")
            skip = (int(words[i + 1]) << 16) | int(words[i + 2])
            time += skip - (1 << 32) if skip >= 1 << 31 else skip
            i += 3
        elif code == _AUX:
            i += 1 + (interval + 1) // 2
        elif code in (_NUM, _SUB, _CHN):
            i += 1
        else:
            time += interval
            samples.append(time)
            codes.append(code)
            i += 1
    if i > len(words):
        raise DataError(f"annotation file '{path}' ends inside an AUX string: it is truncated")
    return np.array(samples, dtype=np.int64), np.array(codes, dtype=np.int64)


def _signal_spec(fields: list[str]) -> SignalSpec:
    """A SignalSpec from the whitespace-split fields of one signal line."""
    gain, baseline, units = _DEFAULT_GAIN, None, "mV"
    if len(fields) > 2:
        match = _GAIN.match(fields[2])
        if match is None:
            raise ValueError(f"bad gain field {fields[2]!r}")
        gain = float(match[1]) or _DEFAULT_GAIN
        baseline = None if match[2] is None else int(match[2])
        units = match[3] or units
    adc_zero = int(fields[4]) if len(fields) > 4 else 0
    description = " ".join(fields[8:])
    return SignalSpec(
        fields[0], fields[1], gain, adc_zero if baseline is None else baseline, units, description
    )


def _unpack_212(raw: np.ndarray) -> np.ndarray:
    """Format-212 bytes (a multiple of 3) as int64 samples."""
    groups = raw.reshape(-1, 3).astype(np.int64)
    first = groups[:, 0] | ((groups[:, 1] & 0x0F) << 8)
    second = groups[:, 2] | ((groups[:, 1] & 0xF0) << 4)
    samples = np.stack([first, second], axis=1).reshape(-1)
    return np.where(samples >= 2048, samples - 4096, samples)


def _read_text(path: Path) -> str:
    """The text of ``path``, or a DataError naming it."""
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError as err:
        raise DataError(f"cannot read WFDB file '{path}' ({err}): pass a readable record") from err


def _read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, or a DataError naming it."""
    try:
        return path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read WFDB file '{path}' ({err}): pass a readable record") from err
