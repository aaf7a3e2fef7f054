"""Output shapes of windowed operators (convolution, pooling), shared by every stage."""

from __future__ import annotations


def conv_output_hw(
    hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
) -> tuple[int, int]:
    """Output height and width of a 2-D convolution (or pooling window) over ``hw``."""
    return tuple(
        (hw[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
        for i in range(2)
    )


def map_problem(output: tuple[int, ...], input_shape: tuple[int, ...]) -> str | None:
    """The problem of a window too large for its input map (no output left), or None."""
    if min(output[1:]) < 1:
        return f"leaves no output on an input map of shape {tuple(input_shape)}"
    return None
