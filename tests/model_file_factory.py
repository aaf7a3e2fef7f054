"""Small model files of every format pumice reads, and ways to write them wrong.

The validation tests and the damaged-file fuzz build their probes from these: a
float graph ``Input(1, 4, 4) -> Flatten -> Dense(3, 16) -> CubaLIF(3)`` and its
fixed-point form, written as ``.pumice`` (current and version-1 layout), lava-dl ``.net``,
``.onnx`` and ``.nir``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import h5py
import nir
import numpy as np

from pumice.convert.interchange import export_netx, export_onnx
from pumice.convert.interchange.nir_import import DT_KEY, PRODUCER, PRODUCER_KEY
from pumice.convert.ir import CubaLIF, Dense, Flatten, Graph, Input, Node
from pumice.convert.ir.container import write_container
from pumice.convert.ir.serialize import HEADER, encode_graph
from pumice.convert.passes import PASSES

#: Suffixes of the formats pumice reads.
SUFFIXES = (".pumice", ".net", ".onnx", ".nir")
STEPS = 5


def float_graph(weight: np.ndarray | None = None, **lif) -> Graph:
    """The float test graph; ``weight`` replaces the dense weight, ``lif`` CubaLIF fields."""
    if weight is None:
        weight = np.random.default_rng(0).normal(0, 0.6, (3, 16))
    neuron = {"shape": (3,), "threshold": 1.0, "current_decay": 0.2, "voltage_decay": 0.1}
    neuron["bias"] = np.zeros(1)
    neuron.update(lif)
    return Graph.chain(
        [
            ("input", Input((1, 4, 4))),
            ("flatten", Flatten()),
            ("fc", Dense(weight)),
            ("lif", CubaLIF(**neuron)),
        ],
        metadata={"steps": STEPS},
    )


def fixed_graph() -> Graph:
    """The test graph quantised to Lava's fixed point (lava-dl's 8-bit default)."""
    return PASSES["quantize"]().apply(float_graph()).graph


def with_node(graph: Graph, name: str, **changes) -> Graph:
    """``graph`` with node ``name``'s fields changed (no validation: may be invalid)."""
    nodes = dict(graph.nodes)
    nodes[name] = dataclasses.replace(nodes[name], **changes)
    return Graph.chain(list(nodes.items()), metadata=graph.metadata)


def with_nodes(graph: Graph, named: list[tuple[str, Node]]) -> Graph:
    """A chain of ``named`` nodes with ``graph``'s metadata."""
    return Graph.chain(named, metadata=graph.metadata)


def header_of(graph: Graph) -> dict:
    """The JSON header :func:`encode_graph` writes for ``graph``."""
    return json.loads(encode_graph(graph)[HEADER].tobytes())


def write_pumice(path: Path, graph: Graph, change: Callable[[dict], object] | None = None) -> Path:
    """``graph`` as a sealed ``.pumice`` file, its header edited by ``change`` first.

    Unlike ``save_graph`` this writes invalid graphs too, with a checksum that matches, so
    what is refused is the content, not the seal.
    """
    arrays = encode_graph(graph)
    if change is not None:
        header = json.loads(arrays[HEADER].tobytes())
        change(header)
        arrays[HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    write_container(path, arrays)
    return path


def write_pumice_v1(path: Path, graph: Graph) -> Path:
    """``graph`` in the layout pumice wrote before files had a checksum (IR file version 1)."""
    arrays = encode_graph(graph)
    header = json.loads(arrays.pop(HEADER).tobytes())
    header["version"] = 1
    del header["ir_version"]
    arrays[HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path


CUBA = {"neuron/type": "CUBA", "neuron/iDecay": 1024, "neuron/vDecay": 128, "neuron/vThMant": 80}


def netx_layers(**changes) -> list[dict]:
    """A flatten-free two-layer netx network (16 -> 4 -> 3) as datasets per layer;
    ``changes`` replace datasets of the first dense layer."""
    rng = np.random.default_rng(1)
    first = {"type": "dense", "shape": [4], "weight": rng.integers(-60, 60, (4, 16)), **CUBA}
    first.update(changes)
    second = {"type": "dense", "shape": [3], "weight": rng.integers(-60, 60, (3, 4)), **CUBA}
    return [first, second]


def write_netx_layers(path: Path, layers: list[dict]) -> Path:
    """A hand-written ``.net`` file: one dict of datasets per layer, as SLAYER writes it."""
    with h5py.File(path, "w") as handle:
        for index, fields in enumerate(layers):
            group = handle.create_group(f"layer/{index}")
            for key, value in fields.items():
                if key == "type":
                    group.create_dataset("type", (1,), "S10", [value.encode()])
                else:
                    group.create_dataset(key, data=value)
    return path


def nir_graph(weight: np.ndarray | None = None, **lif) -> nir.NIRGraph:
    """The test graph as a NIR graph: ``Input(1, 4, 4) -> Flatten -> Linear -> CubaLIF``,
    marked as pumice marks its files, with the step it runs at (1 ms)."""
    if weight is None:
        weight = np.random.default_rng(2).normal(0, 0.6, (3, 16))
    params = {"tau_syn": 5e-3, "tau_mem": 1e-2, "r": 1.0, "v_leak": 0.0, "v_threshold": 1.0}
    params["w_in"] = 1.0
    params.update(lif)
    nodes = {
        "input": nir.Input(input_type=np.array([1, 4, 4])),
        "flatten": nir.Flatten(input_type=np.array([1, 4, 4]), start_dim=0, end_dim=-1),
        "fc": nir.Linear(weight=weight),
        "lif": nir.CubaLIF(**{key: value * np.ones(3) for key, value in params.items()}),
        "output": nir.Output(output_type=np.array([3])),
    }
    names = list(nodes)
    return nir.NIRGraph(
        nodes=nodes,
        edges=list(zip(names[:-1], names[1:], strict=True)),
        metadata={PRODUCER_KEY: PRODUCER, DT_KEY: 1e-3},
        type_check=False,
    )


def write_nir(path: Path, graph: nir.NIRGraph) -> Path:
    nir.write(path, graph)
    return path


def valid_file(directory: Path, suffix: str) -> Path:
    """A valid model file of the format ``suffix`` in ``directory``."""
    path = directory / f"model{suffix}"
    if suffix == ".pumice":
        return write_pumice(path, fixed_graph())
    if suffix == ".net":
        return export_netx(float_graph(), path)
    if suffix == ".onnx":
        return export_onnx(float_graph(), path)
    return write_nir(path, nir_graph())
