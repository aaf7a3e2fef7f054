"""The reference the netx tests compare with: SLAYER's exporter and lava-dl's netx on Lava.

Holds the helpers ``test_netx_import``/``test_netx_export`` share, and pins how netx's
input layer is fed, which the importer's mapping rests on.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from pumice.convert.emulator import emulate
from pumice.convert.ir import Graph

#: Steps every reference run lasts.
STEPS = 16
#: SLAYER CUBA parameters (threshold 1.0 is vThMant 64).
NEURON = {"threshold": 1.0, "current_decay": 0.25, "voltage_decay": 0.1}


def swap_layout(array: np.ndarray) -> np.ndarray:
    """(C, H, W, T) <-> Lava's (W, H, C, T); vectors stay as they are."""
    return np.swapaxes(array, 0, 2) if array.ndim == 4 else array


def slayer_net_file(blocks: list, in_shape: tuple[int, ...], path: Path) -> Path:
    """Run ``blocks`` once (so SLAYER knows its shapes) and write them with ``export_hdf5``."""
    import torch

    x = (torch.rand(1, *in_shape, STEPS) < 0.4).float()
    with torch.no_grad():
        for block in blocks:
            x = block(x)
    with h5py.File(path, "w") as handle:
        layers = handle.create_group("layer")
        for index, block in enumerate(blocks):
            block.export_hdf5(layers.create_group(str(index)))
    return path


def run_netx(
    path: Path, spikes: np.ndarray, input_shape: tuple[int, ...] | None = None
) -> list[dict[str, np.ndarray]]:
    """Spikes, ``u`` and ``v`` (IR layout, (*shape, T)) of every layer of netx's own network.

    ``input_shape`` (C, H, W) is netx's own argument for a file without an input layer.

    ``spikes`` (*input shape, T) go to the first block's input: a synapse's ``s_in``
    through ``Network.inp``, or the input neuron's ``a_in`` when the file has an input
    layer (netx leaves ``Network.inp`` unconnected to that neuron).
    """
    from lava.lib.dl import netx
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.monitor.process import Monitor

    steps = spikes.shape[-1]
    shape = None if input_shape is None else tuple(input_shape)[::-1]  # netx's (W, H, C)
    net = netx.hdf5.Network(net_config=str(path), input_shape=shape)
    data = swap_layout(spikes)
    if tuple(net.inp.shape) != data.shape[:-1]:  # a flatten first: netx's is (C, H, W), C order
        data = spikes.reshape(-1, steps)
    source = Source(data=data.astype(np.int32))
    if isinstance(net.in_layer, netx.blocks.process.Input):
        source.s_out.connect(net.in_layer.neuron.a_in)
    else:
        source.s_out.connect(net.inp)
    probes = []
    for layer in net.layers:
        sink = Sink(shape=layer.neuron.s_out.shape, buffer=steps)
        layer.neuron.s_out.connect(sink.a_in)
        monitors = {var: Monitor() for var in ("u", "v")}
        for var, monitor in monitors.items():
            monitor.probe(getattr(layer.neuron, var), steps)
        probes.append((sink, monitors))
    try:
        net.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        layers = []
        for sink, monitors in probes:
            traces = {"spikes": sink.data.get().astype(np.uint8)}
            for var, monitor in monitors.items():
                (trace,) = (data[var] for data in monitor.get_data().values())
                traces[var] = np.moveaxis(np.asarray(trace, dtype=np.int64), 0, -1)
            layers.append({key: swap_layout(value) for key, value in traces.items()})
    finally:
        net.stop()
    return layers


def assert_same_as_netx(graph: Graph, path: Path, spikes: np.ndarray) -> list[int]:
    """Emulate ``graph`` and run netx on ``path``: every layer's spikes, u and v must match.

    Returns each layer's spike count, so callers can check the comparison was not vacuous.
    """
    emulated = emulate(graph, spikes[None], record_spikes=True, record_state=True)
    reference = run_netx(path, spikes)
    names = [name for name, _ in graph.neurons()]
    assert len(names) == len(reference)
    for name, expected in zip(names, reference, strict=True):
        np.testing.assert_array_equal(emulated.spikes[name][0], expected["spikes"], err_msg=name)
        np.testing.assert_array_equal(emulated.u[name][0], expected["u"], err_msg=f"{name} u")
        np.testing.assert_array_equal(emulated.v[name][0], expected["v"], err_msg=f"{name} v")
    return [int(layer["spikes"].sum()) for layer in reference]


@pytest.mark.lava
def test_network_inp_does_not_reach_netx_input_neuron(tmp_path):
    from lava.lib.dl import netx, slayer
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.source import RingBuffer as Source

    blocks = [slayer.block.cuba.Input(NEURON), slayer.block.cuba.Dense(NEURON, 4, 3)]
    path = slayer_net_file(blocks, (4,), tmp_path / "input.net")
    net = netx.hdf5.Network(net_config=str(path))
    assert isinstance(net.in_layer, netx.blocks.process.Input)
    source = Source(data=np.ones((4, 3), dtype=np.int32))
    source.s_out.connect(net.inp)
    with pytest.raises(NotImplementedError, match="PyInputModel"):
        try:
            net.run(condition=RunSteps(num_steps=3), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        finally:
            net.stop()
