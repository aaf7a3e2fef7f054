"""A small BPSR network trained a few steps with rewiring, for the mask tests."""

from __future__ import annotations

import torch

from pumice.train.config import TrainConfig, config_from_dict
from pumice.train.families import build_network


def train_rewired(config_table: dict, seed: int):
    """(config, network, optimizer) after 5 AdamW steps on random 10-input spikes."""
    config: TrainConfig = config_from_dict(config_table)
    torch.manual_seed(seed)
    net = build_network(config, (10,))
    optimizer = torch.optim.AdamW(net.parameters(), lr=0.05)
    generator = torch.Generator().manual_seed(seed)
    classes = config.network.layers[-1].features
    for _ in range(5):
        x = (torch.rand(8, 10, config.data.steps, generator=generator) < 0.5).float()
        labels = torch.randint(0, classes, (8,), generator=generator)
        losses = net.loss(net(x)[0], labels)
        optimizer.zero_grad()
        losses["loss"].backward()
        optimizer.step()
        net.after_step()
    return config, net, optimizer
