"""Spike counter: counts each neuron's spikes per sample inside Lava (process/models layout)."""
