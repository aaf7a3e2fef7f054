"""Networks written by snnTorch, Norse and Sinabs' own NIR exporters, imported and run.

Each library runs its network (weights trained on digits, ``tests/foreign_networks.py``)
on the same spikes; the imported float graph reproduces its output spikes step for step
(the synaptic delays compensated), and after pumice's 8-bit conversion predicts what the
library predicts on at least 97 % (snnTorch) / 95 % (Norse, Sinabs) of the samples.
``bench/nir_agreement.py`` measures the same on every test digit.
"""

from __future__ import annotations

import nir
import numpy as np
import pytest
import torch
from foreign_networks import NETWORKS, agreement, convert_8bit, digits

from pumice.convert.interchange import import_nir
from pumice.convert.ir import Conv2d, CubaLIF, Dense, RecurrentCubaLIF
from pumice.errors import ModelError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
SAMPLES = 200
#: Least prediction agreement after 8-bit conversion (issue 11).
FIXED_AGREEMENT = {"snntorch_dense": 0.97, "snntorch_conv": 0.97, "norse_dense": 0.95}
FIXED_AGREEMENT["sinabs_conv"] = 0.95
EXPECTED = {
    "snntorch_dense": ("snntorch", 1e-4, [Dense, CubaLIF, Dense, CubaLIF]),
    "snntorch_conv": ("snntorch", 1e-4, [Conv2d, CubaLIF, Dense, CubaLIF]),
    "norse_dense": ("norse", 1e-3, [Dense, CubaLIF, Dense, CubaLIF]),
    "sinabs_conv": ("sinabs", 1.0, [Conv2d, CubaLIF, Dense, CubaLIF]),
}


@pytest.fixture(scope="module")
def test_spikes() -> np.ndarray:
    return digits("test", SAMPLES)[0]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_exported_network_runs_as_in_its_library(tmp_path, test_spikes, name):
    run_library, export = NETWORKS[name]
    library = run_library(test_spikes)

    graph = import_nir(export(tmp_path / f"{name}.nir"))

    exporter, dt, kinds = EXPECTED[name]
    assert (graph.metadata["nir_exporter"], graph.metadata["dt"]) == (exporter, dt)
    weighted = [type(n) for n in graph.nodes.values() if n.is_synapse or n.is_neuron]
    assert weighted == kinds
    assert library.sum() > 0 and len(np.unique(library.sum(-1).argmax(-1))) >= 5
    floating = agreement(graph, test_spikes, library)
    assert floating["output_spikes_equal"] == 1.0, floating
    fixed = agreement(convert_8bit(graph), test_spikes, library)
    assert fixed["delay_compensated"] >= FIXED_AGREEMENT[name], fixed


def test_snntorch_rleaky_is_refused_for_its_reset_and_read_as_nir_on_request(tmp_path):
    _, export = NETWORKS["snntorch_recurrent"]
    path = export(tmp_path / "rleaky.nir")
    with pytest.raises(ModelError, match="\\(recurrent LIF\\): snnTorch writes its") as info:
        import_nir(path)
    assert "\n" not in str(info.value)

    graph = import_nir(path, dt=1e-4, exporter="nir")

    layer = next(n for n in graph.nodes.values() if type(n) is RecurrentCubaLIF)
    recurrent = nir.read(path).nodes
    weight = next(n.weight for k, n in recurrent.items() if k.endswith("w_rec"))
    np.testing.assert_allclose(layer.recurrent_weight, weight, rtol=1e-6)


def test_snntorch_synaptic_is_refused_for_its_reset(tmp_path):
    import snntorch as snn
    from snntorch.export_nir import export_to_nir

    n = 4
    net = torch.nn.Sequential(
        torch.nn.Linear(3, n, bias=False),
        snn.Synaptic(
            alpha=torch.full((n,), 0.8),
            beta=torch.full((n,), 0.9),
            threshold=torch.ones(n),
            init_hidden=True,
            reset_mechanism="zero",
            output=True,
        ),
    )
    path = tmp_path / "synaptic.nir"
    nir.write(path, export_to_nir(net, torch.zeros(1, 3), ignore_dims=[0]))

    with pytest.raises(ModelError, match="'1' \\(CubaLIF\\): snnTorch writes its Synaptic"):
        import_nir(path)
