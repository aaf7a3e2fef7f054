"""Lava processes pumice adds where Lava's own cannot express a node kind."""
