"""ISI payload router: process and ``fixed_pt`` model (Lava's process/models layout)."""
