"""The pytree operations the transforms need, with torch's rules: tuples, lists, dicts (and OrderedDicts) and
namedtuples are containers; anything else, None included, is a leaf."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TreeSpec:
    """The shape of a pytree without its leaves: ``kind`` is the container type (None for a leaf), ``keys`` a
    dict's keys in order, ``children`` the specs of the items."""

    kind: type | None = None
    keys: tuple = ()
    children: tuple = ()

    def __str__(self) -> str:
        if self.kind is None:
            return "*"
        items = [str(c) for c in self.children]
        if self.kind in (dict, OrderedDict):
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.keys, items)) + "}"
        if self.kind is list:
            return "[" + ", ".join(items) + "]"
        if self.kind is tuple:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return f"{self.kind.__name__}(" + ", ".join(items) + ")"  # a namedtuple


LEAF = TreeSpec()


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def tree_flatten(tree: Any) -> tuple[list, TreeSpec]:
    """The leaves of ``tree`` (depth first, a dict's in key order) and its spec."""
    leaves: list = []

    def visit(node: Any) -> TreeSpec:
        kind = type(node)
        if kind in (dict, OrderedDict):
            keys = tuple(node)
            return TreeSpec(kind, keys, tuple(visit(node[k]) for k in keys))
        if kind in (tuple, list) or _is_namedtuple(node):
            return TreeSpec(kind, (), tuple(visit(item) for item in node))
        leaves.append(node)
        return LEAF

    spec = visit(tree)
    return leaves, spec


def tree_unflatten(leaves: list | tuple, spec: TreeSpec) -> Any:
    """The pytree of shape ``spec`` holding ``leaves`` (as ``tree_flatten`` listed them)."""
    items = iter(leaves)

    def build(node: TreeSpec) -> Any:
        if node.kind is None:
            return next(items)
        built = [build(c) for c in node.children]
        if node.kind in (dict, OrderedDict):
            return node.kind(zip(node.keys, built))
        if node.kind in (tuple, list):
            return node.kind(built)
        return node.kind(*built)  # a namedtuple

    return build(spec)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """``tree`` with ``fn`` applied to every leaf."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)
