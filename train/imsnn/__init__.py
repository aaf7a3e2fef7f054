"""IMSNN: ISI-modulated synapses and their ISI-gradient learning rule.

Adams, Zajaczkowska, Anjum, Soltoggio and Dora, "Synaptic Modulation using Interspike
Intervals Increases Energy Efficiency of Spiking Neural Networks" ("Adams et al." in the
docstrings of this package).
"""
