"""Torch kernels of the fixed-point synapses: Dense (and Sparse) and Conv (pooling too).

One product over every step of the batch at once, exact (see :mod:`.integers`), then
Lava's shift, its int32 channel (Dense) or 24-bit clamp (Conv), and the one-step buffer.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from pumice.accelerate.integers import arithmetic_shift, product_dtype, to_integers, wrap
from pumice.accelerate.registry import torch_kernel
from pumice.convert import lava_arithmetic as la
from pumice.convert.ir import FixedConv2d, FixedDense
from pumice.convert.ir.fixed_point import STATE_BITS


def delay_one_step(x: torch.Tensor) -> torch.Tensor:
    """Shift along the time axis by one step, zero at step 0 (Lava's synapse buffer)."""
    return F.pad(x[..., :-1], (1, 0))


@torch_kernel(FixedDense)
def _fixed_dense(node: FixedDense, x: torch.Tensor) -> torch.Tensor:
    weight = la.effective_dense_weights(node.weight, node.num_weight_bits)
    dtype = product_dtype(weight)
    batch, steps = x.shape[0], x.shape[-1]
    rows = x.reshape(batch, -1, steps).transpose(1, 2).to(dtype)
    total = to_integers(rows @ torch.as_tensor(weight.T, dtype=dtype, device=x.device))
    sent = wrap(arithmetic_shift(total, int(node.weight_exp)), 32)
    return delay_one_step(sent.transpose(1, 2))


@torch_kernel(FixedConv2d)
def _fixed_conv(node: FixedConv2d, x: torch.Tensor) -> torch.Tensor:
    weight = np.asarray(node.weight, dtype=np.int64)
    dtype = product_dtype(weight)
    batch, channels, height, width, steps = x.shape
    out_channels, per_group, kh, kw = weight.shape
    groups = int(node.groups)
    frames = x.permute(0, 4, 1, 2, 3).reshape(batch * steps, channels, height, width).to(dtype)
    patches = F.unfold(frames, (kh, kw), node.dilation, node.padding, node.stride)
    patches = patches.reshape(batch * steps, groups, per_group * kh * kw, -1)
    kernels = torch.as_tensor(weight, dtype=dtype, device=x.device)
    kernels = kernels.reshape(groups, out_channels // groups, per_group * kh * kw)
    total = to_integers(torch.einsum("ngkl,gok->ngol", patches, kernels))
    out_h, out_w = node.output_shape((channels, height, width))[1:]
    total = total.reshape(batch, steps, out_channels, out_h, out_w).permute(0, 2, 3, 4, 1)
    return delay_one_step(wrap(arithmetic_shift(total, int(node.weight_exp)), STATE_BITS))
