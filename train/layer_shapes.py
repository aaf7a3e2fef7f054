"""Output shapes of the configured layers, and the ConfigError of a layer that cannot apply.

Shapes are per sample, without batch and time axes: (channels, height, width) for an
image or feature map, (features,) after a flatten or dense layer. ``where`` names the
layer in messages (:func:`layer_where`).
"""

from __future__ import annotations

import math

from pumice.convert.ir.shapes import conv_output_hw
from pumice.errors import ConfigError
from pumice.train.config import LAYER_TYPES, ConvLayer, LayerConfig, PoolLayer

Shape = tuple[int, ...]

_TYPE_NAMES = {cls: name for name, cls in LAYER_TYPES.items()}


def layer_type(layer: LayerConfig) -> str:
    """The ``type`` of ``layer`` in ``[[network.layers]]``, e.g. "conv"."""
    return _TYPE_NAMES.get(type(layer), type(layer).__name__)


def layer_where(index: int, layer: LayerConfig) -> str:
    """How messages name config layer #``index`` (from 1), e.g. "[[network.layers]] #2 (conv)"."""
    return f"[[network.layers]] #{index} ({layer_type(layer)})"


def require_image(shape: Shape, where: str) -> None:
    """Raise :class:`ConfigError` unless ``shape`` is (channels, height, width)."""
    if len(shape) != 3:
        raise ConfigError(
            f"{where}: needs (channels, height, width) input, got shape {shape}: "
            "put it before any flatten or dense layer"
        )


def conv_output_shape(layer: ConvLayer, shape: Shape, where: str) -> Shape:
    """(features, height, width) of a conv layer on image ``shape``."""
    require_image(shape, where)
    kernel, stride, padding = (layer.kernel,) * 2, (layer.stride,) * 2, (layer.padding,) * 2
    out = conv_output_hw(shape[1:], kernel, stride, padding, (1, 1))
    if min(out) < 1:
        raise ConfigError(
            f"{where}: kernel {layer.kernel} is larger than its input {shape[1]}x{shape[2]} "
            f"(padding {layer.padding}), so it leaves an empty output: use a smaller kernel "
            "or more padding"
        )
    return (layer.features, *out)


def pool_stride(layer: PoolLayer) -> int:
    """The stride of a pool layer: its window unless set."""
    return layer.kernel if layer.stride is None else layer.stride


def pool_output_shape(layer: PoolLayer, shape: Shape, where: str) -> Shape:
    """(channels, height, width) of a pool layer (no padding) on image ``shape``."""
    require_image(shape, where)
    kernel, stride = (layer.kernel,) * 2, (pool_stride(layer),) * 2
    out = conv_output_hw(shape[1:], kernel, stride, (0, 0), (1, 1))
    if min(out) < 1:
        raise ConfigError(
            f"{where}: window {layer.kernel} is larger than its input {shape[1]}x{shape[2]}, "
            "so it leaves an empty output: use a smaller window"
        )
    return (shape[0], *out)


def flatten_output_shape(shape: Shape, where: str) -> Shape:
    """(features,) of a flatten layer on image ``shape``."""
    require_image(shape, where)
    return (math.prod(shape),)
