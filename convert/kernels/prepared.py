"""What a kernel derives from a node (weight tables, per-neuron parameters), computed once
per node: nodes are immutable, and the emulator runs them batch after batch."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from pumice.convert.ir import Node

T = TypeVar("T")

_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def prepared(node: Node, build: Callable[[Node], T]) -> T:
    """``build(node)``, kept while ``node`` lives."""
    per_node = _PREPARED.setdefault(node, {})
    if build not in per_node:
        per_node[build] = build(node)
    return per_node[build]
