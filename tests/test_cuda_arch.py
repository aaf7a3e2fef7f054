"""pumice.train.cuda_arch: SLAYER's JIT kernels are built for the GPU that is present."""

import os

import pytest
import torch

from pumice.train.cuda_arch import fix_slayer_cuda_arch


@pytest.fixture
def jitconfig(monkeypatch):
    """SLAYER's jitconfig, with its arch list and the environment restored afterwards."""
    from lava.lib.dl.slayer import jitconfig

    monkeypatch.setattr(jitconfig, "TORCH_CUDA_ARCH_LIST", jitconfig.TORCH_CUDA_ARCH_LIST)
    monkeypatch.delenv("TORCH_CUDA_ARCH_LIST", raising=False)
    return jitconfig


@pytest.mark.parametrize(
    ("device", "capability", "arch"), [(None, (9, 0), "9.0"), (1, (8, 6), "8.6")]
)
def test_sets_arch_of_device(monkeypatch, jitconfig, device, capability, arch):
    asked = []

    def get_device_capability(device=None):
        asked.append(device)
        return capability

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", get_device_capability)
    assert fix_slayer_cuda_arch(device) == arch
    assert asked == [device]
    assert jitconfig.TORCH_CUDA_ARCH_LIST == arch
    assert os.environ["TORCH_CUDA_ARCH_LIST"] == arch


def test_no_cuda_changes_nothing(monkeypatch, jitconfig):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(jitconfig, "TORCH_CUDA_ARCH_LIST", "8.0")
    assert fix_slayer_cuda_arch() is None
    assert jitconfig.TORCH_CUDA_ARCH_LIST == "8.0"
    assert "TORCH_CUDA_ARCH_LIST" not in os.environ


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_slayer_cuba_dense_forward_on_cuda():
    from lava.lib.dl import slayer

    arch = fix_slayer_cuda_arch()
    assert arch == "{}.{}".format(*torch.cuda.get_device_capability())
    neuron_params = {"threshold": 1.0, "current_decay": 0.25, "voltage_decay": 0.03}
    block = slayer.block.cuba.Dense(neuron_params, 8, 4).cuda()
    spikes_in = (torch.rand(2, 8, 16, device="cuda") < 0.5).float()
    spikes_out = block(spikes_in)
    torch.cuda.synchronize()
    assert spikes_out.shape == (2, 4, 16)
    assert torch.isfinite(spikes_out).all()
    assert set(spikes_out.unique().tolist()) <= {0.0, 1.0}
