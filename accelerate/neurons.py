"""Torch kernel of Lava's fixed-point LIF neurons (multiplier or shift leak, recurrent or
not, the non-spiking readout): a loop over time, every sample and neuron of a step at once,
in Lava's int32 (see :mod:`pumice.convert.kernels.lif`)."""

from __future__ import annotations

import numpy as np
import torch

from pumice.accelerate.device_run import DeviceRun
from pumice.accelerate.integers import (
    arithmetic_shift,
    decay,
    integrate,
    product_dtype,
    shift_leak,
    to_integers,
    wrap,
)
from pumice.accelerate.registry import torch_kernel
from pumice.convert import lava_arithmetic as la
from pumice.convert.ir import (
    FixedCubaLI,
    FixedCubaLIF,
    FixedRecurrentCubaLIF,
    FixedRecurrentShiftLIF,
    FixedShiftLIF,
    Node,
)
from pumice.convert.ir.fixed_point import DECAY_ONE, NO_LEAK, NON_SPIKING_VTH
from pumice.convert.kernels.neuron_run import Outputs
from pumice.convert.semantics.lif import effective_bias


def _per_neuron(values, shape, width, device) -> torch.Tensor:
    flat = np.broadcast_to(np.asarray(values, dtype=np.int64), shape).reshape(width)
    return torch.as_tensor(np.array(flat), device=device)


def _feedback(node: Node, device):
    """``fired (batch, n) -> recurrent input`` of a recurrent layer, else None."""
    if not node.traits.recurrent:
        return None
    weight = la.effective_dense_weights(node.recurrent_weight, node.recurrent_num_weight_bits)
    dtype = product_dtype(weight)
    transposed = torch.as_tensor(weight.T, dtype=dtype, device=device)
    exponent = int(node.recurrent_weight_exp)

    def feedback(fired: torch.Tensor) -> torch.Tensor:
        return wrap(arithmetic_shift(to_integers(fired.to(dtype) @ transposed), exponent), 32)

    return feedback


@torch_kernel(
    FixedCubaLIF, FixedShiftLIF, FixedRecurrentCubaLIF, FixedRecurrentShiftLIF, FixedCubaLI
)
def _fixed_lif(node: Node, current: torch.Tensor, outputs: Outputs) -> DeviceRun:
    batch, steps, shape = current.shape[0], current.shape[-1], tuple(node.shape)
    width, device = int(np.prod(shape)), current.device
    a = current.reshape(batch, width, steps)
    bias = _per_neuron(effective_bias(node, shape), shape, width, device)
    vth = int(node.vth) if node.traits.spiking else NON_SPIKING_VTH
    if node.traits.leak == "shift":
        shift_u = _per_neuron(node.shift_u, shape, width, device)
        shift_v = _per_neuron(node.shift_v, shape, width, device)

        def leak(u, v):
            return shift_leak(u, shift_u, NO_LEAK), shift_leak(v, shift_v, NO_LEAK)
    else:
        factor_u, factor_v = DECAY_ONE - (int(node.du) + 1), DECAY_ONE - int(node.dv)

        def leak(u, v):
            return decay(u, factor_u), decay(v, factor_v)

    feedback = _feedback(node, device)
    u = torch.zeros(batch, width, dtype=torch.int64, device=device)
    v = torch.zeros_like(u)
    fired = torch.zeros(batch, width, dtype=torch.bool, device=device)
    trains = torch.zeros(batch, width, steps, dtype=torch.uint8, device=device)
    traced = (batch, width, steps) if outputs.state else (0,)
    us = torch.zeros(traced, dtype=torch.int64, device=device)
    vs = torch.zeros_like(us)
    start, stop = outputs.window
    potentials = None
    for t in range(steps):
        a_t = a[..., t]
        if feedback is not None and t > 0:
            a_t = wrap(a_t + feedback(fired), 32)
        u, v, fired = integrate(*leak(u, v), a_t, bias, vth)
        trains[..., t] = fired
        if outputs.state:
            us[..., t], vs[..., t] = u, v
        if t == stop - 1 and outputs.potentials:
            potentials = v.reshape(batch, *shape)
    counts = trains[..., start:stop].sum(dim=-1, dtype=torch.int64).reshape(batch, *shape)
    return DeviceRun(
        counts=counts,
        fired=trains.reshape(batch, -1).sum(dim=1, dtype=torch.int64),
        trains=trains.reshape(batch, *shape, steps),
        potentials=potentials,
        u=us.reshape(batch, *shape, steps) if outputs.state else None,
        v=vs.reshape(batch, *shape, steps) if outputs.state else None,
    )
