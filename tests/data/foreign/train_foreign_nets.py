"""Train the small snnTorch, Norse and Sinabs networks of ``tests/foreign_networks.py``.

Each trains by backpropagation through time with the library's own surrogate gradient on
the first 1,200 rate-coded digits (cross-entropy on output spike counts) and is stored as
``<name>.npz``; ``versions.json`` records the libraries that made them. The tests only
read these weights; rerun this to regenerate them:

    python tests/data/foreign/train_foreign_nets.py
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import foreign_networks as fn  # noqa: E402

EPOCHS, BATCH, LR = 6, 100, 1e-2


def _train(net, run, parameters, name: str) -> None:
    spikes, labels = fn.digits("train")
    x, y = spikes, torch.from_numpy(labels)
    optimiser = torch.optim.Adam(parameters, lr=LR)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(EPOCHS):
        order = torch.randperm(len(x), generator=generator).numpy()
        for start in range(0, len(x), BATCH):
            batch = order[start : start + BATCH]
            counts = run(net, x[batch]).sum(-1)
            loss = torch.nn.functional.cross_entropy(counts * 0.5, y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            test_x, test_y = fn.digits("test")
            accuracy = (run(net, test_x).sum(-1).argmax(-1).numpy() == test_y).mean()
        print(f"{name} epoch {epoch + 1}: loss {loss.item():.3f}, test accuracy {accuracy:.3f}")


def main() -> None:
    torch.manual_seed(0)
    stored = {}

    net = fn.snntorch_dense()
    _train(net, fn.run_snntorch, net.parameters(), "snntorch_dense")
    stored["snntorch_dense"] = {"fc1": net[1].weight, "fc2": net[3].weight}

    net = fn.snntorch_conv()
    _train(net, fn.run_snntorch, net.parameters(), "snntorch_conv")
    stored["snntorch_conv"] = {"conv": net[0].weight, "fc": net[4].weight}

    net = fn.snntorch_recurrent()
    _train(net, fn.run_snntorch, net.parameters(), "snntorch_recurrent")
    stored["snntorch_recurrent"] = {
        "fc1": net[1].weight,
        "recurrent": net[2].recurrent.weight,
        "recurrent_bias": net[2].recurrent.bias,
        "fc2": net[3].weight,
    }

    net = fn.norse_dense()
    _train(net, fn.run_norse, net.parameters(), "norse_dense")
    stored["norse_dense"] = {"fc1": net[0].weight, "fc2": net[2].weight}

    net = fn.sinabs_conv(batch_size=BATCH)
    _train_sinabs(net)
    stored["sinabs_conv"] = {"conv": net[0].weight, "fc": net[4].weight}

    for name, arrays in stored.items():
        np.savez(fn.DATA / f"{name}.npz", **{k: v.detach().numpy() for k, v in arrays.items()})
    libraries = ("torch", "snntorch", "norse", "nirtorch", "sinabs", "nir")
    versions = {library: version(library) for library in libraries}
    (fn.DATA / "versions.json").write_text(json.dumps(versions, indent=2) + "\n")


def _train_sinabs(net) -> None:
    """Sinabs' squeeze layers hold a fixed batch size: test in batches of it too."""

    def run(model, spikes):
        parts = [fn.run_sinabs(model, spikes[i : i + BATCH]) for i in range(0, len(spikes), BATCH)]
        return torch.cat(parts)

    def fixed_batches(model, spikes):
        if len(spikes) % BATCH:
            spikes = spikes[: len(spikes) // BATCH * BATCH]
        return run(model, spikes)

    spikes, labels = fn.digits("train")
    optimiser = torch.optim.Adam(net.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(EPOCHS):
        order = torch.randperm(len(spikes), generator=generator).numpy()
        for start in range(0, len(spikes), BATCH):
            batch = order[start : start + BATCH]
            counts = fn.run_sinabs(net, spikes[batch]).sum(-1)
            loss = torch.nn.functional.cross_entropy(counts * 0.5, torch.from_numpy(labels[batch]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            test_x, test_y = fn.digits("test")
            predictions = fixed_batches(net, test_x).sum(-1).argmax(-1).numpy()
            accuracy = (predictions == test_y[: len(predictions)]).mean()
        print(f"sinabs_conv epoch {epoch + 1}: loss {loss.item():.3f}, accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
