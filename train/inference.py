"""Classify given spike arrays with a trained network (the float reference)."""

from __future__ import annotations

import numpy as np
import torch


def predict_spikes(
    model: torch.nn.Module, spikes: np.ndarray, batch_size: int = 256
) -> tuple[np.ndarray, dict[str, float]]:
    """Predicted classes for ``spikes`` (samples, *input shape, T) and hidden spikes per neuron."""
    device = next(model.parameters()).device
    names = model.layer_names()
    predictions, sums = [], np.zeros(len(names))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for start in range(0, len(spikes), batch_size):
            batch = torch.as_tensor(spikes[start : start + batch_size], dtype=torch.float32)
            output, counts = model(batch.to(device))
            predictions.append(model.predict(output).cpu().numpy())
            sums += np.array([float(c.sum()) for c in counts])
    model.train(was_training)
    return np.concatenate(predictions), dict(zip(names, (sums / len(spikes)).tolist(), strict=True))
