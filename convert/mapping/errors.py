"""Why a graph cannot be mapped."""

from __future__ import annotations

from pumice.errors import PumiceError


class MappingError(PumiceError):
    """A graph that cannot be placed on a hardware profile's cores."""


class NeuronTooLargeError(MappingError):
    """A single neuron needs more of a resource than one core holds: it can never be mapped."""

    def __init__(self, layer: str, neuron: int, resource: str, limit: int, value: int, text: str):
        super().__init__(text)
        #: Layer, position of the neuron in the layer's mapping order.
        self.layer, self.neuron = layer, neuron
        #: Resource name (see ``RESOURCES``), the core's limit and the neuron's need.
        self.resource, self.limit, self.value = resource, limit, value
