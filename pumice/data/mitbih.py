"""MIT-BIH Arrhythmia Database beats from a folder of WFDB records, level-crossing encoded.

Layout under ``root``: the PhysioNet records ``NNN.hea``, ``NNN.dat`` (format 212) and
``NNN.atr`` (reference beat annotations), e.g. 100 .. 234. Every beat annotation of the
five AAMI EC57 classes becomes a sample: N (N, L, R, e, j), S (A, a, J, S), V (V, E),
F (F) and Q (/, f, Q); other annotations (rhythm, noise, ...) are skipped. The BPSR paper
reports a 5-class and an 18-class task; this is the 5-class one.

A sample is the window from 0.25 s before to 0.45 s after the annotated R peak, every
signal of the record (MIT-BIH has two leads) in millivolts, level-crossing encoded with
``level_delta`` (mV) and binned into ``steps`` time steps: shape (2 * leads, steps), rows
UP and DOWN of lead 0, then of lead 1 (the paper's 4-channel input at T = 40). Beats
whose window leaves the record are dropped. There is no official split: the splits are
random over all beats (intra-patient), like the paper's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pumice.data.balanced import take_round_robin
from pumice.data.dataset import Dataset
from pumice.data.encoder_args import check_steps
from pumice.data.level_crossing import level_crossing_encode
from pumice.data.local_dir import required_dir
from pumice.data.wfdb_record import read_annotations, read_header, read_signals
from pumice.errors import DataError

AAMI_CLASSES = ("N", "S", "V", "F", "Q")
#: MIT annotation code (WFDB ecgcodes.h) -> AAMI class index.
AAMI_CLASS_OF_CODE = {
    1: 0, 2: 0, 3: 0, 34: 0, 11: 0,  # N, L, R, e, j
    8: 1, 4: 1, 7: 1, 9: 1,  # A, a, J, S
    5: 2, 10: 2,  # V, E
    6: 3,  # F
    12: 4, 38: 4, 13: 4,  # /, f, Q
}  # fmt: skip
WINDOW_BEFORE_S = 0.25
WINDOW_AFTER_S = 0.45
_LAYOUT = "the MIT-BIH records NNN.hea, NNN.dat (format 212) and NNN.atr"


def load_mitbih(
    root: str | Path | None, steps: int | None, level_delta: float, samples: int | None = None
) -> Dataset:
    """All AAMI-class beats of the records in ``root`` as spikes (N, 2 * leads, steps).

    ``samples`` caps the number of beats, taking the classes in turn (records in name
    order, beats in time order).
    """
    root = required_dir("mitbih", root, _LAYOUT)
    if steps is None:
        raise DataError("mitbih needs steps, the number of time bins per beat window")
    steps = check_steps(steps)
    headers = sorted(root.glob("*.hea"))
    if not headers:
        raise DataError(f"'{root}' holds no .hea file: pass a directory holding " + _LAYOUT)
    spikes, labels = [], []
    for header_path in headers:
        record_spikes, record_labels = _record_beats(header_path, steps, level_delta)
        if spikes and record_spikes.shape[1:] != spikes[0].shape[1:]:
            raise DataError(
                f"record '{header_path}' has {record_spikes.shape[1] // 2} signals where "
                f"'{headers[0]}' has {spikes[0].shape[1] // 2}: keep records with equal leads"
            )
        spikes.append(record_spikes)
        labels.append(record_labels)
    x, y = np.concatenate(spikes), np.concatenate(labels)
    by_class = [np.flatnonzero(y == label).tolist() for label in range(len(AAMI_CLASSES))]
    chosen = np.array([index for _, index in take_round_robin(by_class, samples)], dtype=np.int64)
    if len(chosen) == 0:
        raise DataError(f"the records in '{root}' hold no beat annotation of an AAMI class")
    chosen.sort()
    return Dataset(x[chosen], y[chosen], "mitbih", len(AAMI_CLASSES))


def _record_beats(
    header_path: Path, steps: int, level_delta: float
) -> tuple[np.ndarray, np.ndarray]:
    """One record's beats as spikes (beats, 2 * leads, steps) and their AAMI labels."""
    header = read_header(header_path)
    annotation_path = header_path.with_suffix(".atr")
    if not annotation_path.is_file():
        raise DataError(f"record '{header_path}' has no annotation file '{annotation_path}'")
    signals = read_signals(header, header_path.parent)
    peaks, codes = read_annotations(annotation_path)
    before = round(WINDOW_BEFORE_S * header.sampling_hz)
    after = round(WINDOW_AFTER_S * header.sampling_hz)
    labels = np.array([AAMI_CLASS_OF_CODE.get(int(code), -1) for code in codes], dtype=np.int64)
    keep = (labels >= 0) & (peaks >= before) & (peaks + after <= signals.shape[1])
    peaks, labels = peaks[keep], labels[keep]
    windows = signals[:, peaks[:, None] + np.arange(-before, after)].transpose(1, 0, 2)
    encoded = level_crossing_encode(windows, level_delta, steps)
    return encoded.reshape(len(peaks), 2 * len(signals), steps), labels
