"""The ISI-modulated convolution synapse, event-based forward and backward.

Heights are (out, in, kh, kw); each kernel (o, c) has one mean and one width, shared by
all its positions (Adams et al.). Spikes and ISIs are (batch, T, in, H, W)::

    I[b, t, o, y, x] = sum_{c, i, j} height[o, c, i, j] * s[b, t, c, y', x']
                                     * G(phi[b, t, c, y', x']; mean[o, c], width[o, c])

with ``y' = y * stride - padding + i`` (a cross-correlation, as torch's conv2d).

Each event scatters its kernel-shaped contribution, one kernel tap at a time
(kh * kw ``index_add`` calls per chunk of events); the heights' and the ISI's gradients
gather the same way. The spikes' gradient is dense: one grouped convolution keeps the
transposed convolution of each output channel apart, then each position weights it by
its kernels' Gaussians at its ISI (cost ~ frames * out * in * H * W).

Speed (one CPU core, 784-48c5-8c5-500-10, batch 8, T = 100, hidden layers at 0.9, 4.8
and 18 spikes per neuron): forward + backward about 10 s against 2 s for plain
convolutions (rule "snn"), most of it in the backward pass (the 3200 -> 500 ISI dense
layer's spike gradient, then the conv taps).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F

from pumice.convert.ir.shapes import conv_output_hw
from pumice.errors import ModelError
from pumice.train.imsnn.gate import gate_isi_gradient
from pumice.train.imsnn.isi import isi_gaussian, isi_gaussian_slope, isi_state
from pumice.train.imsnn.isi_synapse import IsiSynapse
from pumice.train.imsnn.parameters import chunk_size
from pumice.train.imsnn.synapse_inputs import check_conv_spikes


class _Geometry:
    """Input and output sizes of one convolution, and the output row of each tap."""

    def __init__(self, frames, in_hw, kernel, stride, padding) -> None:
        self.frames = frames
        self.in_hw = in_hw
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.out_hw = conv_output_hw(in_hw, kernel, stride, padding, (1, 1))

    def taps(self, f, y, x) -> Iterator[tuple[int, int, torch.Tensor, torch.Tensor]]:
        """Per kernel tap (i, j): which inputs (f, y, x) reach an output, and its flat row."""
        (sy, sx), (py, px), (oh, ow) = self.stride, self.padding, self.out_hw
        for i in range(self.kernel[0]):
            ny = y + py - i
            oy = torch.div(ny, sy, rounding_mode="floor")
            ok_y = (ny >= 0) & (ny - oy * sy == 0) & (oy < oh)
            for j in range(self.kernel[1]):
                nx = x + px - j
                ox = torch.div(nx, sx, rounding_mode="floor")
                valid = ok_y & (nx >= 0) & (nx - ox * sx == 0) & (ox < ow)
                rows = ((f * oh + oy) * ow + ox)[valid]
                yield i, j, valid, rows


def _gathered(geometry, f, c, y, x, grad, height_taps) -> torch.Tensor:
    """Per input position (k,): sum over taps of dL/dI at its output rows * tap height (k, O)."""
    total = grad.new_zeros(len(f), grad.shape[1])
    for i, j, valid, rows in geometry.taps(f, y, x):
        total[valid] += grad[rows] * height_taps[i, j][c[valid]]
    return total


def _positions(mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(f, c, y, x) indices of the True entries of a (frames, C, H, W) mask."""
    return mask.nonzero(as_tuple=True)


def _chunks(count: int, width: int) -> Iterator[slice]:
    step = chunk_size(width)
    for start in range(0, count, step):
        yield slice(start, start + step)


def _through_each_kernel(grad_frames: torch.Tensor, height: torch.Tensor, geometry) -> torch.Tensor:
    """Transposed convolution kept apart per output channel: (frames, O, C, H, W).

    Written as a grouped ``conv2d`` of the (stride-dilated, padded) gradient with the
    flipped kernels: torch's grouped ``conv_transpose2d`` is an order of magnitude slower
    on the CPU.
    """
    frames, out_channels, oh, ow = grad_frames.shape
    channels = height.shape[1]
    (sy, sx), (kh, kw), (py, px) = geometry.stride, geometry.kernel, geometry.padding
    if (sy, sx) != (1, 1):
        dilated = grad_frames.new_zeros(frames, out_channels, (oh - 1) * sy + 1, (ow - 1) * sx + 1)
        dilated[..., ::sy, ::sx] = grad_frames
        grad_frames = dilated
    top, left = kh - 1 - py, kw - 1 - px
    bottom = geometry.in_hw[0] + kh - 1 - top - grad_frames.shape[2]
    right = geometry.in_hw[1] + kw - 1 - left - grad_frames.shape[3]
    padded = F.pad(grad_frames, (left, right, top, bottom))
    kernels = height.flip(-1, -2).reshape(out_channels * channels, 1, kh, kw)
    through = F.conv2d(padded, kernels, groups=out_channels)
    return through.view(frames, out_channels, channels, *geometry.in_hw)


