"""Damaged model files of every format: refused in one line, never a traceback (issue 12).

Hypothesis truncates a small valid file of each format or flips some of its bytes. Reading
it must either fail with one :class:`ModelError` line naming the file, or give a graph that
passes validation and runs. A ``.pumice`` file is sealed by a SHA-256 trailer, so every
damaged one must be refused; ``.net``, ``.onnx`` and ``.nir`` carry no checksum, and a
flipped bit inside a weight leaves a valid model with another weight, which is read. The
file is never changed. Most examples call ``read_model`` directly; a sample goes through
``pumice convert FILE --out OUT``, which must exit 2 with one line and write nothing, or 0.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_file_factory import SUFFIXES, fixed_graph, valid_file, write_pumice_v1

from pumice.cli import main
from pumice.convert.emulator import emulate
from pumice.convert.model_files import read_model
from pumice.errors import ModelError

#: Damaged files per format read directly, and through the CLI.
DIRECT_EXAMPLES = 250
CLI_EXAMPLES = 25
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclasses.dataclass(frozen=True)
class Damage:
    """Keep the first ``keep`` bytes (None: all), then XOR byte ``i % length`` with ``mask``."""

    keep: int | None
    flips: tuple[tuple[int, int], ...]

    def apply(self, data: bytes) -> bytes:
        damaged = bytearray(data[: self.keep] if self.keep is not None else data)
        flipped = {}
        for position, mask in self.flips:
            flipped[position % len(damaged)] = mask  # one mask per byte: flips never cancel
        for position, mask in flipped.items():
            damaged[position] ^= mask
        return bytes(damaged)


def _damages(size: int) -> st.SearchStrategy[Damage]:
    flips = st.lists(st.tuples(st.integers(0, size - 1), st.integers(1, 255)), max_size=8)
    truncation = st.builds(Damage, st.integers(0, size - 1), st.just(()))
    flipping = st.builds(Damage, st.none(), flips.filter(bool).map(tuple))
    both = st.builds(Damage, st.integers(1, size - 1), flips.filter(bool).map(tuple))
    return st.one_of(truncation, flipping, both)


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> dict[str, bytes]:
    """The bytes of one valid model file per format (and a version-1 ``.pumice``)."""
    folder = tmp_path_factory.mktemp("valid")
    files = {suffix: valid_file(folder, suffix).read_bytes() for suffix in SUFFIXES}
    files["v1.pumice"] = write_pumice_v1(folder / "v1.pumice", fixed_graph()).read_bytes()
    return files


def _write(folder: Path, suffix: str, data: bytes) -> Path:
    path = folder / f"damaged{suffix}"
    path.write_bytes(data)
    return path


def _read(path: Path, data: bytes):
    """``read_model(path)``: the graph, or None after a one-line refusal naming the file."""
    try:
        graph = read_model(path)
    except ModelError as exc:
        message = str(exc)
        assert "\n" not in message and str(path) in message, message
        graph = None
    assert path.read_bytes() == data  # the reader never changes its input
    return graph


def _runs(graph) -> None:
    """An accepted graph runs: one sample's output spikes have the output layer's shape."""
    shape = graph.nodes[graph.input].shape
    spikes = np.random.default_rng(0).integers(0, 2, (1, *shape, 4), dtype=np.uint8)
    with np.errstate(all="ignore"):  # a flipped exponent may leave huge finite weights
        result = emulate(graph, spikes, record_spikes=True)
    assert result.spikes[graph.output].shape == (1, *graph.nodes[graph.output].shape, 4)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_damaged_files_are_refused_in_one_line_or_read_valid(suffix, originals, tmp_path):
    data = originals[suffix]
    seen: set[bytes] = set()

    @settings(FUZZ, max_examples=DIRECT_EXAMPLES)
    @given(damage=_damages(len(data)))
    def check(damage: Damage) -> None:
        damaged = damage.apply(data)
        seen.add(damaged)
        graph = _read(_write(tmp_path, suffix, damaged), damaged)
        if suffix == ".pumice":
            assert graph is None, "a damaged .pumice file was read"
        elif graph is not None:
            _runs(graph)

    check()
    assert len(seen) >= 200  # distinct damaged files, none equal to the original
    assert data not in seen


def test_damaged_version_1_files_are_refused_or_read_unchanged(originals, tmp_path):
    """Version-1 files have no SHA-256 but zip CRC-32s: damage is refused, or it hit bytes
    that hold no model content and the graph read is the original."""
    data = originals["v1.pumice"]
    expected = fixed_graph()

    @settings(FUZZ, max_examples=100)
    @given(damage=_damages(len(data)))
    def check(damage: Damage) -> None:
        damaged = damage.apply(data)
        graph = _read(_write(tmp_path, ".pumice", damaged), damaged)
        if graph is not None:
            assert list(graph.nodes) == list(expected.nodes)
            for name, node in expected.nodes.items():
                for key, value in vars(node).items():
                    np.testing.assert_array_equal(getattr(graph.nodes[name], key), value)

    check()


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_cli_exits_2_in_one_line_and_writes_nothing(suffix, originals, tmp_path, capsys):
    data = originals[suffix]
    out = tmp_path / "out.pumice"

    @settings(FUZZ, max_examples=CLI_EXAMPLES)
    @given(damage=_damages(len(data)))
    def check(damage: Damage) -> None:
        damaged = damage.apply(data)
        path = _write(tmp_path, suffix, damaged)
        out.unlink(missing_ok=True)
        code = main(["-q", "convert", str(path), "--out", str(out)])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        assert path.read_bytes() == damaged
        if suffix == ".pumice":
            assert code == 2
        assert code in (0, 2)
        if code == 2:
            assert captured.err.count("\n") == 1 and captured.err.startswith("pumice: error: ")
            assert str(path) in captured.err
            assert not out.exists()
            assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
        else:
            assert out.is_file()

    check()
