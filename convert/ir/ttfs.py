"""TTFS node kinds: neurons that fire once, at a time set by a temporal kernel.

Time-to-first-spike coding after Park et al., "Training Energy-Efficient Deep Spiking
Neural Networks with Time-to-First-Spike Coding" (and T2FSNN, Park et al. 2020): a layer
integrates its input spikes during one window of steps, then fires at most once in the
next window, when its potential first reaches a threshold that decays like its kernel
``eps(t) = exp(-(t - t_d) / tau)``; the earlier the spike, the larger the value it
stands for. Here every spike is a Loihi 2 graded spike carrying that value, the layer's
kernel at its spike time, as an integer payload; the synapse multiplies its weight by
the payload, so the receiving layer integrates kernel-weighted spikes.

Timing, in run steps: a neuron integrates ``a`` over ``[start, start + integration)``
(its ``bias`` is added at ``start``), and looks for its spike over the fire window
``[start + delay, start + delay + window)``, where ``window`` is the length of its
threshold and payload tables: at the fire window's ``k``-th step it fires where it has
not fired yet and ``v >= threshold[k]``, sends ``payload[k]`` and resets ``v`` to 0.
A TTFS layer has ``delay = integration`` (integrate, then fire); a max-pooling relay has
``delay = 0`` and a threshold below its smallest payload, so it fires at the step its
earliest input arrives and passes on that input's payload (max pooling of TTFS values
is the earliest spike). A readout integrates only: its answer is ``v`` after its window.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pumice.convert.ir import field_checks as check
from pumice.convert.ir.fixed_point import STATE_BITS
from pumice.convert.ir.graph import Graph
from pumice.convert.ir.node import Node, register
from pumice.convert.ir.structural import Input
from pumice.errors import ModelError

#: pumice holds spike trains as uint8, so a payload has at most 8 bits.
MAX_PAYLOAD_BITS = 8


def check_window(kind: str, window: int) -> None:
    """Raise :class:`ModelError` for a TTFS window of fewer than 2 steps."""
    if window < 2:
        raise ModelError(
            f"{kind}: a TTFS window needs at least 2 steps (T_w >= 2), got {window}: one step "
            "cannot tell an early spike from a late one"
        )


def _check_timing(node: Node) -> None:
    kind = type(node).__name__
    for field in ("start", "integration", "delay"):
        value = getattr(node, field, 0)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ModelError(f"{kind}: {field} must be a non-negative integer, got {value!r}")
    if node.integration < 1:
        raise ModelError(f"{kind}: integration must be at least 1 step, got {node.integration}")


def _check_tables(node: Node, integer: bool) -> None:
    """Threshold and payload tables: one entry per fire-window step, thresholds decaying."""
    kind = type(node).__name__
    threshold, payload = np.asarray(node.threshold), np.asarray(node.payload)
    if threshold.ndim != 1 or payload.shape != threshold.shape:
        raise ModelError(
            f"{kind}: threshold and payload must be 1-D tables of one length (the window), "
            f"got shapes {threshold.shape} and {payload.shape}"
        )
    check_window(kind, threshold.size)
    if integer and (threshold.dtype.kind not in "iu" or payload.dtype.kind not in "iu"):
        raise ModelError(f"{kind}: threshold and payload tables must hold integers")
    if not (np.all(np.isfinite(threshold)) and np.all(np.isfinite(payload))):
        raise ModelError(f"{kind}: threshold and payload tables must be finite")
    if np.any(np.diff(threshold) > 0):
        raise ModelError(f"{kind}: the threshold must decay over the window (never rise)")
    if payload.min() <= 0:
        raise ModelError(
            f"{kind}: every payload must be positive (a spike always carries a value), got "
            f"a smallest payload of {payload.min()}"
        )


@register(role="input", domain="structural", graded=True)
@dataclasses.dataclass(frozen=True, eq=False)
class GradedInput(Input):
    """Graded spikes entering the graph: each carries an unsigned ``payload_bits`` value.

    A TTFS network takes each input intensity once, at step 0, as an 8-bit payload
    (encoding "intensity"); its first layer turns it into a spike time.
    """

    payload_bits: int = MAX_PAYLOAD_BITS

    def __post_init__(self) -> None:
        if not 1 <= self.payload_bits <= MAX_PAYLOAD_BITS:
            raise ModelError(
                f"GradedInput: payload_bits must be 1 to {MAX_PAYLOAD_BITS}, got "
                f"{self.payload_bits}"
            )

    @property
    def message_bits(self) -> int:
        return int(self.payload_bits)


@dataclasses.dataclass(frozen=True, eq=False)
class _Windowed(Node):
    shape: tuple[int, ...]
    #: First run step of the integration phase.
    start: int
    #: Steps integrated from ``start`` on.
    integration: int

    def field_problem(self) -> str | None:
        return check.positive_shape("shape", self.shape)


#: The range of a fixed TTFS neuron's 24-bit potential, where its thresholds lie.
STATE_RANGE = (-(1 << (STATE_BITS - 1)), (1 << (STATE_BITS - 1)) - 1)


def _fixed_problem(node: FixedTTFSNeuron | FixedTTFSReadout) -> str | None:
    """Lava's formats of a fixed TTFS kind: its shape and bias, a neuron's tables."""
    problems = [check.positive_shape("shape", node.shape), check.fixed_bias(node)]
    if node.traits.spiking:
        top = (1 << node.payload_bits) - 1
        problems += [
            check.integers_in("threshold", node.threshold, STATE_RANGE),
            check.integers_in("payload", node.payload, (1, top)),
        ]
    return check.first(*problems)


@register(role="neuron", domain="float", spiking=True, graded=True, lowered_by="quantize_ttfs")
@dataclasses.dataclass(frozen=True, eq=False)
class TTFSNeuron(_Windowed):
    """Float TTFS neuron (see the module docstring); values in the surrogate's units.

    For a layer with kernel ``(tau, t_d)``: ``payload[k] = eps(k)`` and ``threshold[k] =
    eps(k + 1/2)``, so a potential ``z`` fires at ``round(t_d - tau ln z)``, the spike
    time of the surrogate model's encoder, and sends its decoded value.
    """

    #: Steps from ``start`` to the fire window.
    delay: int
    threshold: np.ndarray
    payload: np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        _check_timing(self)
        _check_tables(self, integer=False)


@register(role="neuron", domain="fixed", spiking=True, graded=True)
@dataclasses.dataclass(frozen=True, eq=False)
class FixedTTFSNeuron(_Windowed):
    """Fixed-point TTFS neuron: pumice's ``TTFSNeuron`` Lava process.

    ``v`` is a 24-bit saturating register: ``v = bias_mant << bias_exp`` at ``start``,
    then ``v = clip(v + a)`` each integration step (``u`` holds that step's ``a``, 0
    outside the integration). Thresholds are in ``v``'s units; payloads are unsigned
    ``payload_bits``-bit integers.
    """

    delay: int
    threshold: np.ndarray
    payload: np.ndarray
    bias_mant: np.ndarray
    bias_exp: int = 0
    payload_bits: int = MAX_PAYLOAD_BITS

    def __post_init__(self) -> None:
        _check_timing(self)
        _check_tables(self, integer=True)
        if not 1 <= self.payload_bits <= MAX_PAYLOAD_BITS:
            raise ModelError(
                f"FixedTTFSNeuron: payload_bits must be 1 to {MAX_PAYLOAD_BITS}, got "
                f"{self.payload_bits}"
            )

    @property
    def message_bits(self) -> int:
        return int(self.payload_bits)

    def field_problem(self) -> str | None:
        return _fixed_problem(self)


@register(role="neuron", domain="float", lowered_by="quantize_ttfs")
@dataclasses.dataclass(frozen=True, eq=False)
class TTFSReadout(_Windowed):
    """Float non-spiking TTFS output: ``v = bias + sum of a`` over its integration window.

    The network's answer is ``v`` from the end of that window on (largest wins).
    """

    bias: np.ndarray

    def __post_init__(self) -> None:
        _check_timing(self)


@register(role="neuron", domain="fixed")
@dataclasses.dataclass(frozen=True, eq=False)
class FixedTTFSReadout(_Windowed):
    """Fixed-point TTFS output: ``FixedTTFSNeuron``'s integration, never firing."""

    bias_mant: np.ndarray
    bias_exp: int = 0

    def __post_init__(self) -> None:
        _check_timing(self)

    def field_problem(self) -> str | None:
        return _fixed_problem(self)


