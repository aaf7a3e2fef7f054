"""The result of mapping: which neurons sit on which core, and what each core uses."""

from __future__ import annotations

import dataclasses

import numpy as np

#: Per-core resources, in the order tables list them, with the profile field limiting each.
RESOURCES = {
    "neurons": "neurons_per_core",
    "input_axons": "input_axons_per_core",
    "output_axons": "output_axons_per_core",
    "synaptic_memory_bits": "synaptic_memory_bits_per_core",
}


def neuron_order(shape: tuple[int, ...]) -> np.ndarray:
    """Flat C-order indices of a layer's neurons in mapping order.

    A (C, H, W) map goes pixel by pixel, row-major, all channels of a pixel together, so a
    range of positions is a band of rows across every channel (a conv input pixel then
    reaches few cores); any other shape keeps C order.
    """
    flat = np.arange(int(np.prod(shape)), dtype=np.int64)
    if len(shape) != 3:
        return flat
    return flat.reshape(shape).transpose(1, 2, 0).ravel()


@dataclasses.dataclass(frozen=True)
class Segment:
    """Neurons at positions ``[start, stop)`` of one layer's mapping order, all on one core."""

    layer: str
    start: int
    stop: int

    def __str__(self) -> str:
        return f"{self.layer}[{self.start}:{self.stop}]"


@dataclasses.dataclass(frozen=True)
class Core:
    """One core of the mapping and the resources it uses."""

    #: Core id: position in placement order, over all chips.
    core: int
    #: Chip holding the core (``core // cores_per_chip``).
    chip: int
    #: Column and row on the chip's mesh (row-major placement); None without a mesh size.
    x: int | None
    y: int | None
    #: The layer ranges the core holds, in graph order.
    segments: tuple[Segment, ...]
    neurons: int
    #: Distinct presynaptic neurons per segment with a synapse onto it, summed over segments.
    input_axons: int
    #: (neuron, destination segment) pairs with at least one synapse between them.
    output_axons: int
    #: Synapse-list bits of every input axon (see ``synapse_memory``), and the payload
    #: tables of the neurons held (below).
    synaptic_memory_bits: int
    #: Bits of the payload tables its neurons look their graded spikes up in (part of
    #: ``synaptic_memory_bits``; 0 without graded spikes).
    payload_table_bits: int = 0


@dataclasses.dataclass(frozen=True)
class Mapping:
    """Neurons of every layer assigned to cores, cores placed on chips and meshes."""

    #: Profile name.
    profile: str
    cores: tuple[Core, ...]
    #: Resource -> the profile's per-core limit (None: not given, not checked).
    limits: dict[str, int | None]
    cores_per_chip: int
    #: (rows, columns) of a chip's mesh, or None when the profile does not give it.
    mesh: tuple[int, int] | None
    #: Shape of every neuron layer (its mapping order follows from it).
    shapes: dict[str, tuple[int, ...]]
    #: Limits the mapping could not check, and other remarks.
    notes: tuple[str, ...] = ()

    @property
    def chips(self) -> int:
        """Chips the cores occupy."""
        return max((core.chip for core in self.cores), default=-1) + 1

    def layer_segments(self, layer: str) -> list[tuple[int, Segment]]:
        """(core id, segment) of every core holding part of ``layer``, by position."""
        found = [(c.core, s) for c in self.cores for s in c.segments if s.layer == layer]
        return sorted(found, key=lambda item: item[1].start)

    def neuron_cores(self, layer: str) -> np.ndarray:
        """Core id of every neuron of ``layer``, by flat C-order index."""
        order = neuron_order(self.shapes[layer])
        owner = np.empty(order.size, dtype=np.int64)
        for core, segment in self.layer_segments(layer):
            owner[order[segment.start : segment.stop]] = core
        return owner

    def to_json(self) -> dict:
        """The mapping as plain JSON types."""
        cores = []
        for core in self.cores:
            record = dataclasses.asdict(core)
            record["segments"] = [dataclasses.asdict(s) for s in core.segments]
            for resource, limit in self.limits.items():
                record[f"{resource}_available"] = limit
            cores.append(record)
        return {
            "profile": self.profile,
            "cores_used": len(self.cores),
            "chips_used": self.chips,
            "cores_per_chip": self.cores_per_chip,
            "mesh_rows_cols": list(self.mesh) if self.mesh else None,
            "limits_per_core": dict(self.limits),
            "layer_shapes": {name: list(shape) for name, shape in self.shapes.items()},
            "cores": cores,
            "notes": list(self.notes),
        }

    def format_table(self) -> str:
        """One line per core: place, layers, and each resource used / available."""

        def used(value: int, limit: int | None) -> str:
            if limit is None:
                return f"{value}/-"
            return f"{value}/{limit} ({100 * value / limit:.0f}%)"

        mesh = f" ({self.mesh[0]}x{self.mesh[1]} mesh)" if self.mesh else ""
        lines = [
            f"mapping on {self.profile}: {len(self.cores)} core(s) on {self.chips} chip(s){mesh}"
        ]
        rows = [("core", "chip", "x", "y", "layer[range]", *RESOURCES)]
        for c in self.cores:
            place = ["-" if v is None else str(v) for v in (c.x, c.y)]
            rows.append(
                (
                    str(c.core),
                    str(c.chip),
                    *place,
                    " ".join(map(str, c.segments)),
                    *(used(getattr(c, r), self.limits[r]) for r in RESOURCES),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines += ["  ".join(map(str.ljust, row, widths)).rstrip() for row in rows]
        if any(len(shape) == 3 for shape in self.shapes.values()):
            lines.append(
                "ranges of (C, H, W) layers count positions pixel by pixel, all channels of a "
                "pixel together: position (y * W + x) * C + c"
            )
        tables = sum(core.payload_table_bits for core in self.cores)
        if tables:
            lines.append(
                f"payload tables (graded spikes): {tables} bits, counted in synaptic_memory_bits"
            )
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)
