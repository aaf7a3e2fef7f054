"""Lava builders of every fixed-point and structural node kind (see :mod:`.registry`);
importing the package fills the table."""

from pumice.deploy.builders import isi, neurons, structural, synapses, ttfs  # noqa: F401
from pumice.deploy.builders.registry import LAVA_BUILDERS, BuildContext, Built

__all__ = ["LAVA_BUILDERS", "BuildContext", "Built"]
