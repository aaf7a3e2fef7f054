"""ASF: accumulated spiking flow, spiking networks trained on spike counts.

Hao Wu et al., "Training Spiking Neural Networks with Accumulated Spiking Flow", AAAI 2021
("Wu et al." in the docstrings of this package; equation numbers are the paper's).
"""
