"""A table keyed by exact node kind, filled by decorating the function that serves a kind."""

from __future__ import annotations

from collections.abc import Callable

from pumice.convert.ir.node import Node


class KindTable(dict[type[Node], Callable]):
    """``{kind: function}``; :meth:`register` is the decorator that fills it."""

    def register(self, *kinds: type[Node]) -> Callable[[Callable], Callable]:
        """Decorator: the decorated function serves nodes of ``kinds``."""

        def add(fn: Callable) -> Callable:
            for kind in kinds:
                self[kind] = fn
            return fn

        return add
