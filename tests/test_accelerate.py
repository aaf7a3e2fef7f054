"""The emulator on a torch device computes what the compiled CPU kernels compute, bit for
bit. Here torch runs on the CPU; the ``gpu`` test repeats it on CUDA where there is one."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from graph_factory import (
    random_graph,
    random_isi_graph,
    random_pooled_graph,
    random_recurrent_graph,
)

from pumice.accelerate.emulator import emulate_on_device, torch_device
from pumice.accelerate.registry import TORCH_KERNELS
from pumice.convert.emulator import emulate
from pumice.convert.kernels import KERNELS
from pumice.errors import PumiceError


def _graphs():
    for seed in range(3):
        yield random_graph(np.random.default_rng(seed), conv=seed % 2 == 0)
        yield random_recurrent_graph(np.random.default_rng(seed), conv=seed % 2 == 0)
        yield random_isi_graph(
            np.random.default_rng(seed), conv=seed % 2 == 1, potential_output=True, max_isi=5
        )
        yield random_pooled_graph(np.random.default_rng(seed))


def _assert_device_matches_kernels(device: str) -> None:
    rng = np.random.default_rng(1)
    for graph in _graphs():
        shape = graph.nodes[graph.input].shape
        spikes = (rng.random((3, *shape, 11)) < rng.uniform(0.1, 0.9)).astype(np.uint8)
        windows = {name: (1, 11) for name, _ in graph.neurons()}
        options = dict(record_spikes=True, record_state=True, windows=windows)
        expected = emulate(graph, spikes, **options)
        actual = emulate_on_device(graph, spikes, device, **options)
        for name, _ in graph.neurons():
            for field in ("counts", "spikes", "u", "v"):
                np.testing.assert_array_equal(
                    getattr(actual, field)[name], getattr(expected, field)[name], err_msg=name
                )
        for name, potential in (expected.potentials or {}).items():
            np.testing.assert_array_equal(actual.potentials[name], potential, err_msg=name)


def test_every_kind_with_a_cpu_kernel_has_a_torch_kernel():
    assert set(KERNELS) <= set(TORCH_KERNELS)


def test_torch_on_the_cpu_equals_the_compiled_kernels():
    _assert_device_matches_kernels("cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_torch_on_cuda_equals_the_compiled_kernels():
    _assert_device_matches_kernels("cuda")


def test_a_missing_device_is_one_clear_error():
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    with pytest.raises(PumiceError, match="torch sees no CUDA device"):
        torch_device("cuda")
    with pytest.raises(PumiceError, match="unknown device"):
        torch_device("warp-drive")


def test_run_with_a_missing_gpu_is_one_line_and_lava_refuses_a_device(tmp_path, capsys):
    """``pumice run --device``: an absent CUDA device, or a device for Lava, is one error."""
    from pumice.cli import main
    from pumice.convert.ir import save_graph

    graph = random_graph(np.random.default_rng(0), conv=False)
    model = tmp_path / "model.pumice"
    save_graph(graph, model)
    data = tmp_path / "data.npz"
    shape = graph.nodes[graph.input].shape
    np.savez(data, x=np.zeros((20, *shape, 4), np.uint8), y=np.zeros(20, np.int64))
    run = ["-q", "run", str(model), "--data", str(data), "--steps", "4"]
    assert main(run) == 0  # the data are fine: what fails below is the device
    capsys.readouterr()
    if not torch.cuda.is_available():
        assert main([*run, "--device", "cuda"]) == 2
        assert "torch sees no CUDA device" in capsys.readouterr().err
    assert main([*run, "--backend", "lava", "--device", "cuda"]) == 2
    assert "is for the emulator" in capsys.readouterr().err
