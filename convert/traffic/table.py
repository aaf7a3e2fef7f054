"""A traffic report as text for people: totals per inference, then one line per core."""

from __future__ import annotations


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _neurobench_rows(metrics: dict | None) -> list[tuple[str, str]]:
    """NeuroBench's metrics (per sample), if the report has them."""
    if not metrics:
        return []
    ops = metrics["synaptic_operations"]
    return [
        (
            "NeuroBench synaptic ops / sample",
            f"{_number(ops['effective_acs'])} ACs, {_number(ops['effective_macs'])} MACs "
            f"({_number(ops['dense'])} dense)",
        ),
        (
            "NeuroBench sparsity",
            f"activations {metrics['activation_sparsity']:.4f}, "
            f"connections {metrics['connection_sparsity']:.4f}",
        ),
        (
            "NeuroBench parameters",
            f"{metrics['parameter_count']:,} ({metrics['footprint_bytes']:,} bytes footprint)",
        ),
    ]


def format_report(report: dict) -> str:
    """Summary lines, a per-core table (means per inference) and the report's notes."""
    per = report["per_inference"]
    energy = report["energy_per_inference_j"]
    summary = [
        ("profile", report["profile"]),
        ("samples x steps", f"{report['samples']} x {report['steps']}"),
        ("cores / chips", f"{report['cores_used']} / {report['chips_used']}"),
        ("spikes / inference", _number(per["spikes_total"])),
        (
            "messages / inference",
            f"{_number(per['messages_total'])} ({_number(per['input_messages_total'])} from input)",
        ),
        ("message payload bits / inference", _number(per["message_payload_bits_total"])),
        ("synaptic ops / inference", _number(per["synaptic_ops_total"])),
        (
            "neuron updates / inference",
            f"{_number(per['neuron_updates_total'])} "
            f"({_number(per['neuron_updates_active_total'])} active)",
        ),
        ("mesh hops / inference", _number(per["mesh_hops_total"])),
        ("inter-chip messages / inference", _number(per["inter_chip_messages_total"])),
        (
            "peak messages in one step",
            f"{report['peak_messages_per_step']} (network), "
            f"{report['peak_core_messages_per_step']} (core {report['peak_core']})",
        ),
        ("energy / inference", "n/a" if energy is None else f"{energy * 1e6:.4g} uJ"),
        ("latency / step", "n/a"),
        *_neurobench_rows(report.get("neurobench")),
    ]
    width = max(len(key) for key, _ in summary)
    lines = [f"{key:<{width}}  {value}" for key, value in summary]
    header = ("core", "chip", "x", "y", "layer[range]", "spikes", "sent", "received", "syn ops")
    rows = [header]
    samples = report["samples"]
    for core in report["per_core"]:
        place = ["-" if core[k] is None else str(core[k]) for k in ("x", "y")]
        rows.append(
            (
                str(core["core"]),
                str(core["chip"]),
                *place,
                " ".join(core["segments"]),
                *(
                    _number(core[f"{key}_total"] / samples)
                    for key in ("spikes_generated", "messages_sent", "messages_received")
                ),
                _number(core["synaptic_ops_total"] / samples),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += ["", "per core, mean per inference:"]
    lines += ["  ".join(map(str.ljust, row, widths)).rstrip() for row in rows]
    lines += [f"note: {note}" for note in report["notes"]]
    return "\n".join(lines)
