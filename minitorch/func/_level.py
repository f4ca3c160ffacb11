"""A transform's level: how its inputs join the autograd graph and how its results leave it.

functorch stacks a level per active transform and wraps each tensor for each level. minitorch has one
autograd graph, and a level is emulated on it:

- ``lift``: an input that the caller's graph tracks (it requires grad, grad mode is on) is aliased by a view,
  so that what the transform computes from it stays on the caller's graph (an outer transform, or plain
  autograd, can differentiate it again); any other input becomes a fresh leaf. The transform differentiates
  with respect to the lifted tensor, not the caller's: only the paths through this argument count, and a
  closure over the same tensor is a constant here, as in functorch.
- ``grad``: ``autograd.grad`` that records the graph of the backward only when the result can matter to the
  caller: when the outputs (or the cotangents) reach a leaf outside this level.
- ``lower``: a result that depends on nothing outside this level (only on its fresh leaves) is detached, so
  that the outermost transform returns plain tensors, as torch's unwrapping does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..autograd.engine import grad as autograd_grad
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.nodes import AccumulateGrad, is_tensor
from ..creation import zeros_like
from ._pytree import TreeSpec, tree_flatten, tree_map, tree_unflatten

if TYPE_CHECKING:
    from ..tensor import Tensor


class Level:
    """One call of a transform: its fresh leaves, and whether the caller's graph records (grad mode was on)."""

    def __init__(self) -> None:
        self.tracking = is_grad_enabled()
        self._fresh: dict[int, Tensor] = {}  # by id; the tensors themselves keep their ids from being reused
        self._inside: set = set()  # graph nodes known to reach no leaf outside this level
        self._outside: set = set()  # graph nodes known to reach one

    def leaf(self, x: Tensor) -> Tensor:
        """``x`` (a tensor on no graph) made a leaf of this level."""
        x.requires_grad_()
        self._fresh[id(x)] = x
        return x

    def lift(self, x: Any) -> Tensor:
        """What the transformed function sees for a differentiated input ``x`` (call under grad mode)."""
        if not is_tensor(x):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
        if self.tracking and x.requires_grad:
            return x.view_as(x)
        return self.leaf(x.detach())

    def lift_tree(self, tree: Any) -> tuple[Any, list, TreeSpec]:
        """``tree`` with every leaf lifted, the lifted leaves, and the tree's spec."""
        flat, spec = tree_flatten(tree)
        lifted = [self.lift(x) for x in flat]
        return tree_unflatten(lifted, spec), lifted, spec

    def reaches_outside(self, t: Tensor) -> bool:
        """Whether ``t`` depends, through the graph, on a leaf that is not one of this level's."""
        if not t.requires_grad:
            return False
        root = t.grad_fn
        if root is None:
            return id(t) not in self._fresh
        if root in self._inside:
            return False
        if root in self._outside:
            return True
        stack, seen = [root], {root}
        while stack:
            node = stack.pop()
            if node in self._outside or (type(node) is AccumulateGrad and id(node.variable) not in self._fresh):
                self._outside.add(root)
                return True
            if type(node) is AccumulateGrad:
                continue
            for child, _ in node.next_functions:
                if child is not None and child not in seen and child not in self._inside:
                    seen.add(child)
                    stack.append(child)
        self._inside |= seen
        return False

    def grad(
        self,
        outputs: Sequence[Tensor],
        inputs: Sequence[Tensor],
        grad_outputs: Sequence[Any] | None = None,
        create_graph: bool = True,
        keep_graph: bool = False,
        retain_graph: bool = True,
    ) -> list:
        """The gradients of ``outputs`` with respect to the lifted ``inputs``; zeros where they do not reach.

        Args:
            outputs: tensors; those that do not require grad contribute nothing.
            inputs: lifted tensors (leaves or views of this level).
            grad_outputs: one cotangent per output (None: ones, for one-element outputs).
            create_graph: record the backward's graph where the result may matter outside this level.
            keep_graph: record it regardless (the result is differentiated again within this level).
            retain_graph: keep the graph for more products (a transform asks for many from one forward).
        """
        cotangents = list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
        pairs = [(o, g) for o, g in zip(outputs, cotangents) if o.requires_grad]
        if not pairs:
            return [zeros_like(x) for x in inputs]
        if not keep_graph:
            create_graph = create_graph and any(
                self.reaches_outside(t) for pair in pairs for t in pair if t is not None and is_tensor(t)
            )
        found = autograd_grad(
            [o for o, _ in pairs],
            list(inputs),
            [g for _, g in pairs],
            retain_graph=retain_graph or keep_graph,
            create_graph=create_graph or keep_graph,
            allow_unused=True,
        )
        return [zeros_like(x) if g is None else g for g, x in zip(found, inputs)]

    def lower(self, t: Tensor) -> Tensor:
        """``t`` as the caller sees it: detached unless it depends on something outside this level that the
        caller's graph tracks."""
        if t.requires_grad and not (self.tracking and self.reaches_outside(t)):
            return t.detach()
        return t

    def lower_tree(self, tree: Any) -> Any:
        """``lower`` on every leaf of ``tree`` (an ``aux``): torch's error for a leaf that is not a tensor."""

        def one(x: Any) -> Any:
            if not is_tensor(x):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")
            return self.lower(x)

        return tree_map(one, tree)
