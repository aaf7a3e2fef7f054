"""Build lava-dl SLAYER's JIT CUDA kernels for the GPU actually present.

``lava/lib/dl/slayer/jitconfig.py`` sets ``TORCH_CUDA_ARCH_LIST = '8.0'`` for every GPU of
compute capability 8 or more; SLAYER copies it into ``os.environ['TORCH_CUDA_ARCH_LIST']``
just before ``torch.utils.cpp_extension.load``, so on an H100 (9.0) the kernels have no
sm_90 code and fail with "no kernel image is available for execution on the device".
"""

from __future__ import annotations

import os

import torch


def fix_slayer_cuda_arch(device=None) -> str | None:
    """Point SLAYER's JIT build at ``device``'s compute capability; return it, or None.

    Call before the first CUDA forward pass. Without CUDA nothing is changed or imported.
    """
    if not torch.cuda.is_available():
        return None
    from lava.lib.dl.slayer import jitconfig

    major, minor = torch.cuda.get_device_capability(device)
    arch = f"{major}.{minor}"
    jitconfig.TORCH_CUDA_ARCH_LIST = arch
    os.environ["TORCH_CUDA_ARCH_LIST"] = arch
    return arch
