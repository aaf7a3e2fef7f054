"""The emulator on a torch device: each node's torch kernel (:mod:`.registry`), batch by
batch, with the results of :func:`pumice.convert.emulator.emulate`, bit for bit.

A kind without a torch kernel, and a synapse fed graded spikes (a payload router's), runs
its numpy semantics on the CPU (its input and output cross over); float graphs run on the
CPU altogether (their products are not integers).
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from pumice.accelerate import neurons, structural, synapses  # noqa: F401  (fill the table)
from pumice.accelerate.device_run import DeviceRun
from pumice.accelerate.registry import TORCH_KERNELS
from pumice.convert.emulator import join_results
from pumice.convert.intervals import LineEvents
from pumice.convert.ir import Graph, RunResult
from pumice.convert.ir.checks import check_input, check_non_spiking, check_runnable
from pumice.convert.kernels.neuron_run import Outputs
from pumice.convert.semantics import SEMANTICS
from pumice.errors import PumiceError


def torch_device(name: str) -> torch.device:
    """The torch device ``name`` ("cuda", "cuda:1", "cpu", ...), checked to be there."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise PumiceError(f"unknown device '{name}': use a torch device such as cuda") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise PumiceError(
            f"device '{name}': torch sees no CUDA device here; run on the CPU (--device cpu)"
        )
    return device


def _numpy_node(node, x):
    """A node's numpy semantics on the CPU, from and back to tensors."""
    device = x.device
    array = x.cpu().numpy()
    role = node.traits.role
    if role == "synapse":
        out = SEMANTICS[type(node)](node, array)
        shifted = np.zeros_like(out)
        shifted[..., 1:] = out[..., :-1]
        return torch.as_tensor(shifted, device=device)
    out = SEMANTICS[type(node)](node, array)
    if isinstance(out, LineEvents):
        out = out.dense()
    return torch.as_tensor(np.ascontiguousarray(out), device=device)


def _numpy_neuron(node, x, outputs: Outputs) -> DeviceRun:
    device = x.device
    fired, u, v = SEMANTICS[type(node)](node, x.cpu().numpy(), True)
    start, stop = outputs.window

    def tensor(array):
        return torch.as_tensor(np.ascontiguousarray(array), device=device)

    return DeviceRun(
        counts=tensor(fired[..., start:stop].sum(axis=-1, dtype=np.int64)),
        fired=tensor(fired.reshape(len(fired), -1).sum(axis=1, dtype=np.int64)),
        trains=tensor(fired),
        potentials=tensor(v[..., stop - 1]),
        u=tensor(u),
        v=tensor(v),
    )


def _run_batch(graph, spikes, device, record_spikes, record_state, windows) -> RunResult:
    on_device = graph.domain() == "fixed"
    values: dict[str, torch.Tensor] = {}
    out = {"counts": {}, "spikes": {}, "u": {}, "v": {}, "potentials": {}}
    for name, node in graph.nodes.items():
        kind = type(node)
        if node.traits.role == "input":
            x = torch.as_tensor(np.ascontiguousarray(spikes), device=device)
        else:
            x = values[graph.predecessor(name)]
        kernel = TORCH_KERNELS.get(kind) if on_device else None
        if node.is_synapse and graph.nodes[graph.predecessor(name)].traits.payload_router:
            kernel = None  # a payload router's graded spikes: the numpy semantics' exact sums
        if not node.is_neuron:
            values[name] = kernel(node, x) if kernel else _numpy_node(node, x)
            continue
        outputs = Outputs(
            window=windows.get(name, (0, spikes.shape[-1])),
            trains=True,
            state=record_state,
            potentials=not node.traits.spiking,
        )
        run = kernel(node, x, outputs) if kernel else _numpy_neuron(node, x, outputs)
        values[name] = run.trains
        out["counts"][name] = run.counts.cpu().numpy()
        if not node.traits.spiking:
            check_non_spiking(name, run.fired.cpu().numpy())
            out["potentials"][name] = run.potentials.cpu().numpy()
        if record_spikes:
            out["spikes"][name] = run.trains.cpu().numpy()
        if record_state:
            out["u"][name], out["v"][name] = run.u.cpu().numpy(), run.v.cpu().numpy()
    return RunResult(
        counts=out["counts"],
        spikes=out["spikes"] if record_spikes else None,
        u=out["u"] if record_state else None,
        v=out["v"] if record_state else None,
        potentials=out["potentials"] or None,
    )


def emulate_on_device(
    graph: Graph,
    spikes: np.ndarray,
    device: str = "cuda",
    *,
    record_spikes: bool = False,
    record_state: bool = False,
    windows: dict[str, tuple[int, int]] | None = None,
    batch_size: int = 256,
    progress: bool = False,
) -> RunResult:
    """:func:`pumice.convert.emulator.emulate` on torch device ``device``."""
    target = torch_device(device)
    check_input(graph, spikes)
    check_runnable(graph)
    parts = []
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False  # TF32 rounds products: never exact
    try:
        with torch.no_grad():
            for start in tqdm(
                range(0, len(spikes), batch_size),
                desc="emulate",
                unit="batch",
                disable=not progress,
            ):
                batch = spikes[start : start + batch_size]
                parts.append(
                    _run_batch(graph, batch, target, record_spikes, record_state, windows or {})
                )
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
    return join_results(parts)
