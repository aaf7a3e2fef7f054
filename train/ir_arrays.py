"""Tensors as the arrays IR nodes hold."""

from __future__ import annotations

import numpy as np
import torch


def ir_array(tensor: torch.Tensor) -> np.ndarray:
    """``tensor`` as a float64 NumPy array, detached and on the CPU."""
    return tensor.detach().cpu().double().numpy()
