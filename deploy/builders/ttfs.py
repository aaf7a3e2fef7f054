"""Lava builders of the TTFS kinds: graded input from the spike source, pumice's
``TTFSNeuron`` process for neurons and readouts."""

from __future__ import annotations

import numpy as np

from pumice.convert.ir import FixedTTFSNeuron, FixedTTFSReadout, GradedInput
from pumice.convert.ir.fixed_point import STATE_BITS
from pumice.deploy.builders.layout import lava_per_neuron
from pumice.deploy.builders.registry import BuildContext, Built, lava_builder
from pumice.deploy.processes.ttfs_neuron.process import TTFSNeuron

#: A readout runs as a TTFS neuron whose one threshold lies above every ``v`` (24 bits).
NEVER = 1 << (STATE_BITS - 1)


@lava_builder(GradedInput)
def _graded_input(context: BuildContext, name: str, node: GradedInput) -> Built:
    return Built(process=None, in_port=None, out_port=context.source.s_out)


def _bias(node: FixedTTFSNeuron | FixedTTFSReadout, ir_shape: tuple[int, ...]) -> np.ndarray:
    """``bias_mant`` shifted by ``bias_exp`` (arithmetic), per neuron in Lava's layout."""
    mantissa = np.asarray(node.bias_mant, dtype=np.int64)
    shift = int(node.bias_exp)
    bias = mantissa << shift if shift >= 0 else mantissa >> -shift
    return lava_per_neuron(bias, ir_shape)


def _built(process: TTFSNeuron) -> Built:
    state = (process.u, process.v, process.fired, process.step)
    return Built(process, process.a_in, process.s_out, state=state)


@lava_builder(FixedTTFSNeuron)
def _neuron(context: BuildContext, name: str, node: FixedTTFSNeuron) -> Built:
    ir_shape = context.shapes[name]
    return _built(
        TTFSNeuron(
            shape=tuple(ir_shape[::-1]),
            start=int(node.start),
            integration=int(node.integration),
            delay=int(node.delay),
            threshold=np.asarray(node.threshold, dtype=np.int32),
            payload=np.asarray(node.payload, dtype=np.int32),
            bias=_bias(node, ir_shape),
        )
    )


@lava_builder(FixedTTFSReadout)
def _readout(context: BuildContext, name: str, node: FixedTTFSReadout) -> Built:
    ir_shape = context.shapes[name]
    return _built(
        TTFSNeuron(
            shape=tuple(ir_shape[::-1]),
            start=int(node.start),
            integration=int(node.integration),
            delay=int(node.integration),
            threshold=np.array([NEVER], dtype=np.int32),
            payload=np.ones(1, dtype=np.int32),
            bias=_bias(node, ir_shape),
        )
    )
