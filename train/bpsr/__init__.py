"""BPSR: heterogeneous, recurrent LIF with spike and weight sparsity regularisation."""
