"""Reference semantics of the IMSNN kinds: ISI-modulated synapses, the ISI binner and the
payload routers (graded spikes)."""

from __future__ import annotations

import numpy as np

from pumice.convert import event_ops
from pumice.convert.intervals import Binned, Graded, LineEvents, intervals
from pumice.convert.ir import FixedISIPayload, ISIBinner, ISIConv2d, ISIDense, ISIPayload
from pumice.convert.semantics.registry import semantics


def _events_by_isi(x: np.ndarray):
    """(ISI value, spike indices with that ISI) for every ISI value present in ``x``."""
    isi = intervals(x)
    index = np.nonzero(isi)
    values = isi[index]
    order = np.argsort(values, kind="stable")
    values, index = values[order], tuple(i[order] for i in index)
    found, starts = np.unique(values, return_index=True)
    stops = [*starts[1:], values.size]
    for value, start, stop in zip(found, starts, stops, strict=True):
        yield int(value), tuple(i[start:stop] for i in index)


@semantics(ISIDense)
def _isi_dense(node: ISIDense, x: np.ndarray) -> np.ndarray:
    """Each spike adds ``height * modulation(its ISI)``, evaluated once per ISI value."""
    batch, steps = x.shape[0], x.shape[-1]
    out = np.zeros((batch, node.height.shape[0], steps))
    for value, (sample, line, step) in _events_by_isi(x):
        if node.contributes(value):
            weight = node.height * node.modulation(value)
            out += event_ops.dense_events(weight, batch, steps, sample, line, step)
    return out


@semantics(ISIConv2d)
def _isi_conv(node: ISIConv2d, x: np.ndarray) -> np.ndarray:
    batch, _, height, width, steps = x.shape
    out_shape = node.output_shape(x.shape[1:-1])
    out = np.zeros((batch, *out_shape, steps))
    for value, events in _events_by_isi(x):
        if node.contributes(value):
            kernel = node.height * node.modulation(value)[:, :, None, None]
            out += event_ops.conv_events(
                kernel, (height, width), batch, steps, events, node.stride, node.padding
            )
    return out


def _spikes(x: np.ndarray | LineEvents) -> np.ndarray:
    return x.dense() if isinstance(x, LineEvents) else x


@semantics(ISIBinner)
def _isi_binner(node: ISIBinner, x: np.ndarray | LineEvents) -> Binned:
    """An ISI binner's output (same step, no delay), held as the ISIs of its input."""
    return Binned(intervals(_spikes(x)), node.num_bins, node.bin_width)


@semantics(ISIPayload, FixedISIPayload)
def _isi_payload(node: ISIPayload | FixedISIPayload, x: np.ndarray | LineEvents) -> Graded:
    """A payload router's output (same step, no delay): its input's ISIs and its table."""
    return Graded(intervals(_spikes(x)), node.table, node.lines)
