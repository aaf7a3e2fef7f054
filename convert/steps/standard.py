"""The standard conversion steps: load, lower ISI synapses, prune, quantise, trim ISI bins,
shift the leaks, check the design rules, write.

Each is a small function over the :class:`~.registry.ConversionState`; the graph
transformations themselves are passes (:mod:`pumice.convert.passes`), whose reports the
steps add to the conversion's report.
"""

from __future__ import annotations

import json

from pumice.convert.hardware import check_graph, load_profile, raise_for_violations
from pumice.convert.model_files import read_model
from pumice.convert.model_writers import write_model
from pumice.convert.passes import PASSES, PassResult
from pumice.convert.passes.quantize import SLAYER_SCALE
from pumice.convert.quantization_report import quantization_report
from pumice.convert.steps.config import ConversionConfig
from pumice.convert.steps.registry import ConversionState, step
from pumice.errors import ModelError


def _apply(state: ConversionState, result: PassResult) -> bool:
    """Take a pass's graph and report into the state; whether it changed anything."""
    if result.changed:
        state.graph = result.graph
        state.report.update(result.report)
    return result.changed


@step("load")
def load(state: ConversionState, config: ConversionConfig) -> str:
    """Read the model file into the IR."""
    state.graph = read_model(config.model, dt=config.dt, input_shape=config.input_shape)
    return f"read {config.model} ({state.graph.domain()})"


@step("lower_isi")
def lower_isi(state: ConversionState, config: ConversionConfig) -> str | None:
    """ISI synapses -> ISI binner (or payload router) + standard synapse."""
    lower = PASSES["lower_isi"](
        max_isi=config.max_isi,
        tolerance=config.isi_tolerance,
        mode=config.isi_lowering,
        payload_bits=config.payload_bits,
    )
    if not _apply(state, lower.apply(state.graph)):
        return None
    return "ISI synapse -> router + synapse: " + ", ".join(
        f"{name} {layer['synapses_before']}->{layer['synapses_after']} synapses, "
        + (
            f"{layer['bins']} bins"
            if layer["lowering"] == "bins"
            else f"{layer['lines']} payload line(s) per input"
        )
        for name, layer in state.report["isi_lowering"].items()
    )


@step("prune")
def prune(state: ConversionState, config: ConversionConfig) -> str | None:
    """Magnitude pruning of every layer to ``config.prune``."""
    if config.prune is None:
        return None
    if not _apply(state, PASSES["prune"](sparsity=config.prune).apply(state.graph)):
        return None
    fractions = state.report["pruning"]["sparsity"]
    return "magnitude pruning: " + ", ".join(f"{n} {f:.2f}" for n, f in fractions.items())


@step("quantize")
def quantize(state: ConversionState, config: ConversionConfig) -> str:
    """Float -> fixed point: calibrated steps with calibration data, else lava-dl's."""
    graph = state.graph
    if graph.domain() == "fixed":
        return "already fixed point: kept as it is"
    if graph.domain() != "float":
        raise ModelError(f"model '{config.model}' mixes float and fixed-point nodes")
    ttfs = PASSES["quantize_ttfs"]().apply(graph)
    if ttfs.changed:  # TTFS layers have their own formats: payload and threshold tables
        state.graph = ttfs.graph
        state.report.update(ttfs.report)
        return "TTFS: 8-bit payload tables, 8-bit weights, integer threshold tables"
    settings = {"weight_bits": config.bits, "leak": config.leak, "scale": config.scale}
    if state.spikes is not None:
        result = PASSES["calibrate"](spikes=state.spikes, **settings).apply(graph)
        how = "steps calibrated"
    else:
        result = PASSES["quantize"](**settings).apply(graph)
        how = "SLAYER's 8-bit steps" if config.bits == 8 else "max-abs steps"
        if config.scale != SLAYER_SCALE:
            how += f", scale {config.scale}"
    state.graph = result.graph
    state.report.update(result.report)
    quantization = result.report["quantization"]
    changes = f"{config.bits}-bit weights, {how}: " + ", ".join(
        f"{name} {chosen}" for name, chosen in quantization["steps"].items()
    )
    clipped = {n: c for n, c in quantization["saturated"].items() if c}
    if clipped:
        changes += "; saturated: " + ", ".join(f"{n} {c}" for n, c in clipped.items())
    if state.spikes is not None:  # the per-layer error report joins the pass's
        errors = quantization_report(graph, result.graph, state.spikes, config.scale)
        state.report["quantization"] = {**quantization, **errors}
    return changes


@step("trim_isi_bins")
def trim_isi_bins(state: ConversionState, config: ConversionConfig) -> str | None:
    """Drop ISI bins that quantisation left without a weight."""
    if not _apply(state, PASSES["trim_isi_bins"]().apply(state.graph)):
        return None
    return "ISI bins with only zero weights dropped: " + ", ".join(
        f"{n} {t['bins_before']}->{t['bins_after']}"
        for n, t in state.report["isi_trimming"].items()
    )


def _decay_text(values) -> str:
    """A decay of the shift-leak report: one number, or the span of per-neuron values."""
    if isinstance(values, list):
        return f"[{min(values):.4g}..{max(values):.4g}]"
    return f"{values:.4g}"


@step("shift_leak")
def shift_leak(state: ConversionState, config: ConversionConfig) -> str | None:
    """Multiplier leaks -> power-of-two shifts (a float model got them while quantising)."""
    if config.leak != "shift":
        return None
    result = PASSES["shift_leak"]().apply(state.graph)
    state.graph = result.graph
    shifted = [*state.report.get("shift_leak", []), *result.report["shift_leak"]]
    state.report["shift_leak"] = shifted
    return "; ".join(
        f"{c['layer']} current {_decay_text(c['current_decay'][0])}->"
        f"{_decay_text(c['current_decay'][1])}, voltage {_decay_text(c['voltage_decay'][0])}"
        f"->{_decay_text(c['voltage_decay'][1])}"
        for c in shifted
    )


@step("check")
def check(state: ConversionState, config: ConversionConfig) -> str | None:
    """Design rules of ``config.profile``; a violation stops the conversion."""
    if config.profile is None:
        return None
    drc = check_graph(state.graph, load_profile(config.profile))
    state.report["design_rules"] = json.loads(drc.to_json())
    raise_for_violations(drc)
    return f"fits {drc.profile}; {len(drc.notes)} note(s)"


@step("write")
def write(state: ConversionState, config: ConversionConfig) -> str:
    """Write the graph to ``config.out`` in the format its suffix names."""
    write_model(state.graph, config.out, to=config.write_to)
    return f"wrote {config.out} ({config.out.suffix.lstrip('.') or 'pumice'})"
