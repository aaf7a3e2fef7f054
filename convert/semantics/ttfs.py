"""Reference semantics of the TTFS kinds (see :mod:`pumice.convert.ir.ttfs`): graded input,
neurons that integrate then fire once against a decaying threshold table, and readouts."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import (
    FixedTTFSNeuron,
    FixedTTFSReadout,
    GradedInput,
    Node,
    TTFSNeuron,
    TTFSReadout,
)
from pumice.convert.ir.fixed_point import STATE_BITS
from pumice.convert.ir.ttfs import active_until, fire_window
from pumice.convert.semantics.lif import effective_bias
from pumice.convert.semantics.registry import semantics

#: ``v`` saturates at +-(2**23 - 1), as Lava's LIF voltage does.
V_MAX = (1 << (STATE_BITS - 1)) - 1


@semantics(GradedInput)
def _graded_input(node: GradedInput, spikes: np.ndarray) -> np.ndarray:
    return spikes


def _run(node: Node, a: np.ndarray, bias: np.ndarray, record_state: bool, fixed: bool):
    """Integrate, then look for the one spike; ``(payloads sent, u, v)`` over the run."""
    steps, shape = a.shape[-1], a.shape[:-1]
    dtype = np.int64 if fixed else np.float64
    v = np.zeros(shape, dtype)
    fired = np.zeros(shape, dtype=bool)
    out = np.zeros(a.shape, dtype=np.uint8 if fixed else np.float64)
    us = np.zeros(a.shape, dtype) if record_state else None
    vs = np.zeros(a.shape, dtype) if record_state else None
    spiking = node.traits.spiking
    first, stop = fire_window(node) if spiking else (0, 0)
    # this layer's payloads, step-major while the loop writes them (one step at a time
    # into the step-last ``out`` would touch all of it every step)
    sent = np.zeros((max(min(stop, steps) - first, 0), *shape), dtype=out.dtype)
    end = min(active_until(node), steps)
    for t in range(min(node.start, steps), end):
        u = np.zeros(shape, dtype)
        if t < node.start + node.integration:
            if t == node.start:
                v = np.broadcast_to(bias, shape).astype(dtype)
            u = a[..., t].astype(dtype)
            v = np.clip(v + u, -V_MAX, V_MAX) if fixed else v + u
        if first <= t < stop:
            k = t - first
            fire = ~fired & (v >= node.threshold[k])
            sent[k] = np.where(fire, node.payload[k], 0)
            fired |= fire
            v = np.where(fire, 0, v)
        if record_state:
            us[..., t], vs[..., t] = u, v
    if len(sent):
        out[..., first : first + len(sent)] = np.moveaxis(sent, 0, -1)
    if record_state and end < steps:
        vs[..., max(end, 0) :] = v[..., None]
    return out, us, vs


@semantics(TTFSNeuron, TTFSReadout)
def _float_ttfs(node: TTFSNeuron | TTFSReadout, a: np.ndarray, record_state: bool):
    """Float TTFS neuron or readout: sends its payload (the decoded value) when it fires."""
    bias = np.asarray(node.bias, dtype=np.float64)
    return _run(node, np.asarray(a, dtype=np.float64), bias, record_state, fixed=False)


@semantics(FixedTTFSNeuron, FixedTTFSReadout)
def _fixed_ttfs(node: FixedTTFSNeuron | FixedTTFSReadout, a: np.ndarray, record_state: bool):
    """pumice's Lava ``TTFSNeuron`` process, bit for bit (24-bit saturating ``v``)."""
    return _run(node, a, effective_bias(node, a.shape[1:-1]), record_state, fixed=True)
