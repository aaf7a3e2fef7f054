"""MIT-BIH WFDB records written by the test (format 212, MIT annotations), as AAMI beats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pumice.data import level_crossing_encode, load_mitbih, load_splits
from pumice.data.wfdb_record import read_annotations, read_header, read_signals
from pumice.errors import DataError

FS = 40  # windows of round(0.25 * 40) = 10 samples before and 18 after the R peak
BEFORE, AFTER = 10, 18
NORMAL, APC, PVC, FUSION, PACED, RHYTHM, NOISE = 1, 8, 5, 6, 12, 28, 14


def _pack_212(adc: np.ndarray) -> bytes:
    """Interleaved 12-bit samples, two per three bytes (the last pair padded with 0)."""
    flat = [int(value) & 0xFFF for value in adc.T.reshape(-1)]
    flat += [0] * (len(flat) % 2)
    out = bytearray()
    for first, second in zip(flat[::2], flat[1::2], strict=True):
        out += bytes([first & 0xFF, (first >> 8) | ((second >> 8) << 4), second & 0xFF])
    return bytes(out)


def _pack_annotations(beats: list[tuple[int, int]], aux_after: int | None = None) -> bytes:
    """MIT annotation words for (sample, code); long gaps use SKIP; one AUX/NUM pair."""
    words, last = [], 0
    for index, (sample, code) in enumerate(beats):
        gap = sample - last
        if gap > 1023:
            words += [59 << 10, gap >> 16, gap & 0xFFFF, code << 10]
        else:
            words.append((code << 10) | gap)
        if index == aux_after:
            words += [(63 << 10) | 3, ord("(") | (ord("N") << 8), ord("x"), 60 << 10 | 1]
        last = sample
    words.append(0)
    return np.array(words, dtype="<u2").tobytes()


def _write_record(
    root: Path, name: str, adc: np.ndarray, beats: list[tuple[int, int]], **kwargs
) -> None:
    """``name``.hea/.dat/.atr: lead 0 gain 200 zero 1024, lead 1 gain 100 baseline 0."""
    root.mkdir(exist_ok=True)
    header = [
        f"{name} 2 {FS} {adc.shape[1]}",
        f"{name}.dat 212 200 11 1024 0 0 0 MLII",
        f"{name}.dat 212 100(0)/mV 11 0 0 0 0 V5",
        "# 69 M",
    ]
    (root / f"{name}.hea").write_text("\n".join(header) + "\n")
    (root / f"{name}.dat").write_bytes(_pack_212(adc))
    (root / f"{name}.atr").write_bytes(_pack_annotations(beats, **kwargs))


def _signal(length: int, seed: int) -> np.ndarray:
    """Two leads of ADC values: a random walk around 1024 and around 0."""
    rng = np.random.default_rng(seed)
    walk = rng.integers(-30, 31, size=(2, length)).cumsum(axis=1)
    return np.clip(walk + np.array([[1024], [0]]), -2048, 2047)


def _physical(adc: np.ndarray) -> np.ndarray:
    return np.stack([(adc[0] - 1024) / 200.0, adc[1] / 100.0])


def test_format_212_round_trip_with_extremes(tmp_path):
    adc = np.array([[-2048, 2047, 0, -1, 5], [1, -2, 2047, -2048, 1024]])
    _write_record(tmp_path, "100", adc, [])
    header = read_header(tmp_path / "100.hea")
    assert header.sampling_hz == FS and header.num_samples == 5
    assert [s.gain for s in header.signals] == [200.0, 100.0]
    assert [s.baseline for s in header.signals] == [1024, 0]
    assert [s.description for s in header.signals] == ["MLII", "V5"]
    np.testing.assert_array_equal(read_signals(header, tmp_path), _physical(adc))


def test_annotations_with_skip_aux_and_num(tmp_path):
    beats = [(12, NORMAL), (30, RHYTHM), (2500, PVC), (2501, NOISE)]
    path = tmp_path / "a.atr"
    path.write_bytes(_pack_annotations(beats, aux_after=1))
    samples, codes = read_annotations(path)
    np.testing.assert_array_equal(samples, [12, 30, 2500, 2501])
    np.testing.assert_array_equal(codes, [NORMAL, RHYTHM, PVC, NOISE])


def test_beats_become_aami_classes_and_level_crossing_windows(tmp_path):
    adc = _signal(1600, seed=0)
    beats = [(5, NORMAL), (40, NORMAL), (80, APC), (81, RHYTHM), (120, PVC), (160, NOISE)]
    beats += [(200, FUSION), (1500, PACED), (1590, NORMAL)]
    _write_record(tmp_path, "101", adc, beats, aux_after=3)
    data = load_mitbih(tmp_path, steps=7, level_delta=0.1)
    # beats at 5 and 1590 leave the record; rhythm and noise annotations are not beats
    np.testing.assert_array_equal(data.y, [0, 1, 2, 3, 4])
    assert data.x.shape == (5, 4, 7) and data.num_classes == 5 and data.name == "mitbih"
    signals = _physical(adc)
    for sample, peak in zip(data.x, [40, 80, 120, 200, 1500], strict=True):
        window = signals[:, peak - BEFORE : peak + AFTER]
        expected = level_crossing_encode(window, 0.1, steps=7).reshape(4, 7)
        np.testing.assert_array_equal(sample, expected)
    assert data.x.any()


def test_records_are_read_in_name_order_and_capped_by_class(tmp_path):
    _write_record(tmp_path, "201", _signal(300, 1), [(50, PVC), (100, NORMAL), (150, NORMAL)])
    _write_record(tmp_path, "200", _signal(300, 2), [(50, NORMAL), (100, APC)])
    np.testing.assert_array_equal(load_mitbih(tmp_path, 5, 0.1).y, [0, 1, 2, 0, 0])
    np.testing.assert_array_equal(load_mitbih(tmp_path, 5, 0.1, samples=4).y, [0, 1, 2, 0])


def test_load_splits_mitbih(tmp_path):
    beats = [(40 + 20 * i, (NORMAL, PVC)[i % 2]) for i in range(20)]
    _write_record(tmp_path, "100", _signal(500, 3), beats)
    splits = load_splits("mitbih", root=str(tmp_path), steps=6, level_delta=0.2)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (14, 2, 4)
    assert splits.test.x.shape[1:] == (4, 6)


def test_missing_annotation_file(tmp_path):
    _write_record(tmp_path, "100", _signal(300, 0), [(50, NORMAL)])
    (tmp_path / "100.atr").unlink()
    with pytest.raises(DataError, match=r"no annotation file '.*100.atr'"):
        load_mitbih(tmp_path, 4, 0.1)


def test_truncated_signal_file(tmp_path):
    _write_record(tmp_path, "100", _signal(300, 0), [(50, NORMAL)])
    dat = tmp_path / "100.dat"
    dat.write_bytes(dat.read_bytes()[:-30])
    with pytest.raises(DataError, match=r"100.dat' is truncated: 580 samples .* 300 x 2"):
        load_mitbih(tmp_path, 4, 0.1)


def test_truncated_annotation_file(tmp_path):
    path = tmp_path / "a.atr"
    path.write_bytes(_pack_annotations([(2000, NORMAL)])[:4])
    with pytest.raises(DataError, match="ends inside a SKIP"):
        read_annotations(path)
    path.write_bytes(b"\x01\x04\x00")
    with pytest.raises(DataError, match="odd byte count"):
        read_annotations(path)


def test_other_signal_formats_and_bad_headers(tmp_path):
    _write_record(tmp_path, "100", _signal(300, 0), [(50, NORMAL)])
    hea = tmp_path / "100.hea"
    hea.write_text(hea.read_text().replace("212", "16"))
    with pytest.raises(DataError, match=r"\['16'\] .* only records with every signal in one"):
        load_mitbih(tmp_path, 4, 0.1)
    hea.write_text("100 two 360\n")
    with pytest.raises(DataError, match="100.hea' cannot be parsed"):
        load_mitbih(tmp_path, 4, 0.1)


def test_folder_without_records_and_missing_arguments(tmp_path):
    with pytest.raises(DataError, match="holds no .hea file"):
        load_mitbih(tmp_path, 4, 0.1)
    with pytest.raises(DataError, match="mitbih is not bundled: pass root"):
        load_splits("mitbih", steps=4)
    with pytest.raises(DataError, match="mitbih needs steps"):
        load_splits("mitbih", root=str(tmp_path))
