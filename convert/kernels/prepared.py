"""What a kernel derives from a node (weight tables, per-neuron parameters), computed once
per node: nodes are immutable, and the emulator runs them batch after batch."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from pumice.convert.ir import Node

T = TypeVar("T")

_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def prepared(node: Node, build: Callable[..., T], *args) -> T:
    """``build(node, *args)`` (``args`` hashable), kept while ``node`` lives."""
    per_node = _PREPARED.setdefault(node, {})
    key = (build, args)
    if key not in per_node:
        per_node[key] = build(node, *args)
    return per_node[key]
