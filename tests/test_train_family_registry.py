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
    "ttfs": {"ttfs": {}},
    "asf": {"asf": {}},
}
#: ``[data]`` settings a family needs (TTFS networks take intensity frames).
DATA = {"ttfs": {"encoding": "intensity"}}


def _input(family: str, shape: tuple[int, ...] = (1, 4, 4)) -> torch.Tensor:
    """Input a family's network takes: spikes, or for TTFS 8-bit intensities at step 0."""
    if family == "ttfs":
        frames = torch.zeros(2, *shape, STEPS)
        frames[..., 0] = torch.randint(0, 256, (2, *shape)).float()
        return frames
    return (torch.rand(2, *shape, STEPS) < 0.5).float()


def _network(family: str) -> torch.nn.Module:
    layers = [{"type": "dense", "features": 5}, {"type": "dense", "features": 3}]
    data = {"name": "digits", "steps": STEPS, **DATA.get(family, {})}
    table = {"data": data, "network": {"layers": layers}}
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
    output, counts = net(_input(family))
    assert net.predict(output).shape == (2,)
    assert [count.shape for count in counts] == [(2,)] * len(net.layer_names())
    assert set(net.loss(output, torch.tensor([0, 2]))) >= {"loss"}
    assert list(net.export_ir().nodes)[-1] == "dense2"


@pytest.mark.parametrize("family", sorted(SECTIONS))
def test_each_family_raises_input_shape_error_for_a_wrong_shape(family):
    net = _network(family)
    with pytest.raises(InputShapeError, match=r"expected input spikes shaped \(batch, \(1, 4, 4\)"):
        net(_input(family, (1, 4, 5)))
    assert issubclass(InputShapeError, ModelError)


def test_an_unknown_family_is_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match="unknown network family 'tdsnn': pumice trains 'slayer'"):
        network_class("tdsnn")


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
