"""Core mapping: every neuron of a fixed-point graph assigned to a core of a hardware profile."""

from pumice.convert.mapping.core_map import RESOURCES, Core, Mapping, Segment, neuron_order
from pumice.convert.mapping.errors import MappingError, NeuronTooLargeError
from pumice.convert.mapping.mapper import map_graph
from pumice.convert.mapping.synapses import LayerSynapses, layer_synapses

__all__ = [
    "RESOURCES",
    "Core",
    "LayerSynapses",
    "Mapping",
    "MappingError",
    "NeuronTooLargeError",
    "Segment",
    "layer_synapses",
    "neuron_order",
    "map_graph",
]
