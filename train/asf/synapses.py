"""The synapses of an ASF layer, applied to spikes of one step or to whole-window counts.

The same function serves both passes of Wu et al.'s method: the forward pass feeds it the
spikes of every step, ``I(t) = W s(t)`` (eq. 1), the backward pass the spike counts,
``FI = W FO`` (eq. 6). Average pooling is a fixed weight of 1/k^2 per input (the IR's
``SumPool2d``, which Lava runs as a depthwise convolution).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from pumice.train.asf.plan import AsfLayer


def synaptic_input(layer: AsfLayer, weight: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
    """Input (N, *layer.out_shape) of the layer's neurons for ``x`` (N, *layer.in_shape)."""
    if layer.kind == "conv":
        return F.conv2d(x, weight, stride=layer.stride, padding=layer.padding)
    if layer.kind == "pool":
        return F.avg_pool2d(x, layer.kernel, layer.stride)
    return F.linear(x.flatten(1), weight)


def over_time(layer: AsfLayer, weight: torch.Tensor | None, spikes: torch.Tensor) -> torch.Tensor:
    """``I(t)`` (T, B, *out_shape) for spikes (T, B, *in_shape): one batched call for all
    steps (the synapse has no state)."""
    steps, batch = spikes.shape[:2]
    frames = spikes.flatten(0, 1)
    if layer.kind == "conv":
        frames = frames.contiguous(memory_format=torch.channels_last)
    current = synaptic_input(layer, weight, frames)
    return current.contiguous().unflatten(0, (steps, batch))
