"""The ISI-modulated dense synapse, event-based forward and backward.

Current into postsynaptic neuron ``o`` at step ``t`` (Adams et al.)::

    I[b, t, o] = sum_j height[o, j] * G(phi[b, t, j]; mean[o, j], width[o, j]) * s[b, t, j]

Forward and the heights' gradient touch only the events (``s = 1``). The spikes'
gradient is dense (the surrogate gradient flows through steps without spikes too, where
the held ISI sets the weight a spike would have had): it is grouped by the distinct ISI
values present. A value held by many (b, t, j) costs one matmul ``g @ (height * G_k)``;
the rare ones are gathered and summed position by position. It is skipped when the
input spikes need no gradient (the first layer). The ISI's gradient lives at the events.

With an ISI range cap (:class:`~pumice.train.imsnn.isi_range.IsiRange`), held ISIs above
it weigh nothing, forward and backward; binned ISIs arrive as their bins' centres.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from pumice.errors import ModelError
from pumice.train.imsnn.gate import gate_isi_gradient
from pumice.train.imsnn.isi import isi_gaussian, isi_gaussian_slope, isi_state
from pumice.train.imsnn.isi_range import UNCAPPED, IsiRange
from pumice.train.imsnn.isi_synapse import IsiSynapse
from pumice.train.imsnn.parameters import chunk_size
from pumice.train.imsnn.synapse_inputs import check_dense_spikes

#: A value held by more than 1/MATMUL_ADVANTAGE of the positions gets a dense matmul: one
#: (6400 x 500) @ (500 x 500) matmul took as long as gathering 44k positions (1/73 of
#: them) on one CPU core.
MATMUL_ADVANTAGE = 64

Table = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def _by_value(
    values: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, width: int
) -> Iterator[tuple[float, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Positions (rows, cols) grouped by their ISI ``values``, in chunks of bounded size.

    Yields (value, rows, cols, distinct cols, index of each col among the distinct ones).
    """
    distinct, inverse, counts = torch.unique(values, return_inverse=True, return_counts=True)
    span = int(cols.max()) + 1 if len(cols) else 1
    order = torch.argsort(inverse * span + cols)  # by value, then by column
    step = chunk_size(width)
    for value, group in zip(distinct.tolist(), order.split(counts.tolist()), strict=True):
        for start in range(0, len(group), step):
            index = group[start : start + step]
            unique_cols, inverse_cols = torch.unique_consecutive(cols[index], return_inverse=True)
            yield value, rows[index], cols[index], unique_cols, inverse_cols


def _tuning(value: float, cols: torch.Tensor, table: Table) -> tuple[torch.Tensor, ...]:
    """(G, height, mean, width) rows (k, out) of presynaptic ``cols`` at ISI ``value``."""
    height_t, mean_t, width_t = table
    mean, width = mean_t[cols], width_t[cols]
    return isi_gaussian(value, mean, width), height_t[cols], mean, width


def _spike_gradient(
    grad: torch.Tensor, phi: torch.Tensor, table: Table, limit: float
) -> torch.Tensor:
    """``dL/ds`` (B*T, J) from ``dL/dI`` (B*T, O) and the held ISI (B*T, J); held ISIs
    above ``limit`` weigh nothing."""
    height_t, mean_t, width_t = table
    grad_s = torch.zeros_like(phi)
    values, counts = torch.unique(phi, return_counts=True)
    common = values[(counts * MATMUL_ADVANTAGE >= phi.numel()) & (values <= limit)]
    for value in common.tolist():
        weight_t = height_t * isi_gaussian(value, mean_t, width_t)
        grad_s = torch.where(phi == value, grad @ weight_t.T, grad_s)
    rows, cols = (~torch.isin(phi, common) & (phi <= limit)).nonzero(as_tuple=True)
    for value, r, c, unique_cols, inverse in _by_value(phi[rows, cols], rows, cols, grad.shape[1]):
        gaussian, height, _, _ = _tuning(value, unique_cols, table)
        grad_s[r, c] = (grad[r] * (height * gaussian)[inverse]).sum(1)
    return grad_s


