"""Compiled (numba) kernels of the fixed-point node kinds (see :mod:`.registry`); importing
the package fills the table and chooses the kernels' threads (:mod:`.threads`)."""

from pumice.convert.kernels import binner, conv, dense, lif, structural, threads
from pumice.convert.kernels.registry import KERNELS

__all__ = ["KERNELS", "binner", "conv", "dense", "lif", "structural", "threads"]
