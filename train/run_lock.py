"""A lock on a training run directory: one trainer writes into it at a time.

The lock is an exclusive ``flock`` on ``<run>/.train.lock``, a file that holds the owner's
process id. The kernel drops a ``flock`` when its process ends, however it ends (a crash,
SIGKILL, a power cut), so a lock a dead trainer left is free for the next one, which takes
it over; the file still names the dead process, which is how :attr:`RunLock.stale_owner`
tells a takeover. The owner removes the file when it finishes.

In one process the lock is reentrant, so the pipeline can hold it around training and
the model export while the trainer takes it again inside; another thread is refused.
Written on ``fcntl.flock`` rather than ``filelock``: its native lock records no owner to
name in the refusal and leaves its file in the run directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from pumice.errors import ConfigError

#: The lock file inside a run directory.
LOCK_NAME = ".train.lock"


class RunBusyError(ConfigError):
    """Another trainer is writing into the run directory."""


@dataclasses.dataclass
class RunLock:
    """A held lock on a run directory."""

    #: The run directory.
    out_dir: Path
    #: Process id a crashed trainer left in the lock file, when this lock took it over.
    stale_owner: int | None
    fd: int = dataclasses.field(repr=False)
    thread: int = dataclasses.field(default_factory=threading.get_ident, repr=False)
    depth: int = 1


#: Locks this process holds, by resolved run directory.
_HELD: dict[Path, RunLock] = {}
_HELD_GUARD = threading.Lock()


def _owner(fd: int) -> int | None:
    """The process id written in an open lock file, or None."""
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def _error(out_dir: Path, exc: OSError) -> ConfigError:
    return ConfigError(f"cannot lock the run directory '{out_dir}': {exc.strerror or exc}")


def _acquire(out_dir: Path) -> RunLock:
    """Take the lock, or raise :class:`RunBusyError` at once if another process holds it."""
    path = out_dir / LOCK_NAME
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"the run directory '{out_dir}' is a file, not a directory")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _owner(fd)
                os.close(fd)
                who = f"process {owner}" if owner else "another process"
                raise RunBusyError(
                    f"'{out_dir}' is in use by another training ({who}): wait until it ends, "
                    f"or train into another --out"
                ) from None
            try:
                same_file = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same_file = False
            if same_file:  # else the last owner removed the file after we opened it: retry
                break
            os.close(fd)
        stale = _owner(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except RunBusyError:
        raise
    except OSError as exc:
        raise _error(out_dir, exc) from None
    return RunLock(out_dir, stale, fd)


def _release(lock: RunLock) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(lock.out_dir / LOCK_NAME)  # while still held, so no one locks a removed file
    os.close(lock.fd)


@contextlib.contextmanager
def run_lock(out_dir: str | os.PathLike) -> Iterator[RunLock]:
    """Hold the lock on ``out_dir`` (created if needed) for the ``with`` block."""
    out_dir = Path(out_dir)
    key = out_dir.resolve()
    with _HELD_GUARD:
        lock = _HELD.get(key)
        if lock is not None and lock.thread != threading.get_ident():
            raise RunBusyError(f"'{out_dir}' is in use by another training in this process")
        if lock is None:
            lock = _HELD[key] = _acquire(out_dir)
        else:
            lock.depth += 1
    try:
        yield lock
    finally:
        with _HELD_GUARD:
            lock.depth -= 1
            if lock.depth == 0:
                del _HELD[key]
                _release(lock)
