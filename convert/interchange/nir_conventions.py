"""How each tool's NIR exporter means its numbers, and how pumice recognises the tool.

NIR states continuous-time equations; every exporter discretises its own neurons and
writes parameters that, read by NIR's equations at some ``dt``, may or may not give back
what the tool computed. A :class:`Convention` says how one exporter's numbers become
per-step quantities (decay per step, input gain per step), which ``dt`` it implies, and
what its files cannot say. The table (:data:`CONVENTIONS`):

- ``nir``: NIR's equations by forward Euler at ``dt`` (what pumice writes): a decay is
  ``dt/tau``, a CubaLIF's current takes ``dt/tau_syn * w_in * x``, an IF's voltage
  ``dt * r * x``.
- ``snntorch`` (snnTorch 1.0 ``export_to_nir``): the ``nir`` reading at ``dt = 1e-4``,
  which snnTorch hard-codes (``tau = 1e-4/(1 - beta)``, ``r = tau/1e-4``,
  ``w_in = tau_syn/1e-4``: unit input gain). ``snn.Leaky`` with ``reset_mechanism="zero"``
  runs as written; its CubaLIF (``snn.Synaptic``, ``snn.RSynaptic``) and its recurrent LIF
  (``snn.RLeaky``) reset in a way the file cannot hold (:data:`SNNTORCH_DISCARDING_RESET`;
  Lava's ``LIFRefractory`` with a refractory period of 1 would, but has no fixed-point
  model).
- ``norse`` (Norse 1.1 ``norse.torch.to_nir``): it writes ``tau = dt / tau_inv`` where
  ``1 / tau_inv`` is meant (norse issue #411), so the decay per step is
  ``dt * tau_inv = dt**2 / tau``. ``LIFCell`` adds its input to the current without a
  factor (a jump, ``r = w_in = 1``); ``IAFCell`` adds it to the voltage (``r = 1``, no
  ``dt``); ``LIFBoxCell``/``LIBoxCell`` step ``v += dt*tau_inv*(v_leak - v + x)``.
- ``sinabs`` (Sinabs 3.1 ``sinabs.to_nir``): time is counted in steps (``dt = 1``);
  ``IAF`` adds its input to ``v`` (``r = 1``); ``LIF``/``ExpLeak`` decay exactly,
  ``v <- exp(-1/tau) v + (1 - exp(-1/tau)) x`` (``norm_input=True``, Sinabs' default:
  the file does not record it).

:func:`detect` picks the convention of a file: pumice's own files say so in their
metadata; snnTorch's have ``r = tau/1e-4`` on every neuron; Norse's have ``r = w_in = 1``
and time constants shorter than any sensible step; graphs whose only neurons are IF
with ``r = 1`` step as Norse and Sinabs do. Anything else is read by NIR's equations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import nir
import numpy as np

from pumice.errors import ModelError

#: snnTorch's hard-coded step in seconds (``export_to_nir``).
SNNTORCH_DT = 1e-4
#: Norse's default step in seconds (``norse.torch.to_nir(dt=0.001)``).
NORSE_DT = 1e-3
#: Sinabs counts time in steps.
SINABS_DT = 1.0
#: Relative tolerance of a parameter signature (exporters write float32).
_SIGNATURE_RTOL = 1e-5

#: Why snnTorch's Synaptic, RSynaptic and RLeaky cannot be imported as they ran in snnTorch.
SNNTORCH_DISCARDING_RESET = (
    "snnTorch writes its Synaptic, RSynaptic and RLeaky neurons with v_reset = 0, but their "
    "reset is not NIR's: 'subtract' (the default) takes the threshold off v, and 'zero' "
    "discards the whole membrane update of the step after a spike (a one-step refractory "
    "period), which a LIF that resets v to 0 and keeps integrating cannot express; the "
    "file does not say which. Use snn.Leaky, or pass exporter='nir' to import the file as "
    "NIR defines it"
)


def euler_decay(dt: float, tau: np.ndarray) -> np.ndarray:
    """Forward Euler: ``dt / tau`` per step."""
    return dt / tau


def norse_decay(dt: float, tau: np.ndarray) -> np.ndarray:
    """Norse 1.1 wrote ``tau = dt / tau_inv``: the step's decay ``dt * tau_inv``."""
    return dt * dt / tau


def exact_decay(dt: float, tau: np.ndarray) -> np.ndarray:
    """Exact exponential decay over one step, ``1 - exp(-dt / tau)`` (Sinabs)."""
    return -np.expm1(-dt / tau)


@dataclasses.dataclass(frozen=True)
class Convention:
    """How one exporter's NIR parameters become per-step IR quantities."""

    name: str
    #: Who writes files this way, for messages.
    writer: str
    #: The step the exporter implies in seconds, or None when any ``dt`` is possible.
    implied_dt: float | None
    #: ``decay(dt, tau)``: the fraction of a state lost per step.
    decay: Callable[[float, np.ndarray], np.ndarray]
    #: True: a CubaLIF's input jumps the current by ``w_in * x``; False: NIR's
    #: ``dt/tau_syn * w_in * x``.
    current_jump: bool
    #: True: an IF adds ``r * x`` per step; False: NIR's ``dt * r * x``.
    if_per_step: bool
    #: NIR node type -> why files of this convention cannot hold that node faithfully.
    refused: dict[type, str] = dataclasses.field(default_factory=dict)
    #: Why a recurrent layer of this convention cannot be read faithfully, or None.
    refused_recurrent: str | None = None
    #: What the import cannot know from the file, said once in the graph's metadata.
    caveats: tuple[str, ...] = ()


