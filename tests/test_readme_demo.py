"""The README quotes the demo as it runs: the table ``pumice demo`` prints, and the
emulator's accuracy on the Lava subset, come out of a fresh demo run unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pumice.cli import format_demo_table
from pumice.pipeline import demo

pytestmark = [pytest.mark.slow, pytest.mark.lava]

README = Path(__file__).resolve().parents[1] / "README.md"


def _quoted_table() -> str:
    text = README.read_text()
    after = text.split("What the demo prints", 1)[1]
    return re.search(r"```\n(.*?)\n```", after, re.DOTALL).group(1)


def test_the_readme_quotes_a_fresh_demo_run(tmp_path):
    summary = demo(tmp_path / "demo", progress=False)
    assert format_demo_table(summary) == _quoted_table()
    subset = f"the emulator scores {100 * summary['fixed_point_accuracy_on_lava_subset']:.2f} %"
    assert subset in " ".join(README.read_text().split())
