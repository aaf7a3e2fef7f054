"""Small networks of snnTorch, Norse and Sinabs, their own forward passes and exporters.

Each network is built from weights stored in ``tests/data/foreign/<name>.npz`` (trained
on sklearn's digits by ``tests/data/foreign/train_foreign_nets.py``, which records the
library versions), run by the library itself on rate-coded digits, and written to NIR by
the library's own exporter, with the workarounds each exporter needs:

- snnTorch 1.0: ``beta`` and ``threshold`` per neuron (scalars give shapeless NIR nodes
  that ``infer_types`` rejects), sample data of shape (1, ...) with ``ignore_dims=[0]``;
  ``reset_mechanism="zero"`` (its default "subtract" is not what the file says);
- Norse 1.1: per-neuron parameter arrays (``nir.write`` cannot chunk a 0-d array);
- Sinabs 3.1: ``IAFSqueeze`` with ``SingleSpike`` and ``MembraneReset`` (its defaults,
  several spikes per step and reset by subtraction, are not what the file says), and
  ``infer_types()`` before ``nir.write`` (its Conv2d leaves ``input_shape`` empty).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import nir
import numpy as np
import torch

warnings.filterwarnings("ignore", category=DeprecationWarning, module="nirtorch")
warnings.filterwarnings("ignore", message=".*torch.jit.script.*")

DATA = Path(__file__).resolve().parent / "data" / "foreign"
#: Time steps per sample; digits are rate coded at ``MAX_RATE`` spikes per step.
STEPS = 20
MAX_RATE = 0.6
#: Samples trained on; the rest of sklearn's 1,797 digits are the test samples.
TRAIN_SAMPLES = 1200
#: Leaks of the snnTorch networks (beta) and Norse's inverse time constants (1/s).
BETA = 0.9
NORSE_TAU_SYN_INV, NORSE_TAU_MEM_INV, NORSE_DT = 200.0, 100.0, 1e-3


def digits(split: str, samples: int | None = None, seed: int = 0):
    """Rate-coded digits: spikes (samples, 1, 8, 8, STEPS) float32 and labels."""
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    spikes = rng.random((len(images), 64, STEPS)) < (images / 16.0 * MAX_RATE)[..., None]
    spikes = spikes.astype(np.float32).reshape(-1, 1, 8, 8, STEPS)
    part = slice(0, TRAIN_SAMPLES) if split == "train" else slice(TRAIN_SAMPLES, None)
    spikes, labels = spikes[part], labels[part]
    return spikes[:samples], labels[:samples]


def weights(name: str) -> dict[str, np.ndarray]:
    with np.load(DATA / f"{name}.npz") as stored:
        return {key: stored[key] for key in stored.files}


def _set(module: torch.nn.Module, weight: np.ndarray) -> None:
    module.weight.data = torch.from_numpy(np.asarray(weight, dtype=np.float32))


# --- snnTorch -------------------------------------------------------------------------


def _leaky(shape, recurrent: bool = False, output: bool = False):
    import snntorch as snn
    from snntorch import surrogate

    options = dict(
        beta=torch.full(shape, BETA),
        threshold=torch.ones(shape),
        init_hidden=True,
        reset_mechanism="zero",
        output=output,
        spike_grad=surrogate.fast_sigmoid(),
    )
    if recurrent:
        return snn.RLeaky(linear_features=shape[0], **options)
    return snn.Leaky(**options)


def snntorch_dense(stored: dict | None = None) -> torch.nn.Sequential:
    """64 -> Linear -> Leaky(32) -> Linear -> Leaky(10), no biases."""
    net = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(64, 32, bias=False),
        _leaky((32,)),
        torch.nn.Linear(32, 10, bias=False),
        _leaky((10,), output=True),
    )
    if stored is not None:
        _set(net[1], stored["fc1"])
        _set(net[3], stored["fc2"])
    return net


def snntorch_conv(stored: dict | None = None) -> torch.nn.Sequential:
    """Conv2d(1->4, 3x3, pad 1) -> Leaky -> AvgPool2d(2) -> Flatten -> Linear -> Leaky(10)."""
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1, bias=False),
        _leaky((4, 8, 8)),
        torch.nn.AvgPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(64, 10, bias=False),
        _leaky((10,), output=True),
    )
    if stored is not None:
        _set(net[0], stored["conv"])
        _set(net[4], stored["fc"])
    return net


def snntorch_recurrent(stored: dict | None = None) -> torch.nn.Sequential:
    """64 -> Linear -> RLeaky(32, all to all, its Linear with a bias) -> Linear -> Leaky."""
    net = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(64, 32, bias=False),
        _leaky((32,), recurrent=True),
        torch.nn.Linear(32, 10, bias=False),
        _leaky((10,), output=True),
    )
    if stored is not None:
        _set(net[1], stored["fc1"])
        _set(net[2].recurrent, stored["recurrent"])
        net[2].recurrent.bias.data = torch.from_numpy(stored["recurrent_bias"])
        _set(net[3], stored["fc2"])
    return net


def run_snntorch(net: torch.nn.Module, spikes: np.ndarray) -> torch.Tensor:
    """Output spikes (samples, 10, steps) of an snnTorch network with hidden states."""
    from snntorch import utils

    utils.reset(net)
    x = torch.from_numpy(spikes)
    out = []
    for t in range(x.shape[-1]):
        spk, _ = net(x[..., t])
        out.append(spk)
    return torch.stack(out, -1)


def export_snntorch(net: torch.nn.Module, shape: tuple[int, ...], path: Path) -> Path:
    from snntorch.export_nir import export_to_nir

    nir.write(path, export_to_nir(net, torch.zeros(1, *shape), ignore_dims=[0]))
    return path


# --- Norse ----------------------------------------------------------------------------


def _norse_lif(n: int):
    from norse.torch import LIFCell, LIFParameters

    return LIFCell(
        LIFParameters(
            tau_syn_inv=torch.full((n,), NORSE_TAU_SYN_INV),
            tau_mem_inv=torch.full((n,), NORSE_TAU_MEM_INV),
            v_leak=torch.zeros(n),
            v_th=torch.ones(n),
            v_reset=torch.zeros(n),
        ),
        dt=NORSE_DT,
    )


def norse_dense(stored: dict | None = None):
    """64 -> Linear -> LIFCell(32) -> Linear -> LIFCell(10), no biases."""
    from norse.torch import SequentialState

    net = SequentialState(
        torch.nn.Linear(64, 32, bias=False),
        _norse_lif(32),
        torch.nn.Linear(32, 10, bias=False),
        _norse_lif(10),
    )
    if stored is not None:
        _set(net[0], stored["fc1"])
        _set(net[2], stored["fc2"])
    return net


def run_norse(net, spikes: np.ndarray) -> torch.Tensor:
    """Output spikes (samples, 10, steps) of a Norse SequentialState over flat inputs."""
    x = torch.from_numpy(spikes.reshape(len(spikes), -1, spikes.shape[-1]))
    state, out = None, []
    for t in range(x.shape[-1]):
        spk, state = net(x[..., t], state)
        out.append(spk)
    return torch.stack(out, -1)


def export_norse(net, path: Path) -> Path:
    from norse.torch import to_nir

    nir.write(path, to_nir(net, torch.zeros(1, 64), dt=NORSE_DT))
    return path


# --- Sinabs ---------------------------------------------------------------------------


def sinabs_conv(stored: dict | None = None, batch_size: int = 1) -> torch.nn.Sequential:
    """Conv2d(1->4) -> IAF -> SumPool2d(2) -> Flatten -> Linear -> IAF(10), no biases."""
    import sinabs.layers as sl
    from sinabs.activation import MembraneReset, PeriodicExponential, SingleSpike

    def iaf():
        return sl.IAFSqueeze(
            batch_size=batch_size,
            spike_fn=SingleSpike,
            reset_fn=MembraneReset(),
            surrogate_grad_fn=PeriodicExponential(),
        )

    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1, bias=False),
        iaf(),
        sl.SumPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(64, 10, bias=False),
        iaf(),
    )
    if stored is not None:
        _set(net[0], stored["conv"])
        _set(net[4], stored["fc"])
    return net


def run_sinabs(net: torch.nn.Sequential, spikes: np.ndarray) -> torch.Tensor:
    """Output spikes (samples, 10, steps) of a Sinabs squeeze network (batch x time)."""
    import sinabs

    sinabs.reset_states(net)
    samples, steps = len(spikes), spikes.shape[-1]
    x = torch.from_numpy(np.moveaxis(spikes, -1, 1).reshape(samples * steps, 1, 8, 8).copy())
    out = net(x)
    return out.reshape(samples, steps, -1).permute(0, 2, 1)


def export_sinabs(net: torch.nn.Sequential, path: Path) -> Path:
    import sinabs

    sample = torch.zeros(1, 1, 8, 8)
    sinabs.reset_states(net)
    net(sample)
    graph = sinabs.to_nir(net, sample)
    graph.infer_types()
    nir.write(path, graph)
    return path


# --- the networks by name -------------------------------------------------------------


def snntorch_output(name: str):
    def run(spikes: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return run_snntorch(BUILDERS[name](weights(name)), spikes).numpy()

    return run


def _norse_output(spikes: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return run_norse(norse_dense(weights("norse_dense")), spikes).numpy()


def _sinabs_output(spikes: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return run_sinabs(sinabs_conv(weights("sinabs_conv"), len(spikes)), spikes).numpy()


BUILDERS = {
    "snntorch_dense": snntorch_dense,
    "snntorch_conv": snntorch_conv,
    "snntorch_recurrent": snntorch_recurrent,
}
#: Network name -> (its library's output spikes for input spikes, its exporter to a path).
NETWORKS = {
    name: (
        snntorch_output(name),
        lambda path, name=name: export_snntorch(BUILDERS[name](weights(name)), (1, 8, 8), path),
    )
    for name in BUILDERS
} | {
    "norse_dense": (
        _norse_output,
        lambda path: export_norse(norse_dense(weights("norse_dense")), path),
    ),
    "sinabs_conv": (
        _sinabs_output,
        lambda path: export_sinabs(sinabs_conv(weights("sinabs_conv"), 1), path),
    ),
}


# --- pumice's predictions against the library's ----------------------------------------

#: Integer units per threshold unit of the 8-bit conversion (per-layer steps calibrated).
SCALE = 1024
CALIBRATION_SAMPLES = 100


def as_input(graph, spikes: np.ndarray) -> np.ndarray:
    """Digit spikes (samples, 1, 8, 8, steps) in the graph's input shape, as uint8."""
    shape = graph.nodes[graph.input].shape
    return spikes.reshape(len(spikes), *shape, spikes.shape[-1]).astype(np.uint8)


