"""Compiled (numba) kernels of the fixed-point node kinds (see :mod:`.registry`); importing
the package fills the table."""

from pumice.convert.kernels import binner, conv, dense, lif, structural
from pumice.convert.kernels.registry import KERNELS

__all__ = ["KERNELS", "binner", "conv", "dense", "lif", "structural"]
