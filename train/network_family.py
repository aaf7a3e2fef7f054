"""The contract of a network family: what the trainer, checkpoints and exporters use.

A family is a ``torch.nn.Module`` class that also has the members of
:class:`NetworkFamily`; :mod:`pumice.train.families` names the families.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch

    from pumice.convert.ir import Graph
    from pumice.train.config import TrainConfig


@runtime_checkable
class NetworkFamily(Protocol):
    """A trainable spiking network of one family."""

    #: Shape of one input sample without batch and time axes, e.g. (1, 28, 28).
    input_shape: tuple[int, ...]
    #: Number of time steps T the network was built for.
    steps: int

    @classmethod
    def from_config(cls, config: TrainConfig, input_shape: Sequence[int]) -> NetworkFamily:
        """The untrained network of ``config`` for samples of ``input_shape``."""
        ...

    @property
    def num_classes(self) -> int:
        """Number of output neurons, one per class."""
        ...

    def forward(self, spikes: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Input spikes (batch, *input_shape, T) -> (what :meth:`loss` reads, and per hidden
        layer each sample's spikes per neuron (batch,)); raises
        :class:`~pumice.train.errors.InputShapeError` for spikes of another shape."""
        ...

    def loss(self, output: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """``"loss"``, minimised, and its parts reported on their own, each summed over
        the batch."""
        ...

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """The class of each sample."""
        ...

    def after_step(self) -> None:
        """Called after each optimiser step (e.g. clamping, rewiring)."""
        ...

    def layer_names(self) -> list[str]:
        """Names of the hidden spiking layers in order, as in the training log and the IR."""
        ...

    def export_ir(self, metadata: dict | None = None) -> Graph:
        """The trained network as a float IR graph.

        Its metadata records how its forward pass lines up with Lava's steps
        (:func:`pumice.convert.ir.windows.trained_metadata` for a pass that counts each
        layer before its one-step axon delay, as SLAYER's neurons are read).
        """
        ...
