"""A regular install, used from another folder, finds its profiles and configs in itself."""

from __future__ import annotations

import json
from pathlib import Path

from installed_tree import ROOT, run_python

import pumice

#: Run inside the installed tree: where everything was found, as JSON.
PROBE = """
import json, sys
import pumice, pumice.convert
from pumice.convert.hardware import PROFILE_NAMES, load_profile
from pumice.convert.hardware.profile import PROFILES_DIR
from pumice.pipeline import DEMO_CONFIG
from pumice.train.config import load_config

kinds = (finder if isinstance(finder, type) else type(finder) for finder in sys.meta_path)
finders = [f"{kind.__module__}.{kind.__qualname__}" for kind in kinds]
print(json.dumps({
    "pumice": pumice.__file__,
    "convert": pumice.convert.__file__,
    "profiles_dir": str(PROFILES_DIR),
    "profile_names": list(PROFILE_NAMES),
    "loihi1": load_profile("loihi1").name,
    "loihi2_neurons": load_profile("loihi2").neurons_per_core,
    "demo_config": str(DEMO_CONFIG),
    "demo_classes": load_config(DEMO_CONFIG).network.layers[-1].features,
    "finders": finders,
}))
"""


def _probe(tree: Path, cwd: Path) -> dict:
    result = run_python(tree, PROBE, cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_installed_tree_finds_profiles_and_demo_config(installed_pumice, tmp_path):
    found = _probe(installed_pumice, tmp_path)
    tree = str(installed_pumice.resolve())
    for key in ("pumice", "convert", "profiles_dir", "demo_config"):
        assert found[key].startswith(tree + "/"), (key, found[key])
        assert not found[key].startswith(str(ROOT) + "/"), (key, found[key])
    assert found["convert"] == f"{tree}/pumice/convert/__init__.py"
    assert found["profiles_dir"] == f"{tree}/pumice/hw_profiles"
    assert found["demo_config"] == f"{tree}/pumice/configs/digits_demo.toml"
    assert {"loihi1", "loihi2"} <= set(found["profile_names"])
    assert (found["loihi1"], found["loihi2_neurons"]) == ("loihi1", 8192)
    assert found["demo_classes"] == 10


def test_installed_tree_wins_over_the_editable_finder(installed_pumice, tmp_path):
    """Where this checkout is installed editable, its finder is on sys.meta_path, after
    the path finder that finds the installed tree first."""
    finders = _probe(installed_pumice, tmp_path)["finders"]
    editable = [i for i, name in enumerate(finders) if name.startswith("__editable__")]
    if Path(pumice.__file__).resolve().is_relative_to(ROOT):
        assert editable, finders
    (path_finder,) = [i for i, name in enumerate(finders) if name.endswith(".PathFinder")]
    assert all(path_finder < i for i in editable), finders


def test_installed_tree_ships_every_profile_and_config(installed_pumice):
    for folder, package in (("hw_profiles", "hw_profiles"), ("configs", "configs")):
        shipped = {p.name for p in (ROOT / folder).glob("*.toml")}
        installed = {p.name for p in (installed_pumice / "pumice" / package).glob("*.toml")}
        assert shipped and installed == shipped, folder
