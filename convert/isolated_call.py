"""Run decoders in a forked worker process, so that a crash in C code becomes an error.

The HDF5 library under h5py (lava-dl ``.net`` and NIR files) can crash the whole process
with a segmentation fault on a damaged file, before Python sees any exception; on a
damaged file a decoder may also allocate without bound or never return.
:func:`call_isolated` runs the call in a worker process forked from this one and returns
its result (pickled back through a pipe) or re-raises its exception. A worker that dies
from a signal, or outlives ``timeout`` seconds, is reported as :class:`ChildCrashed` and
replaced by a fresh one at the next call. The worker is forked once and serves every
later call, so a call costs a round trip, not a fork. Where ``fork`` is not available the
call runs in this process.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TypeVar

Result = TypeVar("Result")


class ChildCrashed(Exception):
    """The worker running a call died from a signal or ran past its time."""


def _serve(connection: Connection) -> None:
    """The worker: answer ``(function, args)`` requests until the pipe closes."""
    faulthandler.disable()  # a crash here is reported by the parent, in one line
    while True:
        try:
            function, args = connection.recv()
        except EOFError:
            return
        try:
            outcome = ("result", function(*args))
        except BaseException as exc:  # everything goes back to the parent, which re-raises
            outcome = ("error", exc)
        try:
            connection.send(outcome)
        except Exception as exc:  # an unpicklable exception or result
            connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


class _Worker:
    """A forked worker process and this process's end of its pipe."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, theirs = context.Pipe()
        for stream in (sys.stdout, sys.stderr):  # else the fork flushes our buffered text again
            stream.flush()
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()
        self.owner = os.getpid()

    def stop(self) -> None:
        self.connection.close()
        self.process.kill()
        self.process.join()


_worker: _Worker | None = None
_guard = threading.Lock()


def _signal_name(exitcode: int | None) -> str:
    if exitcode is None or exitcode >= 0:
        return f"exit code {exitcode}"
    try:
        return signal.Signals(-exitcode).name
    except ValueError:
        return f"signal {-exitcode}"


def call_isolated(function: Callable[..., Result], *args, timeout: float = 300.0) -> Result:
    """``function(*args)`` (a module-level function) run in the worker; its exception
    re-raised here.

    Raises :class:`ChildCrashed` when the worker dies without answering, or takes longer
    than ``timeout`` seconds (it is then killed).
    """
    global _worker
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if not forkable or multiprocessing.current_process().daemon:  # daemons have no children
        return function(*args)
    with _guard:
        if _worker is None or _worker.owner != os.getpid() or not _worker.process.is_alive():
            _worker = _Worker()  # a worker inherited through a fork belongs to the parent
        worker = _worker
        try:
            worker.connection.send((function, args))
            if not worker.connection.poll(timeout):
                raise ChildCrashed(f"its decoder took more than {timeout:.3g} s")
            kind, value = worker.connection.recv()
        except (EOFError, BrokenPipeError):
            worker.process.join()
            _worker = None
            crash = _signal_name(worker.process.exitcode)
            raise ChildCrashed(f"its decoder crashed ({crash})") from None
        except BaseException:  # a timeout, or an interrupt: the worker's answer is not ours
            worker.stop()
            _worker = None
            raise
    if kind == "error":
        raise value
    return value
