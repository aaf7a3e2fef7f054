"""Rewiring masks survive export -> convert -> Lava: a pruned synapse has no weight anywhere."""

from __future__ import annotations

import numpy as np
import pytest
from bpsr_factory import train_rewired
from scipy.sparse import csr_matrix

from pumice.convert.ir import FixedDense, FixedRecurrentShiftLIF
from pumice.convert.passes import PASSES
from pumice.deploy.lava_network import build_lava_network

CONFIG = {
    "data": {"name": "digits", "steps": 6},
    "network": {
        "layers": [
            {"type": "dense", "features": 12, "recurrent": True},
            {"type": "dense", "features": 4},
        ]
    },
    "train": {"optimizer": "adamw", "lr": 0.05},
    "bpsr": {"rewiring": True, "prune_threshold": 0.3, "growth_threshold": 0.2},
}


def lava_weights(process) -> np.ndarray:
    """The weight matrix a Lava Dense or Sparse process was built with."""
    return csr_matrix(process.weights.init).toarray()


@pytest.mark.lava
def test_pruned_synapses_carry_no_weight_in_the_fixed_graph_or_on_lava():
    _, net, _ = train_rewired(CONFIG, seed=1)
    masks = {
        "dense1_synapse": net.rewiring["dense1_weight"].mask.numpy(),
        "dense2_synapse": net.rewiring["dense2_weight"].mask.numpy(),
        "dense1.recurrent": net.rewiring["dense1_recurrent_weight"].mask.numpy(),
    }
    assert all(0 < (~mask).mean() < 1 for mask in masks.values())
    fixed = PASSES["quantize"](leak="shift").apply(net.export_ir()).graph
    fixed_weights = {
        "dense1_synapse": fixed.nodes["dense1_synapse"],
        "dense2_synapse": fixed.nodes["dense2_synapse"],
    }
    for name, node in fixed_weights.items():
        assert isinstance(node, FixedDense) and node.sparse
        assert np.all(node.weight[~masks[name]] == 0), name
    layer = fixed.nodes["dense1"]
    assert isinstance(layer, FixedRecurrentShiftLIF) and layer.sparse
    assert np.all(layer.recurrent_weight[~masks["dense1.recurrent"]] == 0)

    spikes = np.zeros((1, 10, 7), dtype=np.uint8)
    lava = build_lava_network(fixed, spikes, record_spikes=False)
    for name, mask in masks.items():
        on_lava = lava_weights(lava.synapses[name])
        assert on_lava.shape == mask.shape
        assert not np.any(on_lava[~mask]), name
        assert np.any(on_lava[mask]), name
