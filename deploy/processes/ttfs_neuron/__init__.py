"""TTFS neuron: process and ``fixed_pt`` model (Lava's process/models layout)."""
