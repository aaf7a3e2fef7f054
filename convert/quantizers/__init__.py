"""Per-kind quantisers (see :mod:`.registry`); importing the package fills the table."""

from pumice.convert.quantizers import isi_payload, lif, readout, synapses  # noqa: F401
from pumice.convert.quantizers.registry import QUANTIZERS, QuantizeContext

__all__ = ["QUANTIZERS", "QuantizeContext"]
