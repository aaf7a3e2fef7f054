"""N-MNIST binary event files written by the test, binned into spike frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pumice.data import load_nmnist, load_splits
from pumice.data.nmnist import bin_events, read_events
from pumice.errors import DataError


def _pack(events: list[tuple[int, int, int, int]]) -> bytes:
    """40-bit N-MNIST events (x, y, polarity, timestamp µs), packed by hand."""
    out = bytearray()
    for x, y, polarity, timestamp in events:
        out += bytes([x, y, (polarity << 7) | (timestamp >> 16), (timestamp >> 8) & 0xFF])
        out.append(timestamp & 0xFF)
    return bytes(out)


def _write_nmnist(root: Path, per_digit: int = 1) -> Path:
    """Train and Test folders, each digit d with files whose one event sits at x = d."""
    for part in ("Train", "Test"):
        for digit in range(10):
            folder = root / part / str(digit)
            folder.mkdir(parents=True)
            for index in range(per_digit):
                events = [(digit, index, 1, 1_000), (33, 33, 0, 299_999)]
                (folder / f"{index:05d}.bin").write_bytes(_pack(events))
    return root


def test_read_events_decodes_every_field(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(_pack([(3, 7, 1, 0x5A_BC_DE), (33, 0, 0, 12), (0, 33, 1, 0)]))
    np.testing.assert_array_equal(
        read_events(path), [[3, 7, 1, 0x5A_BC_DE], [33, 0, 0, 12], [0, 33, 1, 0]]
    )


def test_overflow_marker_moves_later_timestamps_and_is_dropped(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(_pack([(1, 1, 0, 5), (0, 240, 0, 0), (2, 2, 1, 7)]))
    np.testing.assert_array_equal(read_events(path), [[1, 1, 0, 5], [2, 2, 1, 7 + 2**23]])


def test_bin_events_frames_by_polarity_row_and_column():
    events = np.array([[3, 7, 1, 0], [3, 7, 1, 50], [4, 2, 0, 149_999], [5, 5, 0, 150_000]])
    frames = bin_events(events, steps=2, duration_us=200_000)
    assert frames.shape == (2, 34, 34, 2) and frames.dtype == np.uint8
    assert frames.sum() == 3  # two events of one pixel and bin make one spike
    assert frames[1, 7, 3, 0] == 1 and frames[0, 2, 4, 1] == 1 and frames[0, 5, 5, 1] == 1
    # events at or after the window's end are dropped
    assert bin_events(events, steps=2, duration_us=150_000).sum() == 2


def test_load_nmnist_reads_both_splits(tmp_path):
    train, test = load_nmnist(_write_nmnist(tmp_path, per_digit=2), steps=3)
    assert len(train) == 20 and len(test) == 10 * 2
    assert train.x.shape == (20, 2, 34, 34, 3) and train.num_steps == 3
    assert train.name == "nmnist" and train.num_classes == 10
    for sample, label in zip(train.x, train.y, strict=True):
        assert sample[1, :, label, 0].sum() == 1  # the ON event at x = digit, first bin
        assert sample[0, 33, 33, 2] == 1  # the OFF event at 299,999 µs, last bin
    np.testing.assert_array_equal(np.bincount(train.y), [2] * 10)


def test_samples_cap_takes_digits_in_turn(tmp_path):
    train, test = load_nmnist(_write_nmnist(tmp_path, per_digit=2), steps=2, samples=13)
    np.testing.assert_array_equal(train.y, [*range(10), 0, 1, 2])
    assert len(test) == 13


def test_load_splits_keeps_the_official_test_split(tmp_path):
    root = _write_nmnist(tmp_path, per_digit=2)
    splits = load_splits("nmnist", root=str(root), val_fraction=0.25, steps=4)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (15, 5, 20)
    assert splits.train.x.shape[1:] == (2, 34, 34, 4)


def test_truncated_file_names_the_file(tmp_path):
    root = _write_nmnist(tmp_path)
    bad = root / "Test" / "4" / "00000.bin"
    bad.write_bytes(bad.read_bytes()[:-2])
    with pytest.raises(DataError, match=r"4/00000.bin' is truncated"):
        load_nmnist(root, steps=2)


def test_event_off_the_sensor_is_rejected(tmp_path):
    root = _write_nmnist(tmp_path)
    (root / "Train" / "0" / "00000.bin").write_bytes(_pack([(34, 0, 1, 0)]))
    with pytest.raises(DataError, match="x=34, y=0, outside the 34x34 sensor"):
        load_nmnist(root, steps=2)


def test_missing_split_or_digit_folder(tmp_path):
    root = _write_nmnist(tmp_path)
    (root / "Test" / "9" / "00000.bin").unlink()
    (root / "Test" / "9").rmdir()
    with pytest.raises(DataError, match=r"Test/9' is missing"):
        load_nmnist(root, steps=2)
    with pytest.raises(DataError, match="does not exist"):
        load_nmnist(tmp_path / "nowhere", steps=2)


def test_root_and_steps_are_required(tmp_path):
    with pytest.raises(DataError, match="nmnist is not bundled: pass root"):
        load_splits("nmnist", steps=2)
    with pytest.raises(DataError, match="nmnist needs steps"):
        load_splits("nmnist", root=str(_write_nmnist(tmp_path)))
