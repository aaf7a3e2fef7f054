"""pumice: spiking networks from SLAYER training to Loihi fixed point and Lava."""

from pumice import lava_compat

lava_compat.install()
