"""N-MNIST (Orchard et al. 2015) from its binary event files, binned into spike frames.

Layout under ``root``: ``Train/<digit>/<id>.bin`` and ``Test/<digit>/<id>.bin``, digit
folders ``0`` .. ``9``. Every event is 40 bits, big-endian: x (8 bits), y (8 bits),
polarity (1 bit, 1 = ON) and a 23-bit timestamp in microseconds. An event with y = 240
marks a timestamp overflow (adds 2**23 µs to the events after it) and is not a spike.

A sample's events within its first ``duration_us`` microseconds fall into ``steps``
equal time bins; a frame of shape (2, 34, 34) (polarity OFF/ON, y, x) spikes where a bin
holds at least one event. Later events are dropped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pumice.data.balanced import take_round_robin
from pumice.data.dataset import Dataset
from pumice.data.encoder_args import check_steps
from pumice.data.local_dir import required_dir
from pumice.errors import DataError

SENSOR_SIZE = 34
#: Length of a sample's three saccades (3 x 100 ms), the default window binned into steps.
DURATION_US = 300_000
_OVERFLOW_Y = 240
_LAYOUT = "Train/<digit>/<id>.bin and Test/<digit>/<id>.bin (digits 0-9)"


def load_nmnist(
    root: str | Path | None,
    steps: int | None,
    samples: int | None = None,
    duration_us: int = DURATION_US,
) -> tuple[Dataset, Dataset]:
    """The (train, test) splits as spikes (N, 2, 34, 34, steps).

    ``samples`` caps each split, taking the digits in turn (files in name order).
    """
    root = required_dir("nmnist", root, _LAYOUT)
    if steps is None:
        raise DataError("nmnist needs steps, the number of time bins per sample")
    steps = check_steps(steps)
    train = _load_split(root / "Train", steps, samples, duration_us)
    test = _load_split(root / "Test", steps, samples, duration_us)
    return train, test


def read_events(path: str | Path) -> np.ndarray:
    """The events of one .bin file as int64 rows (x, y, polarity, timestamp µs)."""
    path = Path(path)
    raw = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    if len(raw) % 5:
        raise DataError(
            f"N-MNIST file '{path}' is truncated ({len(raw)} bytes is not a whole number of "
            "5-byte events): extract it again"
        )
    fields = raw.reshape(-1, 5).astype(np.int64)
    x, y = fields[:, 0], fields[:, 1]
    polarity = fields[:, 2] >> 7
    timestamp = ((fields[:, 2] & 0x7F) << 16) | (fields[:, 3] << 8) | fields[:, 4]
    overflow = y == _OVERFLOW_Y
    timestamp = timestamp + (np.cumsum(overflow) << 23)
    events = np.stack([x, y, polarity, timestamp], axis=1)[~overflow]
    outside = (events[:, 0] >= SENSOR_SIZE) | (events[:, 1] >= SENSOR_SIZE)
    if outside.any():
        bad = events[np.argmax(outside)]
        raise DataError(
            f"N-MNIST file '{path}' has an event at x={bad[0]}, y={bad[1]}, outside the "
            f"{SENSOR_SIZE}x{SENSOR_SIZE} sensor: it is not an N-MNIST file"
        )
    return events


def bin_events(events: np.ndarray, steps: int, duration_us: int = DURATION_US) -> np.ndarray:
    """Spike frames (2, 34, 34, steps) of events (x, y, polarity, timestamp µs)."""
    frames = np.zeros((2, SENSOR_SIZE, SENSOR_SIZE, steps), dtype=np.uint8)
    kept = events[events[:, 3] < duration_us]
    time_bin = kept[:, 3] * steps // duration_us
    frames[kept[:, 2], kept[:, 1], kept[:, 0], time_bin] = 1
    return frames


def _load_split(part: Path, steps: int, samples: int | None, duration_us: int) -> Dataset:
    """One split folder (``Train`` or ``Test``) as a spike Dataset."""
    by_digit = []
    for digit in range(10):
        folder = part / str(digit)
        if not folder.is_dir():
            raise DataError(f"'{folder}' is missing: pass a directory holding " + _LAYOUT)
        by_digit.append(sorted(folder.glob("*.bin")))
    chosen = take_round_robin(by_digit, samples)
    if not chosen:
        raise DataError(f"'{part}' holds no .bin files: pass a directory holding " + _LAYOUT)
    x = np.stack([bin_events(read_events(path), steps, duration_us) for _, path in chosen])
    y = np.array([label for label, _ in chosen], dtype=np.int64)
    return Dataset(x, y, "nmnist", 10)
