"""The emulator on a torch device (a GPU): Lava's integer arithmetic in torch tensors,
bit for bit the CPU emulator's. Only this package (not :mod:`pumice.convert`) imports
torch for emulation."""
