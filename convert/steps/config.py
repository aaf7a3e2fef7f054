"""What ``pumice convert`` does: one config for every conversion step."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pumice.convert.passes.quantize import SLAYER_SCALE
from pumice.errors import ModelError


@dataclasses.dataclass
class ConversionConfig:
    """Every setting of a conversion, read by the steps of :mod:`.standard`."""

    #: Input model: .pumice, or a format :func:`pumice.convert.model_files.read_model` reads.
    model: Path
    #: Output model file (fixed point, unless the run stops before quantising); its suffix
    #: chooses the format (:mod:`pumice.convert.model_writers`).
    out: Path
    #: Weight bits per synapse, 1..8.
    bits: int = 8
    #: Dataset (name or .npz) whose validation split calibrates steps and scores each step.
    calibrate: str | None = None
    #: Directory of the calibration dataset's files.
    root: str | None = None
    #: Calibration samples (the first N of the validation split; None: up to 256).
    calibration_samples: int | None = None
    #: "multiply" (Lava's LIF decays) or "shift" (decays rounded to powers of two).
    leak: str = "multiply"
    #: Fraction of each layer's weights to prune by magnitude (None: no pruning).
    prune: float | None = None
    #: Hardware profile (name or .toml path) to check the result against.
    profile: str | None = None
    #: Largest ISI the binners of lowered ISI synapses keep (None: the model's T + 1).
    max_isi: int | None = None
    #: Trailing ISI bins whose weights are all below this magnitude are dropped (0: none).
    isi_tolerance: float = 0.0
    #: Integer units per threshold unit (a power of two; SLAYER's 64). Larger values give
    #: weights and biases finer steps relative to the threshold.
    scale: int = SLAYER_SCALE
    #: Folder to write the graph after every step into (``NN_<step>.pumice``), or None.
    keep_intermediate: Path | None = None
    #: First step to run (the model is then the graph the step before it wrote), or None.
    start: str | None = None
    #: Last step to run; the graph after it is what ``out`` gets. None: all of them.
    stop: str | None = None
    #: Seconds per step a NIR model is read at (None: the reader's default).
    dt: float | None = None
    #: Input shape of a ``.net`` that starts with a conv layer and has no input layer.
    input_shape: tuple[int, ...] | None = None
    #: Where the write step puts the file (a temporary path the caller renames onto
    #: ``out``); None: ``out`` itself.
    write_to: Path | None = None

    def __post_init__(self) -> None:
        if self.scale < 1 or self.scale & (self.scale - 1):
            raise ModelError(f"scale must be a power of two >= 1, got {self.scale}")
        if self.leak not in ("multiply", "shift"):
            raise ModelError(f"unknown leak '{self.leak}': choose multiply or shift")
