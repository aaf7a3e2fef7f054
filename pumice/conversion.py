"""``pumice convert`` as named steps: load, lower ISI synapses, quantise, check, write.

Each step records its wall time, what it changed, the weight sparsity after it and,
when calibration data is given, the accuracy on the calibration split (the dataset's
validation split), so users see what every step cost.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from pumice.atomic import atomic_write_text
from pumice.convert.hardware import check_graph, load_profile, raise_for_violations
from pumice.convert.ir import Graph, save_graph
from pumice.convert.isi import ISI_SYNAPSES
from pumice.convert.passes import PASSES
from pumice.convert.passes.quantize import SLAYER_SCALE
from pumice.convert.quantization_report import quantization_report
from pumice.convert.recurrence import weighted_synapses
from pumice.errors import ModelError
from pumice.inference import run_graph
from pumice.model_files import read_model


@dataclasses.dataclass
class ConversionConfig:
    """What ``pumice convert`` does."""

    #: Input model: .pumice, or a format of :data:`pumice.model_files.READERS`.
    model: Path
    #: Output fixed-point model file.
    out: Path
    #: Weight bits per synapse, 1..8.
    bits: int = 8
    #: Dataset (name or .npz) whose validation split calibrates steps and scores each step.
    calibrate: str | None = None
    #: Directory of the calibration dataset's files.
    root: str | None = None
    #: Calibration samples (the first N of the validation split).
    calibration_samples: int = 256
    #: "multiply" (Lava's LIF decays) or "shift" (decays rounded to powers of two).
    leak: str = "multiply"
    #: Fraction of each layer's weights to prune by magnitude (None: no pruning).
    prune: float | None = None
    #: Hardware profile (name or .toml path) to check the result against.
    profile: str | None = None
    #: Largest ISI the binners of lowered ISI synapses keep (None: the model's T + 1).
    max_isi: int | None = None
    #: Trailing ISI bins whose weights are all below this magnitude are dropped (0: none).
    isi_tolerance: float = 0.0
    #: Integer units per threshold unit (a power of two; SLAYER's 64). Larger values give
    #: weights and biases finer steps relative to the threshold.
    scale: int = SLAYER_SCALE

    def __post_init__(self) -> None:
        if self.scale < 1 or self.scale & (self.scale - 1):
            raise ModelError(f"scale must be a power of two >= 1, got {self.scale}")


def synapse_weight_arrays(graph: Graph) -> list[np.ndarray]:
    """Every synapse's weights: weight matrices (recurrent included) and ISI heights."""
    arrays = [node.weight for _, node in weighted_synapses(graph)]
    return arrays + [n.height for n in graph.nodes.values() if isinstance(n, ISI_SYNAPSES)]


def weight_sparsity(graph: Graph) -> float:
    """Fraction of zero weights over every synapse (recurrent and ISI synapses included)."""
    total = zeros = 0
    for weight in synapse_weight_arrays(graph):
        total += weight.size
        zeros += int(weight.size - np.count_nonzero(weight))
    return zeros / total if total else 0.0


def _synapse_count(graph: Graph) -> int:
    """Non-zero weights over every synapse (recurrent and ISI synapses included)."""
    return sum(int(np.count_nonzero(weight)) for weight in synapse_weight_arrays(graph))


def _lower_isi(graph: Graph, config: ConversionConfig) -> tuple[Graph, str]:
    """The graph with its ISI synapses lowered, and what changed."""
    lower = PASSES["lower_isi"](max_isi=config.max_isi, tolerance=config.isi_tolerance)
    graph, _ = lower.apply(graph)
    changes = "ISI synapse -> ISI binner + synapse: " + ", ".join(
        f"{name} {layer['synapses_before']}->{layer['synapses_after']} synapses, "
        f"{layer['bins']} bins"
        for name, layer in graph.metadata["isi_lowering"].items()
    )
    return graph, changes


def _decay_text(values) -> str:
    """A decay of the shift-leak report: one number, or the span of per-neuron values."""
    if isinstance(values, list):
        return f"[{min(values):.4g}..{max(values):.4g}]"
    return f"{values:.4g}"


