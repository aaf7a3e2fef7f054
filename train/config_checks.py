"""Value checks shared by every config section: a failed check names the key and the problem."""

from __future__ import annotations

from pumice.errors import ConfigError


class InvalidValue(ConfigError):
    """A value rejected by a dataclass check; the loader adds file and section."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key} {problem}")
        self.key = key
        self.problem = problem


def check(ok: bool, key: str, problem: str) -> None:
    """Raise :class:`InvalidValue` for ``key`` unless ``ok``."""
    if not ok:
        raise InvalidValue(key, problem)
