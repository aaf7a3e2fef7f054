"""Decoders run in a forked worker: a crash or a hang there is an error here, and the next
call gets a fresh worker."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pumice.convert import model_files
from pumice.convert.isolated_call import ChildCrashed, call_isolated
from pumice.errors import ModelError


def _pid_and_sum(a: int, b: int) -> tuple[int, int]:
    return os.getpid(), a + b


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _hang() -> None:
    time.sleep(60)


def _refuse(message: str) -> None:
    raise ModelError(message)


def test_results_and_errors_come_back_from_one_worker():
    first, total = call_isolated(_pid_and_sum, 2, 3)
    assert total == 5 and first != os.getpid()
    assert call_isolated(_pid_and_sum, 1, 1)[0] == first  # the same worker serves again
    with pytest.raises(ModelError, match="^bad file$"):
        call_isolated(_refuse, "bad file")
    assert call_isolated(_pid_and_sum, 0, 0)[0] == first


def test_a_crash_is_an_error_and_the_next_call_gets_a_new_worker():
    before, _ = call_isolated(_pid_and_sum, 0, 0)
    with pytest.raises(ChildCrashed, match=r"its decoder crashed \(SIGSEGV\)"):
        call_isolated(_crash)
    after, total = call_isolated(_pid_and_sum, 4, 5)
    assert total == 9 and after != before


def test_a_hang_is_stopped_after_the_timeout():
    before, _ = call_isolated(_pid_and_sum, 0, 0)
    started = time.perf_counter()
    with pytest.raises(ChildCrashed, match="took more than 0.5 s"):
        call_isolated(_hang, timeout=0.5)
    assert time.perf_counter() - started < 10
    assert call_isolated(_pid_and_sum, 0, 0)[0] != before


def _crash_reading(path) -> None:
    _crash()


def _hang_reading(path) -> None:
    _hang()


@pytest.mark.parametrize(
    ("reader", "fragment"),
    [(_crash_reading, "its decoder crashed (SIGSEGV)"), (_hang_reading, "took more than 0.5 s")],
)
def test_read_model_reports_a_crashed_or_hung_decoder_in_one_line(
    tmp_path, monkeypatch, reader, fragment
):
    monkeypatch.setitem(model_files.READERS, ".nir", reader)
    monkeypatch.setattr(model_files, "READ_TIMEOUT_S", 0.5)
    monkeypatch.setattr(model_files, "READ_S_PER_MB", 0.0)
    path = tmp_path / "m.nir"
    path.write_bytes(b"\x89HDF\r\n\x1a\n")
    with pytest.raises(ModelError) as info:
        model_files.read_model(path)
    message = str(info.value)
    assert message.startswith(f"model file '{path}' cannot be decoded: ") and fragment in message
    assert "\n" not in message
