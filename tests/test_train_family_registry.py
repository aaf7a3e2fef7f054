"""The family registry: each name builds a network that fulfils the family contract, checks
its input shape the same way, and is imported only when used."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from pumice.errors import ConfigError, ModelError
from pumice.train.config import config_from_dict
from pumice.train.errors import InputShapeError
from pumice.train.families import FAMILIES, build_network, network_class
from pumice.train.network_family import NetworkFamily

STEPS = 6
SECTIONS = {
    "slayer": {},
    "imsnn": {"imsnn": {"mean_max": 4.0}},
    "bpsr": {"bpsr": {}},
    "asf": {"asf": {}},
}


def _network(family: str) -> torch.nn.Module:
    layers = [{"type": "dense", "features": 5}, {"type": "dense", "features": 3}]
    table = {"data": {"name": "digits", "steps": STEPS}, "network": {"layers": layers}}
    config = config_from_dict({**table, **SECTIONS[family]})
    assert config.family == family
    return build_network(config, (1, 4, 4))


def test_every_family_is_registered():
    assert set(FAMILIES) == set(SECTIONS)


@pytest.mark.parametrize("family", sorted(SECTIONS))
def test_each_family_builds_a_network_that_fulfils_the_contract(family):
    net = _network(family)
    assert type(net) is network_class(family)
    assert isinstance(net, NetworkFamily) and isinstance(net, torch.nn.Module)
    assert (net.input_shape, net.steps, net.num_classes) == ((1, 4, 4), STEPS, 3)
    output, counts = net((torch.rand(2, 1, 4, 4, STEPS) < 0.5).float())
    assert net.predict(output).shape == (2,)
    assert [count.shape for count in counts] == [(2,)] * len(net.layer_names())
    assert set(net.loss(output, torch.tensor([0, 2]))) >= {"loss"}
    assert list(net.export_ir().nodes)[-1] == "dense2"


@pytest.mark.parametrize("family", sorted(SECTIONS))
def test_each_family_raises_input_shape_error_for_a_wrong_shape(family):
    net = _network(family)
    with pytest.raises(InputShapeError, match=r"expected input spikes shaped \(batch, \(1, 4, 4\)"):
        net(torch.zeros(2, 1, 4, 5, STEPS))
    assert issubclass(InputShapeError, ModelError)


def test_an_unknown_family_is_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match="unknown network family 'ttfs': pumice trains 'slayer'"):
        network_class("ttfs")


def _modules_after(code: str) -> set[str]:
    found = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(found.stdout.split())


def test_the_registry_imports_no_family_and_no_family_imports_the_registry():
    assert not {"torch", "pumice.train.network"} & _modules_after("import pumice.train.families")
    members = "\n".join(f"import {target.split(':')[0]}" for target in FAMILIES.values())
    assert "pumice.train.families" not in _modules_after(members)
