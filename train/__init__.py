"""Training with lava-dl SLAYER: config (config.py), network (network.py), loop (trainer.py).

Modules are imported on demand, so reading a config does not import torch or lava.
"""
