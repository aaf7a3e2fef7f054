"""Make lava-nc 0.10.0 importable and runnable here without editing site-packages.

Two source fixes, applied by an import hook first on ``sys.meta_path`` that loads the
affected module from its real file with the fix compiled in (line numbers unchanged, so
tracebacks still point at the right lines):

- Python >= 3.11: ``lava/magma/compiler/var_model.py`` declares dataclass fields as
  ``x: ByteEncoder = ByteEncoder()``, which 3.11 rejects as a mutable default; they become
  ``field(default_factory=ByteEncoder)``.
- Every Python: Lava's runtime calls ``mp.set_start_method('fork')`` at import, which
  raises "context has already been set" once anything (tqdm's first progress bar takes a
  multiprocessing lock) has fixed the start method; it gets ``force=True``.

Lava starts its processes with ``fork``, so they inherit the patched modules.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Callable

TARGET = "lava.magma.compiler.var_model"
#: Lava's multiprocessing message infrastructure, which sets the start method at import.
START_METHOD_MODULE = "lava.magma.runtime.message_infrastructure.multiprocessing"

_MUTABLE_DEFAULT = re.compile(
    r"^(?P<lhs>[ \t]+\w+[ \t]*:[ \t]*ByteEncoder[ \t]*=[ \t]*)ByteEncoder\(\)[ \t]*$",
    re.MULTILINE,
)
_FIXED_DEFAULT = re.compile(r"=[ \t]*field\(default_factory=ByteEncoder\)")
_DATACLASSES_IMPORT = re.compile(r"^from dataclasses import (?P<names>[^\n()\\]+)$", re.MULTILINE)


def needs_fix(version_info: tuple = sys.version_info) -> bool:
    """Whether this Python rejects lava-nc's mutable dataclass defaults (3.11 and newer)."""
    return tuple(version_info[:2]) >= (3, 11)


def patch_var_model_source(source: str) -> str:
    """Rewrite ``x: ByteEncoder = ByteEncoder()`` to ``field(default_factory=ByteEncoder)``.

    Returns the source unchanged if it already uses ``default_factory``; raises RuntimeError
    if it has neither form, or has no one-line ``from dataclasses import`` to add ``field`` to.
    """
    patched, count = _MUTABLE_DEFAULT.subn(r"\g<lhs>field(default_factory=ByteEncoder)", source)
    if count == 0:
        if _FIXED_DEFAULT.search(source):
            return source
        raise RuntimeError(
            f"pumice.lava_compat: no 'x: ByteEncoder = ByteEncoder()' field found in {TARGET}; "
            "this lava-nc differs from 0.10.0 and the Python 3.11 fix must be revisited"
        )
    match = _DATACLASSES_IMPORT.search(patched)
    if match is None:
        raise RuntimeError(
            f"pumice.lava_compat: no one-line 'from dataclasses import ...' in {TARGET}; "
            "this lava-nc differs from 0.10.0 and the Python 3.11 fix must be revisited"
        )
    names = [name.strip() for name in match["names"].split(",")]
    if "field" not in names:
        line = f"from dataclasses import {', '.join([*names, 'field'])}"
        patched = patched[: match.start()] + line + patched[match.end() :]
    return patched


def patch_start_method_source(source: str) -> str:
    """Make Lava's ``mp.set_start_method('fork')`` tolerate an already chosen start method."""
    old, new = "mp.set_start_method('fork')", "mp.set_start_method('fork', force=True)"
    if new in source:
        return source
    if source.count(old) != 1:
        raise RuntimeError(
            f"pumice.lava_compat: expected one {old} in {START_METHOD_MODULE}; "
            "this lava-nc differs from 0.10.0 and the start-method fix must be revisited"
        )
    return source.replace(old, new)


def patches(version_info: tuple = sys.version_info) -> dict[str, Callable[[str], str]]:
    """Module name -> source fix, for the fixes this Python needs."""
    fixes = {START_METHOD_MODULE: patch_start_method_source}
    if needs_fix(version_info):
        fixes[TARGET] = patch_var_model_source
    return fixes


class _PatchedSourceLoader(importlib.machinery.SourceFileLoader):
    """Loads the real file, compiling the patched source (never from or to a .pyc)."""

    def __init__(self, fullname: str, path: str, fix: Callable[[str], str]) -> None:
        super().__init__(fullname, path)
        self.fix = fix

    def get_code(self, fullname: str):
        source = self.get_data(self.path).decode("utf-8")
        return compile(self.fix(source), self.path, "exec", dont_inherit=True)


class _LavaSourceFinder(importlib.abc.MetaPathFinder):
    """Gives each patched module a spec with the patching loader; leaves the rest alone."""

    pumice_lava_compat = True

    def __init__(self, fixes: dict[str, Callable[[str], str]]) -> None:
        self.fixes = fixes

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.fixes:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if not spec.has_location or not spec.origin.endswith(".py"):
            return spec
        loader = _PatchedSourceLoader(fullname, spec.origin, self.fixes[fullname])
        return importlib.util.spec_from_file_location(fullname, spec.origin, loader=loader)


def _active() -> bool:
    return any(getattr(finder, "pumice_lava_compat", False) for finder in sys.meta_path)


def install(version_info: tuple = sys.version_info) -> bool:
    """Put the import hook first on sys.meta_path; True if it fixes var_model (3.11+)."""
    if not _active():
        sys.meta_path.insert(0, _LavaSourceFinder(patches(version_info)))
    return needs_fix(version_info)
