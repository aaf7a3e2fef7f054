"""The emulator's convolution (patch matrices times kernels, frames in chunks) equals
torch's, bit for bit on integers, for any groups, stride, padding and dilation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pumice.convert import tensor_ops
from pumice.convert.tensor_ops import conv2d


def _torch_conv(weight, x, stride, padding, dilation, groups) -> np.ndarray:
    frames = torch.from_numpy(np.moveaxis(x, -1, 1).reshape(-1, *x.shape[1:4]).astype(np.float64))
    out = F.conv2d(
        frames, torch.from_numpy(weight.astype(np.float64)), None, stride, padding, dilation, groups
    ).numpy()
    out = out.reshape(x.shape[0], x.shape[-1], *out.shape[1:])
    return np.moveaxis(out, 1, -1)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("chunked", [False, True])
def test_integer_convolution_equals_torch(seed, chunked, monkeypatch):
    rng = np.random.default_rng(seed)
    groups, per_group, out_per_group = (int(n) for n in rng.integers(1, 4, 3))
    kernel = tuple(int(n) for n in rng.integers(1, 4, 2))
    stride, dilation = (tuple(int(n) for n in rng.integers(1, 3, 2)) for _ in range(2))
    padding = tuple(int(n) for n in rng.integers(0, 3, 2))
    weight = rng.integers(-255, 256, (groups * out_per_group, per_group, *kernel))
    x = rng.integers(0, 2, (3, groups * per_group, 9, 8, 4))
    if chunked:
        monkeypatch.setattr(tensor_ops, "PATCH_ELEMENTS", 64)
    got = conv2d(weight, x, stride, padding, dilation, groups)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, _torch_conv(weight, x, stride, padding, dilation, groups))


def test_wide_integers_stay_exact_in_int64():
    rng = np.random.default_rng(0)
    weight = rng.integers(-(2**30), 2**30, (4, 2, 3, 3))  # sums beyond 2**53
    x = rng.integers(0, 2**20, (2, 2, 6, 6, 3))
    expected = np.zeros((2, 4, 4, 4, 3), np.int64)
    for i in range(4):
        for j in range(4):
            patch = x[:, :, i : i + 3, j : j + 3]
            expected[:, :, i, j] = np.einsum("bchwt,ochw->bot", patch, weight)
    np.testing.assert_array_equal(conv2d(weight, x, (1, 1), (0, 0), (1, 1), 1), expected)


def test_float_convolution_matches_torch():
    rng = np.random.default_rng(1)
    weight, x = rng.normal(size=(6, 2, 3, 3)), rng.normal(size=(2, 4, 7, 7, 3))
    got = conv2d(weight, x, (2, 1), (1, 1), (1, 2), 2)
    np.testing.assert_allclose(got, _torch_conv(weight, x, (2, 1), (1, 1), (1, 2), 2), rtol=1e-12)
