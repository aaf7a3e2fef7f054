"""IMSNN building blocks: ISI recurrence, gate, event-based synapses vs naive autograd, neurons."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from pumice.errors import ModelError
from pumice.train.errors import InputShapeError
from pumice.train.imsnn import dense as dense_module
from pumice.train.imsnn.conv import IsiConv2d, isi_conv2d
from pumice.train.imsnn.dense import IsiDense, isi_dense
from pumice.train.imsnn.gate import gate_isi_gradient
from pumice.train.imsnn.isi import isi_gaussian, isi_state
from pumice.train.imsnn.neurons import delay_one_step, lif_spikes, output_potential
from pumice.train.imsnn.plain import PlainConv2d, PlainDense

DOUBLE = torch.float64


def test_isi_recurrence_follows_the_ir_convention():
    train = torch.tensor([0, 0, 1, 0, 1, 1, 0, 0, 0, 1], dtype=DOUBLE)
    phi = isi_state(train.view(1, -1, 1))[0, :, 0]
    # 0 before the first spike; a first spike at step 2 has ISI 3; then held.
    assert phi.tolist() == [0, 0, 3, 3, 2, 1, 1, 1, 1, 4]


def test_isi_gradient_says_an_earlier_spike_shortens_a_later_isi():
    train = torch.tensor([0, 1, 0, 0, 1], dtype=DOUBLE).view(1, -1, 1).requires_grad_()
    phi = isi_state(train)
    (grad,) = torch.autograd.grad(phi[0, 4, 0], train)
    # phi(4) = 3 (spikes at 1 and 4). A spike at 3 would make it 1 (-2), at 2 make it 2
    # (-1); without the spike at 1 it would be 5 (-2); without the one at 4 it would hold
    # phi(3) = 2 (+1); step 0 is masked by the spike at 1.
    assert grad[0, :, 0].tolist() == [0.0, -2.0, -1.0, -2.0, 1.0]


@pytest.mark.parametrize(("rule", "kept"), [("imsnn", [-2.0, 0.0, -0.5]), ("imsnnc", [0, 3, 0])])
def test_gate_keeps_one_sign_of_the_isi_gradient(rule, kept):
    phi = torch.tensor([4.0, 2.0, 7.0], requires_grad=True)
    gated = gate_isi_gradient(phi, rule)
    assert torch.equal(gated, phi)  # identity forward
    (gated * torch.tensor([-2.0, 3.0, -0.5])).sum().backward()
    assert phi.grad.tolist() == kept


def _naive_dense(spikes, phi, height, mean, width):
    weight = height * isi_gaussian(phi[:, :, None, :], mean, width)  # (B, T, O, J)
    return (weight * spikes[:, :, None, :]).sum(-1)


def _grads(function, spikes, phi, height, upstream):
    spikes = spikes.detach().requires_grad_()
    phi = phi.detach().requires_grad_()
    height = height.detach().requires_grad_()
    out = function(spikes, phi, height)
    return (out, *torch.autograd.grad((out * upstream).sum(), (spikes, phi, height)))


@pytest.mark.parametrize("advantage", [1, 64, 10**9], ids=["gathered", "mixed", "matmul"])
def test_dense_gradients_match_naive_autograd(monkeypatch, advantage):
    monkeypatch.setattr(dense_module, "MATMUL_ADVANTAGE", advantage)
    generator = torch.Generator().manual_seed(0)
    spikes = (torch.rand(3, 14, 6, generator=generator) < 0.4).to(DOUBLE)
    phi = isi_state(spikes)
    height = torch.randn(4, 6, generator=generator, dtype=DOUBLE)
    mean = 1 + 10 * torch.rand(4, 6, generator=generator, dtype=DOUBLE)
    width = 1 + 3 * torch.rand(4, 6, generator=generator, dtype=DOUBLE)
    upstream = torch.randn(3, 14, 4, generator=generator, dtype=DOUBLE)
    fast = _grads(lambda s, p, h: isi_dense(s, p, h, mean, width), spikes, phi, height, upstream)
    naive = _grads(
        lambda s, p, h: _naive_dense(s, p, h, mean, width), spikes, phi, height, upstream
    )
    for name, a, b in zip(("current", "spikes", "phi", "height"), fast, naive, strict=True):
        torch.testing.assert_close(a, b, msg=f"{name} differs")


def _naive_conv(spikes, phi, height, mean, width, stride, padding):
    batch, steps, channels, h, w = spikes.shape
    out_ch, _, k, _ = height.shape
    frames = batch * steps

    def unfold(x):
        x = x.reshape(frames, channels, h, w)
        return F.unfold(x, k, padding=padding, stride=stride).view(frames, channels, k * k, -1)

    gaussian = isi_gaussian(
        unfold(phi)[:, None], mean[None, :, :, None, None], width[None, :, :, None, None]
    )
    out = height.view(out_ch, channels, k * k)[None, ..., None] * gaussian * unfold(spikes)[:, None]
    oh = (h + 2 * padding - k) // stride + 1
    ow = (w + 2 * padding - k) // stride + 1
    return out.sum((2, 3)).view(batch, steps, out_ch, oh, ow)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), (3, 2)])
def test_conv_gradients_match_naive_autograd(stride, padding):
    generator = torch.Generator().manual_seed(1)
    spikes = (torch.rand(2, 9, 3, 7, 6, generator=generator) < 0.3).to(DOUBLE)
    phi = isi_state(spikes)
    height = torch.randn(4, 3, 3, 3, generator=generator, dtype=DOUBLE)
    mean = 1 + 6 * torch.rand(4, 3, generator=generator, dtype=DOUBLE)
    width = 1 + 3 * torch.rand(4, 3, generator=generator, dtype=DOUBLE)
    out_shape = _naive_conv(spikes, phi, height, mean, width, stride, padding).shape
    upstream = torch.randn(out_shape, generator=generator, dtype=DOUBLE)
    fast = _grads(
        lambda s, p, h: isi_conv2d(s, p, h, mean, width, (stride,) * 2, (padding,) * 2),
        spikes,
        phi,
        height,
        upstream,
    )
    naive = _grads(
        lambda s, p, h: _naive_conv(s, p, h, mean, width, stride, padding),
        spikes,
        phi,
        height,
        upstream,
    )
    for name, a, b in zip(("current", "spikes", "phi", "height"), fast, naive, strict=True):
        torch.testing.assert_close(a, b, msg=f"{name} differs")


def test_first_layer_skips_the_spike_gradient(monkeypatch):
    def refuse(*args):
        raise AssertionError("the dense spike gradient ran for an input that needs none")

    monkeypatch.setattr(dense_module, "_spike_gradient", refuse)
    block = IsiDense(torch.randn(3, 5), 1 + 5 * torch.rand(3, 5), 2 + torch.rand(3, 5))
    spikes = (torch.rand(2, 10, 5) < 0.5).float()
    block(spikes).sum().backward()
    assert block.height.grad.abs().sum() > 0


def test_blocks_refuse_bad_parameters_and_inputs():
    with pytest.raises(ModelError, match=r"dense1: widths must be > 0.*-1"):
        IsiDense(torch.ones(2, 3), torch.ones(2, 3), -torch.ones(2, 3), name="dense1")
    with pytest.raises(ModelError, match=r"conv1: mean has shape \(2, 3, 3, 3\).*need \(2, 3\)"):
        IsiConv2d(torch.ones(2, 3, 3, 3), torch.ones(2, 3, 3, 3), torch.ones(2, 3), name="conv1")
    conv = IsiConv2d(torch.ones(2, 3, 5, 5), torch.ones(2, 3), torch.ones(2, 3), name="conv1")
    plain_conv = PlainConv2d(torch.ones(2, 3, 5, 5), name="conv1")
    for block in (conv, plain_conv):
        with pytest.raises(InputShapeError, match="conv1: kernel 5x5 is larger than its padded"):
            block(torch.zeros(1, 2, 3, 4, 4))
        with pytest.raises(InputShapeError, match=r"conv1: expected spikes \(batch, T, 3, H, W\)"):
            block(torch.zeros(1, 2, 2, 6, 6))
    dense = IsiDense(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3), name="dense2")
    for block in (dense, PlainDense(torch.ones(2, 3), name="dense2")):
        with pytest.raises(InputShapeError, match=r"dense2: expected spikes \(batch, T, 3\)"):
            block(torch.zeros(1, 4, 5))


def test_lif_resets_and_surrogate_is_superspike():
    current = torch.tensor([0.6, 0.6, 0.0, 2.0, 0.5], dtype=DOUBLE).view(1, -1, 1)
    current.requires_grad_()
    spikes = lif_spikes(current, decay=0.5, threshold=1.0, beta=10.0)
    # u: 0.6, 0.9, 0.45, 2.225 (fires), 0.5 (reset, then input)
    assert spikes[0, :, 0].tolist() == [0, 0, 0, 1, 0]
    (grad,) = torch.autograd.grad(spikes[0, 1, 0], current)
    # ds(1)/du(1) = 1 / (1 + 10 * |0.9 - 1|)^2 = 0.25; du(1)/dI(0) = decay.
    torch.testing.assert_close(grad[0, :2, 0], torch.tensor([0.125, 0.25], dtype=DOUBLE))


def test_output_potential_and_delay():
    current = torch.tensor([[[1.0], [2.0], [4.0]]])
    assert output_potential(current, 0.5).item() == pytest.approx(0.25 + 1 + 4)
    assert delay_one_step(current)[0, :, 0].tolist() == [0.0, 1.0, 2.0]
