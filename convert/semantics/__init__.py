"""Reference semantics of every IR node kind (see :mod:`.registry`); importing the package
fills the tables."""

from pumice.convert.semantics import isi, lif, readout, structural, synapses, ttfs
from pumice.convert.semantics.registry import ON_EVENTS, SEMANTICS

__all__ = ["ON_EVENTS", "SEMANTICS", "isi", "lif", "readout", "structural", "synapses", "ttfs"]
