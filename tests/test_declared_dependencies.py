"""Every third-party module pumice's packages import is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions

from installed_tree import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: Installed by scripts/bootstrap.sh, not declared (the comment above ``dependencies``).
BOOTSTRAP_ONLY = {"torch", "lava-nc", "lava-dl"}


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    """Distribution names of ``[project] dependencies``, normalised."""
    names = (
        re.match(r"[A-Za-z0-9._-]+", req).group() for req in PYPROJECT["project"]["dependencies"]
    )
    return {_normalized(name) for name in names}


def _imported_modules() -> dict[str, str]:
    """Top-level third-party module -> one file importing it, over every package folder."""
    found = {}
    for folder in set(PYPROJECT["tool"]["setuptools"]["package-dir"].values()):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in ("pumice", "__future__"):
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_distribution_is_declared():
    declared = _declared() | BOOTSTRAP_ONLY
    distributions = packages_distributions()
    imported = _imported_modules()
    assert {"numpy", "scipy", "lava", "torch", "onnx"} <= set(imported)
    for module, where in imported.items():
        # Not installed here (tomli on Python >= 3.11): declared under its own name, then.
        owners = {_normalized(name) for name in distributions.get(module, [module])}
        assert owners & declared, f"{module} (imported in {where}, from {owners}) is undeclared"


def test_bootstrap_only_distributions_are_documented_and_not_declared():
    text = (ROOT / "pyproject.toml").read_text()
    comment = text[: text.index("dependencies = [")]
    for name in BOOTSTRAP_ONLY:
        assert f"{name} " in comment, name
        assert name not in _declared(), name
