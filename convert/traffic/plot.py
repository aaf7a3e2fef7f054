"""A traffic report as a picture: messages per core and step, and one sample's spikes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pumice.atomic import atomic_open


def plot_report(report: dict, path: str | Path) -> None:
    """Save a PNG: heatmap of messages received per core and step, spike raster of sample 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    received = np.array([core["per_step_mean"]["messages_received"] for core in report["per_core"]])
    raster = report["spike_raster"]["layers"]
    fig, (heat, dots) = plt.subplots(2, 1, figsize=(9, 8), constrained_layout=True)
    image = heat.imshow(received, aspect="auto", interpolation="nearest", cmap="viridis")
    fig.colorbar(image, ax=heat, label="messages received (mean per sample)")
    heat.set(xlabel="time step", ylabel="core")
    energy = report["energy_per_inference_j"]
    energy_text = "energy n/a" if energy is None else f"{energy * 1e6:.3g} uJ/inference"
    heat.set_title(
        f"{report['profile']}: {report['cores_used']} cores, {report['samples']} samples, "
        f"{report['messages_total'] / report['samples']:.0f} messages/inference, {energy_text}"
    )
    offset = 0
    for name, layer in raster.items():
        neurons = np.asarray(layer["neuron"]) + offset
        dots.scatter(layer["step"], neurons, s=2, marker="s", label=name)
        offset += layer["neurons"]
    dots.set(
        xlabel="time step",
        ylabel="neuron (layers stacked)",
        xlim=(-0.5, report["steps"] - 0.5),
        ylim=(-0.5, offset - 0.5),
        title=f"spikes of sample {report['spike_raster']['sample']}",
    )
    dots.legend(loc="upper left", bbox_to_anchor=(1.01, 1), markerscale=4, fontsize="small")
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=100)
    plt.close(fig)