class _IsiDenseFunction(torch.autograd.Function):
    """(spikes, phi, height, mean, width, limit) -> current; spikes/phi (B, T, J), params
    (O, J); spikes whose ISI exceeds ``limit`` add nothing."""

    @staticmethod
    def forward(ctx, spikes, phi, height, mean, width, limit):
        batch, steps, inputs = spikes.shape
        flat_phi = phi.reshape(batch * steps, inputs)
        rows, cols = spikes.reshape(batch * steps, inputs).nonzero(as_tuple=True)
        within = flat_phi[rows, cols] <= limit
        rows, cols = rows[within], cols[within]
        table = (height.T.contiguous(), mean.T.contiguous(), width.T.contiguous())
        current = spikes.new_zeros(batch * steps, height.shape[0])
        for value, r, _, unique_cols, inverse in _by_value(
            flat_phi[rows, cols], rows, cols, height.shape[0]
        ):
            gaussian, height_rows, _, _ = _tuning(value, unique_cols, table)
            current.index_add_(0, r, (height_rows * gaussian)[inverse])
        ctx.save_for_backward(flat_phi, rows, cols, *table)
        ctx.shape = (batch, steps, inputs)
        ctx.limit = limit
        return current.view(batch, steps, -1)

    @staticmethod
    def backward(ctx, grad_current):
        flat_phi, rows, cols, *table = ctx.saved_tensors
        batch, steps, inputs = ctx.shape
        grad = grad_current.reshape(batch * steps, -1)
        need_s, need_phi, need_height = ctx.needs_input_grad[:3]
        grad_height_t = torch.zeros_like(table[0]) if need_height else None
        grad_phi = torch.zeros_like(flat_phi) if need_phi else None
        if need_phi or need_height:
            for value, r, c, unique_cols, inverse in _by_value(
                flat_phi[rows, cols], rows, cols, grad.shape[1]
            ):
                gaussian, height, mean, width = _tuning(value, unique_cols, table)
                grad_rows = grad[r]
                if need_height:
                    summed = torch.zeros_like(gaussian).index_add_(0, inverse, grad_rows)
                    grad_height_t.index_add_(0, unique_cols, summed * gaussian)
                if need_phi:
                    slope = height * isi_gaussian_slope(value, mean, width, gaussian)
                    grad_phi[r, c] = (grad_rows * slope[inverse]).sum(1)
        grad_s = _spike_gradient(grad, flat_phi, table, ctx.limit) if need_s else None
        shape = ctx.shape
        return (
            None if grad_s is None else grad_s.view(shape),
            None if grad_phi is None else grad_phi.view(shape),
            None if grad_height_t is None else grad_height_t.T,
            None,
            None,
            None,
        )


def isi_dense(
    spikes: torch.Tensor,
    phi: torch.Tensor,
    height: torch.Tensor,
    mean: torch.Tensor,
    width: torch.Tensor,
    limit: float = float("inf"),
) -> torch.Tensor:
    """ISI-modulated dense current (B, T, O) of spikes and held ISIs (B, T, J); spikes
    whose ISI exceeds ``limit`` add nothing."""
    return _IsiDenseFunction.apply(spikes, phi, height, mean, width, limit)


class IsiDense(IsiSynapse):
    """Dense ISI synapse: learned heights (out, in); fixed means and widths (out, in)."""

    def __init__(
        self,
        height: torch.Tensor,
        mean: torch.Tensor,
        width: torch.Tensor,
        rule: str = "imsnn",
        name: str = "dense",
        isi_range: IsiRange = UNCAPPED,
    ) -> None:
        if height.dim() != 2:
            raise ModelError(f"{name}: heights must be (out, in), got shape {tuple(height.shape)}")
        super().__init__(height, mean, width, height.shape, rule, name, isi_range)

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        """Current (B, T, out) of input spikes (B, T, in)."""
        check_dense_spikes(self.name, spikes, self.height.shape[1])
        phi = self.isi_range.centre(gate_isi_gradient(isi_state(spikes), self.rule))
        return isi_dense(spikes, phi, self.height, self.mean, self.width, self.isi_range.limit)
