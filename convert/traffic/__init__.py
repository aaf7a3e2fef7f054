"""Spike traffic, synaptic operations and energy of a run, per core of a mapping."""

from pumice.convert.traffic.energy import ENERGY_FIELDS, energy_breakdown
from pumice.convert.traffic.plot import plot_report
from pumice.convert.traffic.report import QUANTITIES, traffic_report
from pumice.convert.traffic.table import format_report

__all__ = [
    "ENERGY_FIELDS",
    "QUANTITIES",
    "energy_breakdown",
    "format_report",
    "plot_report",
    "traffic_report",
]
