"""Whether a run fits in memory, checked before any spike is encoded.

A run holds its input spikes (and, while rate encoding, one float64 draw per input and
step), and the emulator holds every node's output for one batch over all steps
(int64/float64; it lowers the batch of a long run to fit, :func:`fitting_batch`).
Recorded trains add one byte per neuron and step for every sample.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path

from pumice.convert.emulator import emulate, fitting_batch
from pumice.convert.ir import Graph
from pumice.errors import PumiceError

#: Samples the emulator runs at once (its default batch size).
BATCH = inspect.signature(emulate).parameters["batch_size"].default
#: Bytes per element of the emulator's per-node arrays (int64 or float64).
WORD = 8
#: Share of the available memory a run may plan to use.
USABLE = 0.8


def available_bytes() -> int:
    """Memory this process may still use: MemAvailable, capped by a cgroup limit."""
    available = _meminfo_available()
    limit = _cgroup_room()
    return min(x for x in (available, limit) if x is not None) if available or limit else 1 << 62


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> int | None:
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError):
        return None


def run_bytes(
    graph: Graph, samples: int, steps: int, *, encoded: bool, recorded: bool = False
) -> int:
    """Bytes a run of ``samples`` inputs over ``steps`` run steps needs, roughly (upper);
    ``encoded``: the spikes are drawn by rate encoding."""
    shapes = graph.shapes()
    inputs = math.prod(shapes[graph.input])
    per_node = sum(math.prod(shape) for name, shape in shapes.items() if name != graph.input)
    neurons = sum(math.prod(shapes[name]) for name, _ in graph.neurons())
    total = samples * inputs * steps * (1 + (WORD if encoded else 0))
    total += min(samples, fitting_batch(graph, steps, BATCH)) * steps * per_node * WORD
    if recorded:
        total += 2 * samples * neurons * steps
    return total


def check_run_fits(
    graph: Graph,
    samples: int,
    steps: int,
    *,
    encoded: bool,
    recorded: bool = False,
    run_steps: int | None = None,
    steps_option: bool = True,
) -> None:
    """Raise :class:`PumiceError` when the run cannot fit in the memory left, naming the
    largest ``--steps`` that would (where ``steps_option``: T is the user's to choose)."""
    run_steps = steps if run_steps is None else run_steps
    need = run_bytes(graph, samples, run_steps, encoded=encoded, recorded=recorded)
    room = int(available_bytes() * USABLE)
    if need <= room:
        return
    per_step = run_bytes(graph, samples, 1, encoded=encoded, recorded=recorded)
    most = max(room // max(per_step, 1) - (run_steps - steps), 0)
    raise PumiceError(
        f"{samples} samples over {steps} steps need about {need / 2**30:.1f} GiB, more than "
        f"the {room / 2**30:.1f} GiB this machine has free: use --steps {most} or fewer "
        f"(or fewer --samples)"
        if most >= 1 and steps_option
        else f"{samples} samples over {steps} steps need about {need / 2**30:.1f} GiB, more "
        f"than the {room / 2**30:.1f} GiB this machine has free: use fewer --samples"
    )
