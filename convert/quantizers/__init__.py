"""Per-kind quantisers (see :mod:`.registry`); importing the package fills the table."""

from pumice.convert.quantizers import lif, readout, synapses  # noqa: F401  (they register)
from pumice.convert.quantizers.registry import QUANTIZERS, QuantizeContext

__all__ = ["QUANTIZERS", "QuantizeContext"]
