"""BPSR: heterogeneous, recurrent LIF with spike and weight sparsity regularisation.

"Backpropagation with sparsity regularization" (BPSR, Frontiers in Neuroscience; "the
BPSR paper" in the docstrings of this package).
"""
