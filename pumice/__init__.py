"""pumice: spiking networks from SLAYER training to Loihi fixed point and Lava."""
