"""UCI "Gas sensor arrays in open sampling settings" (Vergara et al. 2013), the BPSR gas set.

The paper's gas task: a wind tunnel, ten gases, 72 metal-oxide sensors (9 boards x 8),
features rank-order encoded. Layout under ``root`` (the unzipped ``WTD_upload`` folder):
``<Gas>_<ppm>/L<k>/<measurement>``, one folder per gas and concentration (CO comes at
1000 and 4000 ppm, both labelled CO) and one per board location L1 .. L6. A measurement
is a tab-separated text table, one header line, then one row per sample of 92 columns:
time (ms), fan and mass-flow settings, temperature, humidity, then for each board one
non-sensor column followed by its 8 sensors (the column layout read by the WTDtools
reader of Schmuker et al. 2016).

Each measurement becomes one sample of 72 features: for every sensor, the largest
relative change from its baseline, ``max |r(t) - b| / |b|`` over the rows after the first
``BASELINE_MS``, ``b`` being the mean of the rows before (0 for a sensor whose baseline
is 0). :func:`load_gas_sensor` scales each feature to [0, 1] over the loaded set;
``load_splits`` then rescales it by its minimum and maximum on the training split (val
and test clipped to [0, 1]). The features are intensities, encoded by ``[data]
encoding`` (the paper uses rank order).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from pumice.data.balanced import take_round_robin
from pumice.data.dataset import Dataset
from pumice.data.local_dir import required_dir
from pumice.errors import DataError

GASES = (
    "Acetaldehyde",
    "Acetone",
    "Ammonia",
    "Benzene",
    "Butanol",
    "CO",
    "Ethylene",
    "Methane",
    "Methanol",
    "Toluene",
)
NUM_COLUMNS = 92
#: Column of sensor s (0-7) of board b (0-8) is 12 + 9 b + s.
SENSOR_COLUMNS = np.array([12 + 9 * board + sensor for board in range(9) for sensor in range(8)])
#: The rows of the first 20 s (before the gas is released) give each sensor's baseline.
BASELINE_MS = 20_000
_FOLDER = re.compile(r"^([A-Za-z]+)_(\d+)$")
_LAYOUT = "<Gas>_<ppm>/L1..L6/<measurement> folders (the unzipped WTD_upload)"


def load_gas_sensor(root: str | Path | None, samples: int | None = None) -> Dataset:
    """Every measurement under ``root`` as 72 features in [0, 1], labelled by gas.

    ``samples`` caps the number of measurements, taking the gases in turn (files in path
    order).
    """
    root = required_dir("gas-sensor", root, _LAYOUT)
    by_gas: list[list[Path]] = [[] for _ in GASES]
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        match = _FOLDER.match(folder.name)
        if match is None or match[1] not in GASES:
            raise DataError(
                f"'{folder}' is not a gas folder: name them <Gas>_<ppm> with Gas one of "
                + ", ".join(GASES)
            )
        files = sorted(p for p in folder.glob("L*/*") if p.is_file() and not p.name.startswith("."))
        by_gas[GASES.index(match[1])].extend(files)
    chosen = take_round_robin(by_gas, samples)
    if not chosen:
        raise DataError(f"'{root}' holds no measurement: pass a directory holding " + _LAYOUT)
    features = np.stack([response_features(read_measurement(path), path) for _, path in chosen])
    low, high = features.min(axis=0), features.max(axis=0)
    scaled = (features - low) / np.where(high > low, high - low, 1.0)
    labels = np.array([label for label, _ in chosen], dtype=np.int64)
    return Dataset(scaled.astype(np.float32), labels, "gas-sensor", len(GASES))


def read_measurement(path: str | Path) -> np.ndarray:
    """The numeric table (rows, 92 columns) of one measurement file; a header line is skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"cannot read gas measurement '{path}' ({err})") from err
    first, _, rest = text.partition("\n")
    body = rest if first.split() and not _is_number(first.split()[0]) else text
    if not body.strip():
        raise DataError(f"gas measurement '{path}' holds no rows: extract it again")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = np.fromstring(body, sep=" ")
        except (ValueError, DeprecationWarning) as err:
            raise DataError(f"gas measurement '{path}' holds a non-numeric value: {err}") from err
    columns = len(body.split("\n", 1)[0].split())
    if columns != NUM_COLUMNS or len(values) % NUM_COLUMNS or not len(values):
        raise DataError(
            f"gas measurement '{path}' has {columns} columns where {NUM_COLUMNS} are expected, "
            f"or a ragged row: it is not a WTD_upload measurement file"
        )
    return values.reshape(-1, NUM_COLUMNS)


def response_features(table: np.ndarray, path: str | Path = "<table>") -> np.ndarray:
    """Each sensor's largest relative change from its baseline (72 features)."""
    elapsed = table[:, 0] - table[0, 0]
    sensors = table[:, SENSOR_COLUMNS]
    baseline_rows = elapsed < BASELINE_MS
    if baseline_rows.all():
        raise DataError(
            f"gas measurement '{path}' lasts {elapsed[-1]:.0f} ms: it needs rows after the "
            f"{BASELINE_MS} ms baseline"
        )
    baseline = sensors[baseline_rows].mean(axis=0)
    change = np.abs(sensors[~baseline_rows] - baseline).max(axis=0)
    magnitude = np.abs(baseline)
    return np.where(magnitude > 0, change / np.where(magnitude > 0, magnitude, 1.0), 0.0)


def _is_number(token: str) -> bool:
    """Whether ``token`` parses as a float."""
    try:
        float(token)
    except ValueError:
        return False
    return True
