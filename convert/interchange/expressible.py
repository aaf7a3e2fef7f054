"""What the interchange formats here cannot express: recurrent layers, per-neuron decays,
IMSNN's node kinds (ISI synapses, ISI binners, non-spiking output layers).

netx, ONNX (pumice's custom neuron operators) and NIR as written here hold feed-forward
chains of neurons with one decay per layer. Exporters call :func:`refuse_inexpressible`
first, so such a graph fails with one line naming the layer instead of losing its
recurrent synapses or its per-neuron decays.
"""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import (
    CubaLI,
    CubaLIF,
    FixedCubaLI,
    Graph,
    ISIBinner,
    ISIConv2d,
    ISIDense,
)
from pumice.convert.recurrence import RECURRENT_KINDS
from pumice.errors import ModelError

#: IMSNN's node kinds: no interchange format has them.
_ISI_KINDS = (ISIDense, ISIConv2d, ISIBinner, CubaLI, FixedCubaLI)


def refuse_inexpressible(graph: Graph, format_name: str) -> None:
    """Raise :class:`ModelError` for the first recurrent layer, per-neuron float decay or
    IMSNN node kind."""
    for name, node in graph.nodes.items():
        if isinstance(node, _ISI_KINDS):
            raise ModelError(
                f"node '{name}' is of kind {type(node).__name__}, which {format_name} cannot "
                f"express: keep the model as a pumice file"
            )
        if isinstance(node, RECURRENT_KINDS):
            raise ModelError(
                f"layer '{name}' is recurrent ({type(node).__name__}); {format_name} export "
                f"writes feed-forward layers only: keep the model as a pumice file"
            )
        if isinstance(node, CubaLIF):
            for field in ("current_decay", "voltage_decay"):
                if np.size(getattr(node, field)) > 1:
                    raise ModelError(
                        f"layer '{name}' has a {field} per neuron; {format_name} export "
                        f"writes one decay per layer: keep the model as a pumice file"
                    )