CONVENTIONS: dict[str, Convention] = {
    convention.name: convention
    for convention in (
        Convention("nir", "NIR's equations by forward Euler", None, euler_decay, False, False),
        Convention(
            "snntorch",
            "snnTorch's export_to_nir",
            SNNTORCH_DT,
            euler_decay,
            False,
            False,
            refused={nir.CubaLIF: SNNTORCH_DISCARDING_RESET},
            refused_recurrent=SNNTORCH_DISCARDING_RESET,
            caveats=(
                "snnTorch writes v_reset = 0 whatever reset_mechanism the network used; "
                "only reset_mechanism='zero' runs as written",
            ),
        ),
        Convention(
            "norse",
            "Norse 1.1's to_nir (tau = dt / tau_inv, norse issue #411)",
            NORSE_DT,
            norse_decay,
            True,
            True,
        ),
        Convention(
            "sinabs",
            "Sinabs' to_nir (time in steps)",
            SINABS_DT,
            exact_decay,
            False,
            True,
            caveats=(
                "Sinabs writes IF/LIF with v_reset = 0 and one spike per step; its defaults "
                "(MembraneSubtract, MultiSpike) do not run as written",
            ),
        ),
    )
}

#: Neuron node types, each with the names of its time constants.
NEURON_TAUS: dict[type, tuple[str, ...]] = {
    nir.CubaLIF: ("tau_syn", "tau_mem"),
    nir.LIF: ("tau",),
    nir.IF: (),
    nir.CubaLI: ("tau_syn", "tau_mem"),
    nir.LI: ("tau",),
    nir.I: (),
}


def _array(node: nir.NIRNode, field: str) -> np.ndarray:
    return np.asarray(getattr(node, field, 1.0), dtype=np.float64)


def _snntorch_signature(node: nir.NIRNode) -> bool:
    """r = tau_mem / 1e-4 (and w_in = tau_syn / 1e-4), v_leak = 0: snnTorch's numbers."""
    if type(node) not in (nir.LIF, nir.CubaLIF):
        return False
    tau_mem = _array(node, "tau" if isinstance(node, nir.LIF) else "tau_mem")
    ok = np.allclose(_array(node, "r") * SNNTORCH_DT, tau_mem, rtol=_SIGNATURE_RTOL, atol=0)
    if isinstance(node, nir.CubaLIF):
        tau_syn = _array(node, "tau_syn")
        ok &= np.allclose(_array(node, "w_in") * SNNTORCH_DT, tau_syn, rtol=_SIGNATURE_RTOL)
    return bool(ok and not np.any(_array(node, "v_leak")))


def _unit_gains(node: nir.NIRNode) -> bool:
    fields = ("r", "w_in") if hasattr(node, "w_in") else ("r",)
    return all(np.all(_array(node, field) == 1) for field in fields)


def _shortest_tau(node: nir.NIRNode) -> float:
    taus = [_array(node, field).min(initial=np.inf) for field in NEURON_TAUS[type(node)]]
    return min(taus, default=np.inf)


def detect(neurons: dict[str, nir.NIRNode], dt: float | None) -> tuple[Convention, str]:
    """The convention a graph's neuron nodes were written in, and why it was chosen."""
    if not neurons:
        return CONVENTIONS["nir"], "no neuron nodes"
    if all(_snntorch_signature(node) for node in neurons.values()):
        return CONVENTIONS["snntorch"], "r = tau/1e-4 on every neuron, as snnTorch writes"
    if all(_unit_gains(node) for node in neurons.values()):
        step = NORSE_DT if dt is None else dt
        if min(_shortest_tau(node) for node in neurons.values()) < step:
            return CONVENTIONS["norse"], (
                f"r = w_in = 1 and time constants shorter than dt = {step:g} s, as Norse 1.1 "
                f"writes them (tau = dt / tau_inv)"
            )
        if all(isinstance(node, nir.IF) for node in neurons.values()):
            return CONVENTIONS["sinabs"], (
                "only IF neurons, with r = 1: Norse and Sinabs both add r * x to v per step"
            )
    return CONVENTIONS["nir"], "no exporter's signature: NIR's equations by forward Euler"


def choose(
    exporter: str, neurons: dict[str, nir.NIRNode], dt: float | None
) -> tuple[Convention, str]:
    """The convention named by ``exporter`` ("auto": :func:`detect`), and why."""
    if exporter == "auto":
        return detect(neurons, dt)
    if exporter not in CONVENTIONS:
        raise ModelError(
            f"unknown NIR exporter '{exporter}': choose auto, {', '.join(CONVENTIONS)}"
        )
    return CONVENTIONS[exporter], f"exporter '{exporter}' given"


def step(convention: Convention, dt: float | None, reason: str) -> float:
    """The ``dt`` to import at: the one given, else the one the exporter implies."""
    if dt is None:
        if convention.implied_dt is None:
            raise ModelError(
                "the NIR file does not say its time step and no exporter's signature was "
                "found: pass dt (seconds per step; snnTorch writes 1e-4, Norse's default is "
                "1e-3, Sinabs counts steps: 1)"
            )
        return convention.implied_dt
    if not dt > 0:
        raise ModelError(f"dt must be a positive number of seconds, not {dt}")
    if convention.name == "snntorch" and not np.isclose(dt, SNNTORCH_DT, rtol=1e-9, atol=0):
        raise ModelError(
            f"the NIR file was written by {convention.writer} ({reason}), which implies "
            f"dt = {SNNTORCH_DT:g} s, but dt = {dt:g} was given: pass dt=1e-4 or leave it out"
        )
    return float(dt)
