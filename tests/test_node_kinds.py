"""Every node kind has all its parts, and its traits tell the truth.

A kind declares what it is once (its traits); this walks :data:`NODE_KINDS` and checks
that each has reference semantics, a Lava builder (fixed and structural kinds), a
quantiser or a lowering pass (float kinds) and an example graph, and that each
interchange format writes exactly the kinds whose traits say it can.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from kind_examples import EXAMPLES, example_node

from pumice.convert.emulator import emulate
from pumice.convert.interchange import (
    export_netx,
    export_nir,
    export_onnx,
    import_netx,
    import_nir,
    import_onnx,
)
from pumice.convert.ir import FORMATS, NODE_KINDS, Node, Traits, register
from pumice.convert.passes import PASSES
from pumice.convert.quantizers import QUANTIZERS
from pumice.convert.semantics import SEMANTICS
from pumice.deploy.builders import LAVA_BUILDERS
from pumice.deploy.lava_network import build_lava_network
from pumice.errors import ModelError

#: Format -> (exporter, importer, file suffix).
_FORMATS = {
    "netx": (export_netx, import_netx, ".net"),
    "onnx": (export_onnx, import_onnx, ".onnx"),
    "nir": (export_nir, import_nir, ".nir"),
}


def missing_parts(kind: type[Node]) -> list[str]:
    """What ``kind`` lacks, one sentence each, naming where to add it."""
    name = kind.__name__
    missing = []
    if "traits" not in kind.__dict__:
        return [f"{name} declares no traits of its own: register it with @register(...)"]
    traits: Traits = kind.traits
    if kind not in SEMANTICS:
        missing.append(
            f"{name} has no reference semantics: add a function decorated "
            f"@semantics({name}) under pumice/convert/semantics/"
        )
    if traits.domain != "float" and kind not in LAVA_BUILDERS:
        missing.append(
            f"{name} has no Lava builder: add a function decorated @lava_builder({name}) "
            f"under pumice/deploy/builders/"
        )
    if traits.domain == "float" and kind not in QUANTIZERS and traits.lowered_by not in PASSES:
        missing.append(
            f"{name} has no quantiser: add a function decorated @quantizer({name}) under "
            f"pumice/convert/quantizers/, or name the pass that lowers it (traits lowered_by)"
        )
    if kind not in EXAMPLES:
        missing.append(f"{name} has no example graph: add one to tests/kind_examples.py")
    return missing


@pytest.mark.parametrize("kind", list(NODE_KINDS.values()), ids=list(NODE_KINDS))
def test_every_kind_has_all_its_parts(kind):
    assert missing_parts(kind) == []


def test_a_kind_without_semantics_is_named_with_what_to_add(monkeypatch):
    monkeypatch.setattr("pumice.convert.ir.node.NODE_KINDS", dict(NODE_KINDS))

    @register(role="neuron", domain="fixed", spiking=True)
    @dataclasses.dataclass(frozen=True, eq=False)
    class HalfDoneLIF(Node):
        shape: tuple[int, ...]

    LAVA_BUILDERS[HalfDoneLIF] = LAVA_BUILDERS[NODE_KINDS["FixedCubaLIF"]]
    try:
        problems = missing_parts(HalfDoneLIF)
    finally:
        del LAVA_BUILDERS[HalfDoneLIF]
    assert problems == [
        "HalfDoneLIF has no reference semantics: add a function decorated "
        "@semantics(HalfDoneLIF) under pumice/convert/semantics/",
        "HalfDoneLIF has no example graph: add one to tests/kind_examples.py",
    ]
    assert "HalfDoneLIF" not in NODE_KINDS  # the registry patch is undone with the test


def test_traits_are_declared_on_each_kind_not_inherited():
    inherited = [k.__name__ for k in NODE_KINDS.values() if "traits" not in k.__dict__]
    assert inherited == []
    with pytest.raises(ValueError, match="synapses, and only synapses, declare a connectivity"):
        Traits(role="neuron", domain="float", connectivity="dense")


def _spikes(graph, seed: int = 0) -> np.ndarray:
    shape = graph.nodes[graph.input].shape
    return (np.random.default_rng(seed).random((4, *shape, 10)) < 0.4).astype(np.uint8)


@pytest.mark.parametrize("kind", list(NODE_KINDS.values()), ids=list(NODE_KINDS))
def test_every_kind_emulates_and_converts(kind):
    graph = EXAMPLES[kind]()
    assert type(graph.nodes[example_node(graph, kind)]) is kind
    run = emulate(graph, _spikes(graph), record_state=True)
    assert set(run.counts) == {name for name, _ in graph.neurons()}
    if graph.domain() == "float":
        lowering = kind.traits.lowered_by
        if lowering is not None:
            graph = PASSES[lowering]().apply(graph).graph
        fixed = PASSES["quantize"]().apply(graph).graph
        assert all(node.domain != "float" for node in fixed.nodes.values())
    else:
        net = build_lava_network(graph, _spikes(graph), record_spikes=False)
        assert set(net.neurons) == {name for name, _ in graph.neurons()}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", list(NODE_KINDS.values()), ids=list(NODE_KINDS))
def test_formats_write_exactly_the_kinds_their_traits_name(kind, fmt, tmp_path):
    export, read, suffix = _FORMATS[fmt]
    graph = EXAMPLES[kind]()
    path = tmp_path / f"model{suffix}"
    if fmt not in kind.traits.formats:
        with pytest.raises(ModelError) as refused:
            export(graph, path)
        assert "\n" not in str(refused.value) and not path.exists()
        if all(
            fmt in node.traits.formats for node in graph.nodes.values() if type(node) is not kind
        ):
            assert f"'{example_node(graph, kind)}'" in str(refused.value)
        return
    export(graph, path)
    back = read(path)
    expected = PASSES["quantize"]().apply(graph).graph if fmt == "netx" else graph
    x = _spikes(graph, 1)
    want, got = emulate(expected, x), emulate(back, x)
    layers = [[name for name, _ in g.neurons()] for g in (expected, back)]
    assert len(layers[0]) == len(layers[1])
    for name, read_back in zip(*layers, strict=True):  # netx names layers its own way
        np.testing.assert_array_equal(
            got.counts[read_back], want.counts[name], err_msg=f"{fmt} {name}"
        )
