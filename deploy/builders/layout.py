"""Between the IR's (C, H, W) maps and Lava's (W, H, C): transposes and line orders.

Lava lays feature maps out as (x, y, channels) = (W, H, C). Tensors are transposed at
this boundary; a vector that comes from flattening a map is in Lava's order, so what
follows it (a dense layer, an ISI binner) is told the IR index of each line.
"""

from __future__ import annotations

import numpy as np


def swap_map_layout(array: np.ndarray, first_axis: int, feature_dims: int) -> np.ndarray:
    """(…, C, H, W, …) <-> (…, W, H, C, …) at ``first_axis``; 1-D features stay as they are."""
    if feature_dims != 3:
        return array
    return np.swapaxes(array, first_axis, first_axis + 2)


def flatten_order(shape: tuple[int, ...]) -> np.ndarray:
    """For each position of Lava's flattened (W, H, C) map, the IR's (C, H, W) index."""
    return np.arange(int(np.prod(shape))).reshape(shape).transpose(2, 1, 0).ravel()


def binned_order(order: np.ndarray, num_bins: int) -> np.ndarray:
    """For each of a binner's Lava output lines, the IR line (``j * K + k``), given the IR
    index ``order[p]`` of each of its Lava inputs."""
    return (order[:, None] * num_bins + np.arange(num_bins)).ravel()


def lava_per_neuron(values, ir_shape: tuple[int, ...]) -> np.ndarray:
    """A per-neuron (or broadcast) IR parameter as a contiguous int32 array in Lava's layout."""
    per_neuron = np.broadcast_to(values, ir_shape)
    return np.ascontiguousarray(swap_map_layout(per_neuron, 0, len(ir_shape))).astype(np.int32)