def convert(config: ConversionConfig) -> tuple[Graph, dict]:
    """Run the conversion steps; return the fixed-point graph and the JSON report."""
    from pumice.pipeline import load_inputs

    steps: list[dict] = []
    clock = time.perf_counter()

    def record(step: str, graph: Graph, changes: str, accuracy: float | None = None) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps.append(
            {
                "step": step,
                "wall_s": now - clock,
                "accuracy": accuracy,
                "sparsity": weight_sparsity(graph),
                "synapses": _synapse_count(graph),
                "changes": changes,
            }
        )
        clock = now

    graph = read_model(config.model)
    spikes = labels = None
    if config.calibrate is not None:
        spikes, labels = load_inputs(
            graph,
            config.calibrate,
            root=config.root,
            split="val",
            samples=config.calibration_samples,
        )

    def accuracy(g: Graph) -> float | None:
        if spikes is None:
            return None
        return run_graph(g, spikes, labels, "emulator", progress=False).accuracy

    record("load", graph, f"read {config.model} ({graph.domain()})", accuracy(graph))
    report: dict = {}
    if any(isinstance(node, ISI_SYNAPSES) for node in graph.nodes.values()):
        graph, changes = _lower_isi(graph, config)
        report["isi_lowering"] = graph.metadata["isi_lowering"]
        record("lower_isi", graph, changes, accuracy(graph))
    if config.prune is not None:
        graph, _ = PASSES["prune"](sparsity=config.prune).apply(graph)
        fractions = graph.metadata["pruning"]["sparsity"]
        changes = "magnitude pruning: " + ", ".join(f"{n} {f:.2f}" for n, f in fractions.items())
        record("prune", graph, changes, accuracy(graph))
    if graph.domain() == "float":
        if spikes is not None:
            fixed, _ = PASSES["calibrate"](
                spikes=spikes, weight_bits=config.bits, leak=config.leak, scale=config.scale
            ).apply(graph)
            how = "steps calibrated"
        else:
            fixed, _ = PASSES["quantize"](
                weight_bits=config.bits, leak=config.leak, scale=config.scale
            ).apply(graph)
            how = "SLAYER's 8-bit steps" if config.bits == 8 else "max-abs steps"
            if config.scale != SLAYER_SCALE:
                how += f", scale {config.scale}"
        chosen = fixed.metadata["quantization"]["steps"]
        changes = f"{config.bits}-bit weights, {how}: " + ", ".join(
            f"{name} {step}" for name, step in chosen.items()
        )
        clipped = {n: c for n, c in fixed.metadata["quantization"]["saturated"].items() if c}
        if clipped:
            changes += "; saturated: " + ", ".join(f"{n} {c}" for n, c in clipped.items())
        if spikes is not None:
            report["quantization"] = quantization_report(graph, fixed, spikes)
        record("quantize", fixed, changes, accuracy(fixed))
    elif graph.domain() == "fixed":
        fixed = graph
        record("quantize", fixed, "already fixed point: kept as it is", accuracy(fixed))
    else:
        raise ModelError(f"model '{config.model}' mixes float and fixed-point nodes")
    fixed, trimmed = PASSES["trim_isi_bins"]().apply(fixed)
    if trimmed:
        report["isi_trimming"] = fixed.metadata["isi_trimming"]
        changes = "ISI bins with only zero weights dropped: " + ", ".join(
            f"{n} {t['bins_before']}->{t['bins_after']}" for n, t in report["isi_trimming"].items()
        )
        record("trim_isi_bins", fixed, changes, steps[-1]["accuracy"])
    if config.leak == "shift":
        # a float model got its shifts while quantising (per-neuron decays need that)
        fixed, shifted_now = PASSES["shift_leak"]().apply(fixed)
        report["shift_leak"] = fixed.metadata["shift_leak"]
        changes = "; ".join(
            f"{c['layer']} current {_decay_text(c['current_decay'][0])}->"
            f"{_decay_text(c['current_decay'][1])}, voltage {_decay_text(c['voltage_decay'][0])}"
            f"->{_decay_text(c['voltage_decay'][1])}"
            for c in report["shift_leak"]
        )
        shift_accuracy = accuracy(fixed) if shifted_now else steps[-1]["accuracy"]
        record("shift_leak", fixed, changes, shift_accuracy)
    elif config.leak != "multiply":
        raise ModelError(f"unknown leak '{config.leak}': choose multiply or shift")
    if config.profile is not None:
        drc = check_graph(fixed, load_profile(config.profile))
        report["design_rules"] = json.loads(drc.to_json())
        raise_for_violations(drc)
        record("check", fixed, f"fits {drc.profile}; {len(drc.notes)} note(s)")
    save_graph(fixed, config.out)
    record("write", fixed, f"wrote {config.out}")
    report = {"model": str(config.model), "out": str(config.out), "steps": steps, **report}
    return fixed, report


def write_report(report: dict, path: Path) -> None:
    """Write the conversion report as JSON, atomically."""
    atomic_write_text(path, json.dumps(report, indent=2) + "\n")


def format_steps(report: dict) -> str:
    """The report's steps as a fixed-width table."""
    rows = [("step", "accuracy", "sparsity", "synapses", "time (s)", "what changed")]
    for step in report["steps"]:
        acc = "-" if step["accuracy"] is None else f"{step['accuracy']:.4f}"
        rows.append(
            (
                step["step"],
                acc,
                f"{step['sparsity']:.3f}",
                str(step["synapses"]),
                f"{step['wall_s']:.2f}",
                step["changes"],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    )