def delay(graph) -> int:
    """Steps the output layer runs behind a tool without synaptic delays: one per synapse
    on the chain (every IR synapse delivers one step later, as Lava's do)."""
    return sum(1 for node in graph.nodes.values() if node.is_synapse)


def convert_8bit(graph):
    """The 8-bit fixed-point graph: pumice's calibrated quantisation at :data:`SCALE`."""
    from pumice.convert.passes.calibrate import CalibrateQuantize

    calibration, _ = digits("train", CALIBRATION_SAMPLES)
    return CalibrateQuantize(spikes=as_input(graph, calibration), scale=SCALE).apply(graph).graph


def predictions(graph, spikes: np.ndarray, compensated: bool) -> tuple[np.ndarray, np.ndarray]:
    """(output spikes, predictions) of ``graph``: over the T-step run as Lava runs it, or
    ``compensated`` for the synaptic delays (input padded with as many zero steps, the
    output counted over the last T)."""
    from pumice.convert.emulator import emulate

    x = as_input(graph, spikes)
    lag = delay(graph) if compensated else 0
    padded = np.concatenate([x, np.zeros((*x.shape[:-1], lag), np.uint8)], axis=-1)
    trains = emulate(graph, padded, record_spikes=True).spikes[graph.output][..., lag:]
    return trains, trains.sum(axis=-1).argmax(axis=-1)


def agreement(graph, spikes: np.ndarray, library: np.ndarray) -> dict[str, float]:
    """How often ``graph`` predicts what the library's output spikes ``library`` predict,
    and how many output spikes are equal step for step (delay compensated)."""
    expected = library.sum(axis=-1).argmax(axis=-1)
    trains, compensated = predictions(graph, spikes, compensated=True)
    _, lava = predictions(graph, spikes, compensated=False)
    return {
        "output_spikes_equal": float((trains == library).mean()),
        "delay_compensated": float((compensated == expected).mean()),
        "lava_window": float((lava == expected).mean()),
    }
