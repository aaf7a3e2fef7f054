"""UCI gas sensor arrays in open sampling settings: measurement files written by the test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pumice.data import Dataset, Splits, load_gas_sensor, load_splits
from pumice.data.gas_sensor import GASES, read_measurement, response_features
from pumice.data.minmax import rescale_to_train
from pumice.errors import DataError

TIMES_MS = [0, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000]  # 4 baseline rows, 3 after


def _table(baseline: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """92 columns: sensor s of board b at 12 + 9 b + s; the other columns hold junk 999."""
    table = np.full((len(TIMES_MS), 92), 999.0)
    table[:, 0] = TIMES_MS
    sensors = np.tile(baseline, (len(TIMES_MS), 1))
    sensors[5] = baseline * (1 - drop)  # the largest change, in the middle of the exposure
    sensors[6] = baseline * (1 - drop / 2)
    for board in range(9):
        table[:, 12 + 9 * board : 20 + 9 * board] = sensors[:, 8 * board : 8 * board + 8]
    return table


def _write(path: Path, table: np.ndarray, header: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["Time (ms)\tFanSetPoint\t..."] if header else []
    lines += ["\t".join(repr(float(value)) for value in row) for row in table]
    path.write_text("\n".join(lines) + "\n")
    return path


def _drop(gas: int, trial: int) -> np.ndarray:
    """A different relative response per gas, trial and sensor."""
    return (np.arange(72) + 1) / 100 * (gas + 1) / 12 + trial / 50


def _write_set(root: Path, trials: int = 2) -> Path:
    """Acetone (1), CO at two concentrations (5) and Toluene (9), ``trials`` files each."""
    baseline = 10.0 + np.arange(72)
    for folder, gas in (("Acetone_2500", 1), ("CO_1000", 5), ("CO_4000", 5), ("Toluene_200", 9)):
        for trial in range(trials):
            name = f"20110612154{trial}_board_setPoint_400V_fan_setPoint_060_p1"
            _write(root / folder / f"L{trial % 2 + 1}" / name, _table(baseline, _drop(gas, trial)))
    return root


def test_measurement_table_and_response_features(tmp_path):
    baseline = 10.0 + np.arange(72)
    baseline[3] = 0.0  # a dead sensor gives 0
    table = _table(baseline, _drop(2, 0))
    path = _write(tmp_path / "m", table)
    np.testing.assert_array_equal(read_measurement(path), table)
    expected = _drop(2, 0).copy()
    expected[3] = 0.0
    np.testing.assert_allclose(response_features(read_measurement(path)), expected, rtol=1e-12)
    no_header = _write(tmp_path / "n", table, header=False)
    np.testing.assert_array_equal(read_measurement(no_header), table)


def test_load_gas_sensor_labels_by_gas_and_scales_to_unit_range(tmp_path):
    data = load_gas_sensor(_write_set(tmp_path))
    assert data.x.shape == (8, 72) and data.x.dtype == np.float32
    assert data.num_classes == len(GASES) == 10 and data.name == "gas-sensor"
    np.testing.assert_array_equal(data.y, [1, 5, 9, 1, 5, 9, 5, 5])  # gases in turn
    np.testing.assert_allclose(data.x.min(axis=0), 0.0)
    np.testing.assert_allclose(data.x.max(axis=0), 1.0)
    assert GASES[5] == "CO" and GASES[9] == "Toluene"


def test_samples_cap_takes_gases_in_turn(tmp_path):
    data = load_gas_sensor(_write_set(tmp_path, trials=3), samples=5)
    np.testing.assert_array_equal(data.y, [1, 5, 9, 1, 5])


def test_rescale_to_train_uses_the_training_split_only():
    def part(values):
        x = np.array(values, dtype=np.float32)
        return Dataset(x, np.zeros(len(x), np.int64), "g", 1)

    splits = Splits(part([[0.2, 0.5], [0.6, 0.5]]), part([[0.4, 0.1]]), part([[1.0, 0.9]]))
    scaled = rescale_to_train(splits)
    np.testing.assert_allclose(scaled.train.x, [[0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(scaled.val.x, [[0.5, 0.0]])  # constant feature -> 0
    np.testing.assert_allclose(scaled.test.x, [[1.0, 0.0]])  # 1.0 clipped to 1


def test_load_splits_scales_on_the_training_split(tmp_path):
    splits = load_splits("gas-sensor", root=str(_write_set(tmp_path, trials=5)), val_fraction=0.2)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (13, 3, 4)
    np.testing.assert_allclose(splits.train.x.min(axis=0), 0.0)
    np.testing.assert_allclose(splits.train.x.max(axis=0), 1.0)
    for part in (splits.val, splits.test):
        assert part.x.min() >= 0.0 and part.x.max() <= 1.0


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text.replace("\t999.0", "", 1), r"has 91 columns where 92"),
        (lambda text: text.replace("999", "n/a", 3), "holds a non-numeric value"),
        (lambda text: text.split("\n", 1)[0], "holds no rows"),
        (lambda text: "\n".join(text.split("\n")[:4]), "needs rows after the 20000 ms baseline"),
    ],
)
def test_bad_measurement_names_the_file(tmp_path, damage, message):
    root = _write_set(tmp_path)
    path = sorted((root / "CO_4000").glob("L*/*"))[0]
    path.write_text(damage(path.read_text()))
    with pytest.raises(DataError, match=message) as info:
        load_gas_sensor(root)
    assert str(path) in str(info.value)


def test_unknown_folder_and_missing_data(tmp_path):
    with pytest.raises(DataError, match="holds no measurement"):
        load_gas_sensor(tmp_path)
    (tmp_path / "Xenon_100").mkdir()
    with pytest.raises(DataError, match="Xenon_100' is not a gas folder"):
        load_gas_sensor(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        load_gas_sensor(tmp_path / "nowhere")
    with pytest.raises(DataError, match="gas-sensor is not bundled: pass root"):
        load_splits("gas-sensor")
