"""Imports point one way, and no module of pumice imports itself back.

The import-linter contracts in ``pyproject.toml`` (layers: the app on top, train and
deploy apart, convert below them, base utilities last; convert free of torch and Lava;
deploy using nothing of convert but the IR; no cycles between siblings) are checked on
the installed package layout, where ``pumice.convert`` really sits inside ``pumice``. A
grimp check adds what sibling contracts cannot see: a package and one of its own modules
importing each other (lazy imports inside functions count too).
"""

from __future__ import annotations

import grimp
from installed_tree import ROOT, run_python

_LINT = f"""
import sys
from importlinter.cli import lint_imports
sys.exit(lint_imports(config_filename={str(ROOT / "pyproject.toml")!r}, no_cache=True))
"""

_CYCLES = """
import grimp
graph = grimp.build_graph("pumice", cache_dir=None)
found = []
for importer in sorted(graph.modules):
    for imported in sorted(graph.find_modules_directly_imported_by(importer)):
        back = graph.find_shortest_chain(importer=imported, imported=importer)
        if back is not None:
            found.append(" -> ".join([importer, *back]))
print("\\n".join(found))
"""


def test_import_linter_contracts_hold(installed_pumice, tmp_path):
    linted = run_python(installed_pumice, _LINT, cwd=tmp_path)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "0 broken" in linted.stdout and "BROKEN" not in linted.stdout


def test_no_module_is_part_of_an_import_cycle(installed_pumice, tmp_path):
    found = run_python(installed_pumice, _CYCLES, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "", f"import cycles:\n{found.stdout}"


def test_the_contracts_see_the_whole_package(installed_pumice, tmp_path):
    modules = run_python(
        installed_pumice,
        "import grimp; print(len(grimp.build_graph('pumice', cache_dir=None).modules))",
        cwd=tmp_path,
    )
    assert int(modules.stdout) > 150  # convert, train and deploy are inside pumice there
    assert grimp.__name__ == "grimp"