def fire_window(node: TTFSNeuron | FixedTTFSNeuron) -> tuple[int, int]:
    """Run steps ``[first, stop)`` in which ``node`` may fire."""
    first = node.start + node.delay
    return first, first + len(node.threshold)


def active_until(node: Node) -> int:
    """The run step after the last one in which a TTFS ``node`` integrates or fires."""
    end = node.start + node.integration
    if node.traits.spiking:
        end = max(end, fire_window(node)[1])
    return end


def run_steps(graph: Graph) -> int:
    """Steps a graph of TTFS layers runs: to the end of its last layer's activity."""
    return max(active_until(node) for _, node in graph.neurons())


def graded_input_problem(graph: Graph, spikes: np.ndarray) -> str | None:
    """Why ``spikes`` (samples, *shape, steps) cannot feed a graph with graded input whose
    first layer integrates only what arrives from step 0 (a TTFS network), or None."""
    node = graph.nodes[graph.input]
    if not node.traits.graded:
        return None
    later = np.asarray(spikes)[..., 1:]
    if np.any(later):
        steps = int(np.any(later.reshape(-1, later.shape[-1]), axis=0).sum())
        return (
            f"the model takes each input once, as a graded spike at step 0 (encoding "
            f"'intensity'), but this input has spikes at {steps} later steps (rate-coded or "
            "other spike data): give intensities, or spikes only at step 0"
        )
    first = np.asarray(spikes)[..., 0]
    top = (1 << node.payload_bits) - 1
    if np.any(first < 0) or np.any(first > top) or np.any(first != np.round(first)):
        return f"the model takes {node.payload_bits}-bit payloads (integers 0..{top}) at step 0"
    return None
