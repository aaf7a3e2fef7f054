"""Run the conversion steps in order, timing each, optionally from or to a named step.

Every step that ran is a row of the report: its wall time, what it changed, the weight
sparsity and synapse count after it, and, with calibration data, the emulated accuracy
on it. With ``keep_intermediate`` the graph after each step is written there as
``NN_<step>.pumice``; every one of them loads and runs (``pumice run``).
"""

from __future__ import annotations

import time

import numpy as np

from pumice.convert.emulator import emulate_window
from pumice.convert.ir import Graph, save_graph
from pumice.convert.ir.recurrence import weighted_synapses
from pumice.convert.steps import standard  # noqa: F401  (registers the standard steps)
from pumice.convert.steps.config import ConversionConfig
from pumice.convert.steps.registry import STANDARD_STEPS, STEPS, ConversionState
from pumice.errors import ModelError

#: Steps that always run: they read the model and write the result.
_BOOKENDS = ("load", "write")
#: Steps that cannot change what the graph computes (the accuracy carries over), and
#: steps whose row shows none.
_EXACT_STEPS = ("trim_isi_bins",)
_UNSCORED_STEPS = ("check", "write")


def synapse_weight_arrays(graph: Graph) -> list[np.ndarray]:
    """Every synapse's weights: weight matrices (recurrent included) and ISI heights."""
    arrays = [node.weight for _, node in weighted_synapses(graph)]
    return arrays + [n.height for n in graph.nodes.values() if n.traits.isi]


def weight_sparsity(graph: Graph) -> float:
    """Fraction of zero weights over every synapse (recurrent and ISI synapses included)."""
    total = zeros = 0
    for weight in synapse_weight_arrays(graph):
        total += weight.size
        zeros += int(weight.size - np.count_nonzero(weight))
    return zeros / total if total else 0.0


def synapse_count(graph: Graph) -> int:
    """Non-zero weights over every synapse (recurrent and ISI synapses included)."""
    return sum(int(np.count_nonzero(weight)) for weight in synapse_weight_arrays(graph))


def steps_to_run(start: str | None, stop: str | None) -> list[str]:
    """The standard steps from ``start`` to ``stop`` (inclusive), with ``load`` and ``write``."""
    middle = [name for name in STANDARD_STEPS if name not in _BOOKENDS]
    for chosen in (start, stop):
        if chosen is not None and chosen not in middle:
            raise ModelError(
                f"unknown conversion step '{chosen}': choose one of {', '.join(middle)}"
            )
    first = middle.index(start) if start else 0
    last = middle.index(stop) if stop else len(middle) - 1
    if first > last:
        raise ModelError(f"step '{start}' comes after step '{stop}': nothing to run")
    return ["load", *middle[first : last + 1], "write"]


def _accuracy(state: ConversionState) -> float | None:
    if state.spikes is None:
        return None
    run = emulate_window(state.graph, state.spikes)
    return float((run.predictions(state.graph.output) == state.labels).mean())


def run_steps(
    config: ConversionConfig,
    spikes: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> tuple[Graph, dict]:
    """Convert ``config.model``; return the final graph and the JSON report.

    ``spikes``/``labels`` (T-step calibration input) calibrate the weight steps and score
    every step.
    """
    state = ConversionState(spikes=spikes, labels=labels)
    rows, skipped = [], []
    accuracy = None
    for name in steps_to_run(config.start, config.stop):
        clock = time.perf_counter()
        changes = STEPS[name](state, config)
        if changes is None:
            skipped.append(name)
            continue
        if name not in _EXACT_STEPS + _UNSCORED_STEPS:
            accuracy = _accuracy(state)
        rows.append(
            {
                "step": name,
                "wall_s": time.perf_counter() - clock,
                "accuracy": None if name in _UNSCORED_STEPS else accuracy,
                "sparsity": weight_sparsity(state.graph),
                "synapses": synapse_count(state.graph),
                "changes": changes,
            }
        )
        if config.keep_intermediate is not None and name != "write":
            index = STANDARD_STEPS.index(name)
            save_graph(state.graph, config.keep_intermediate / f"{index:02d}_{name}.pumice")
    report = {
        "model": str(config.model),
        "out": str(config.out),
        "steps": rows,
        "skipped": skipped,
        **state.report,
    }
    return state.graph, report


def format_steps(report: dict) -> str:
    """The report's steps as a fixed-width table."""
    rows = [("step", "accuracy", "sparsity", "synapses", "time (s)", "what changed")]
    for row in report["steps"]:
        acc = "-" if row["accuracy"] is None else f"{row['accuracy']:.4f}"
        rows.append(
            (
                row["step"],
                acc,
                f"{row['sparsity']:.3f}",
                str(row["synapses"]),
                f"{row['wall_s']:.2f}",
                row["changes"],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    )
