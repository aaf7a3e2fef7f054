"""One time convention for every model: what Lava gives for a T-step input over T steps.

Lava delivers every synapse's output one step late. A network from another tool (a
lava-dl ``.net``, ONNX, NIR) is run as Lava runs it: T input steps, T run steps, each
layer counted over all of them. That is exactly what lava-dl's netx gives on Lava, and
what SLAYER's forward pass gives at each block's output (its ``delay_shift`` is Lava's
buffer).

pumice's own trained networks are read one step earlier: their training counts each
block's spikes at its neuron, *before* the block's ``delay_shift``, so the first
synapse's buffer is not modelled and every Lava layer runs :data:`LAG` step behind them.
Their exporters record that in the model (metadata :data:`LAG_KEY`), and for them alone a
run appends ``LAG`` zero steps to the input and counts each layer over run steps
``[LAG, LAG + T)``: the emulator then reproduces the training's forward pass spike for
spike. A model without the key lags by 0 steps.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir.graph import Graph
from pumice.errors import ModelError

#: Steps by which Lava lags the forward pass pumice's own training counts (SLAYER's
#: neurons before their ``delay_shift``): the input synapse's buffer.
LAG = 1
#: Metadata key in which a model records its lag (absent: 0, Lava's own convention).
LAG_KEY = "lag_steps"


def trained_metadata(metadata: dict | None = None) -> dict:
    """``metadata`` plus the lag of pumice's own trained networks (for their exporters)."""
    return {**(metadata or {}), LAG_KEY: LAG}


def model_lag(graph: Graph) -> int:
    """The steps by which Lava lags the forward pass ``graph``'s counts refer to (0 or 1).

    A model ``pumice train`` wrote before the key existed (its metadata ``source`` is the
    training config, a ``.toml``) lags like every pumice-trained network.
    """
    trained_before = str(graph.metadata.get("source", "")).endswith(".toml")
    lag = graph.metadata.get(LAG_KEY, LAG if trained_before else 0)
    if isinstance(lag, bool) or not isinstance(lag, int | np.integer) or not 0 <= lag <= LAG:
        raise ModelError(f"the model's metadata '{LAG_KEY}' is {lag!r}; it must be 0 or {LAG}")
    return int(lag)


def pad_for_lag(spikes: np.ndarray, lag: int = LAG) -> np.ndarray:
    """Append ``lag`` zero steps to spikes (samples, ..., steps)."""
    pad = np.zeros((*spikes.shape[:-1], lag), spikes.dtype)
    return np.concatenate([spikes, pad], axis=-1)


def layer_windows(graph: Graph, steps: int, lag: int | None = None) -> dict[str, tuple[int, int]]:
    """Per neuron node, the run steps ``[start, stop)`` that hold its T-step window.

    ``lag`` defaults to the model's own (:func:`model_lag`).
    """
    lag = model_lag(graph) if lag is None else lag
    return {name: (lag, lag + steps) for name, _ in graph.neurons()}


def run_input(graph: Graph, spikes: np.ndarray) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """The run's input for T-step ``spikes`` and each layer's window in that run."""
    lag = model_lag(graph)
    return pad_for_lag(spikes, lag), layer_windows(graph, spikes.shape[-1], lag)


def window_trains(
    spikes: dict[str, np.ndarray], windows: dict[str, tuple[int, int]]
) -> dict[str, np.ndarray]:
    """Each layer's trains (samples, *shape, run steps) cut to its window: on the input's
    step axis, T steps long."""
    return {name: train[..., slice(*windows[name])] for name, train in spikes.items()}