def _spike_gradient(geometry, grad_frames, phi, height, mean, width) -> torch.Tensor:
    """``dL/ds`` (frames, C, H, W) from ``dL/dI`` (frames, O, H', W') and the held ISIs.

    What each input position would pass through kernel (o, c) at full height, weighted
    by that kernel's Gaussian at the position's ISI and summed over ``o``.
    """
    out_channels = height.shape[0]
    mean = mean[None, :, :, None, None]
    width = width[None, :, :, None, None]
    grad_s = torch.empty_like(phi)
    for part in _chunks(len(phi), out_channels * phi[0].numel()):
        through = _through_each_kernel(grad_frames[part], height, geometry)
        grad_s[part] = (through * isi_gaussian(phi[part, None], mean, width)).sum(1)
    return grad_s


class _IsiConvFunction(torch.autograd.Function):
    """(spikes, phi, height, mean, width, stride, padding) -> current (B, T, O, H', W')."""

    @staticmethod
    def forward(ctx, spikes, phi, height, mean, width, stride, padding):
        batch, steps, channels, *in_hw = spikes.shape
        out_channels = height.shape[0]
        geometry = _Geometry(batch * steps, tuple(in_hw), tuple(height.shape[2:]), stride, padding)
        frames_phi = phi.reshape(batch * steps, channels, *in_hw)
        f, c, y, x = _positions(spikes.reshape(batch * steps, channels, *in_hw) != 0)
        height_taps = height.permute(2, 3, 1, 0).contiguous()
        mean_t, width_t = mean.T.contiguous(), width.T.contiguous()
        oh, ow = geometry.out_hw
        current = spikes.new_zeros(batch * steps * oh * ow, out_channels)
        for part in _chunks(len(f), out_channels * 2):
            fp, cp, yp, xp = f[part], c[part], y[part], x[part]
            gaussian = isi_gaussian(frames_phi[fp, cp, yp, xp][:, None], mean_t[cp], width_t[cp])
            for i, j, valid, rows in geometry.taps(fp, yp, xp):
                current.index_add_(0, rows, height_taps[i, j][cp[valid]] * gaussian[valid])
        ctx.save_for_backward(frames_phi, f, c, y, x, height, height_taps, mean_t, width_t)
        ctx.geometry = geometry
        ctx.shape = spikes.shape
        current = current.view(batch, steps, oh, ow, out_channels)
        return current.permute(0, 1, 4, 2, 3)

    @staticmethod
    def backward(ctx, grad_current):
        frames_phi, f, c, y, x, height, height_taps, mean_t, width_t = ctx.saved_tensors
        geometry = ctx.geometry
        need_s, need_phi, need_height = ctx.needs_input_grad[:3]
        out_channels = height.shape[0]
        grad = grad_current.permute(0, 1, 3, 4, 2).reshape(-1, out_channels)
        grad_height_taps = torch.zeros_like(height_taps) if need_height else None
        grad_phi = torch.zeros_like(frames_phi) if need_phi else None
        count = len(f) if need_phi or need_height else 0
        for part in _chunks(count, out_channels * 2):
            fp, cp, yp, xp = f[part], c[part], y[part], x[part]
            here = frames_phi[fp, cp, yp, xp]
            gaussian = isi_gaussian(here[:, None], mean_t[cp], width_t[cp])
            if need_height:
                for i, j, valid, rows in geometry.taps(fp, yp, xp):
                    grad_height_taps[i, j].index_add_(0, cp[valid], grad[rows] * gaussian[valid])
            if need_phi:
                slope = isi_gaussian_slope(here[:, None], mean_t[cp], width_t[cp], gaussian)
                total = _gathered(geometry, fp, cp, yp, xp, grad, height_taps)
                grad_phi[fp, cp, yp, xp] = (total * slope).sum(1)
        grad_s = None
        if need_s:
            grad_frames = grad_current.reshape(geometry.frames, out_channels, *geometry.out_hw)
            grad_s = _spike_gradient(geometry, grad_frames, frames_phi, height, mean_t.T, width_t.T)
        shape = ctx.shape
        return (
            None if grad_s is None else grad_s.view(shape),
            None if grad_phi is None else grad_phi.view(shape),
            None if grad_height_taps is None else grad_height_taps.permute(3, 2, 0, 1),
            None,
            None,
            None,
            None,
        )


def isi_conv2d(
    spikes: torch.Tensor,
    phi: torch.Tensor,
    height: torch.Tensor,
    mean: torch.Tensor,
    width: torch.Tensor,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    """ISI-modulated convolution current (B, T, O, H', W') of spikes and ISIs (B, T, C, H, W)."""
    return _IsiConvFunction.apply(spikes, phi, height, mean, width, stride, padding)


class IsiConv2d(IsiSynapse):
    """Convolution ISI synapse: heights (out, in, k, k); means and widths (out, in)."""

    def __init__(
        self,
        height: torch.Tensor,
        mean: torch.Tensor,
        width: torch.Tensor,
        stride: int = 1,
        padding: int = 0,
        rule: str = "imsnn",
        name: str = "conv",
    ) -> None:
        if height.dim() != 4:
            raise ModelError(
                f"{name}: heights must be (out, in, kh, kw), got shape {tuple(height.shape)}"
            )
        super().__init__(height, mean, width, height.shape[:2], rule, name)
        self.stride = (int(stride), int(stride))
        self.padding = (int(padding), int(padding))

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        """Current (B, T, out, H', W') of input spikes (B, T, in, H, W)."""
        check_conv_spikes(self.name, spikes, self.height.shape, self.padding)
        phi = gate_isi_gradient(isi_state(spikes), self.rule)
        return isi_conv2d(
            spikes, phi, self.height, self.mean, self.width, self.stride, self.padding
        )
