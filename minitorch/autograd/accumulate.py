"""How a gradient reaches a leaf's ``.grad``: added in place, taken over without a copy when nothing else holds it,
added by the op that computed it (``apply_offering``: a GEMM adding into ``.grad``), or, under create_graph, kept
on the graph; the tensor hooks and post-accumulate hooks run here. The engine (``engine.py``) calls these when a
walk reaches a leaf's ``AccumulateGrad``.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from ..backend import backend_of, elementwise
from .function import AccumulateGrad, BackwardNode, Context, Function, is_tensor, wrap

__all__ = ["SOLE", "accumulate", "accumulate_graph", "apply_offering", "run_hooks"]


def run_hooks(hooks: list, grad: Any, graph: bool = False) -> Any:
    """Each tensor hook sees the gradient as a tensor and may replace it (``graph``: it is one already)."""
    for hook in hooks:
        res = hook(grad if graph else wrap(grad))
        if res is not None:
            grad = res if graph or not is_tensor(res) else res._data
    return grad


def _sole_owner_count() -> int:
    """What ``sys.getrefcount`` reports for an array held only by one list slot (as the engine holds it)."""
    box = [object()]
    return sys.getrefcount(box[0])


class _Holder:
    __slots__ = ("base",)
    base: object


def _sole_base_count() -> int:
    """What ``sys.getrefcount`` reports, in ``accumulate``, for an array referenced only by one view's base."""
    view = _Holder()
    view.base = object()
    base = view.base
    return sys.getrefcount(base)


SOLE = _sole_owner_count()
SOLE_BASE = _sole_base_count()


def _only_view(grad: Any) -> bool:
    """Whether ``grad`` owns its memory, or is a contiguous view of all of an array nothing else refers to."""
    base = grad.base
    if base is None:
        return True
    return (
        base.base is None and base.size == grad.size and grad.flags.c_contiguous and sys.getrefcount(base) <= SOLE_BASE
    )


def accumulate(node: AccumulateGrad, grad: Any, owned: bool = False) -> None:
    """Add ``grad`` into the leaf's ``.grad``; ``owned``: nothing else refers to ``grad``, so a first
    gradient may become ``.grad`` itself instead of a copy (torch's AccumulateGrad steals it likewise)."""
    var = node.variable
    if var._hooks:
        grad = run_hooks(var._hooks, grad)
        owned = False
    if var.grad is None:
        if owned and grad.dtype == var._data.dtype and _only_view(grad) and backend_of(grad).is_writeable(grad):
            first = wrap(grad)
        else:
            first = wrap(grad.astype(var._data.dtype, copy=True))
        if grad.shape == var._data.shape and not var._hooks:
            var._grad = first  # the leaf's dtype, shape and device: what the setter would check holds by construction
        else:
            var.grad = first  # (what a hook returned: the setter's checks and torch's errors)
    else:
        elementwise.run_update(var.grad._data, "add", grad)  # (a large one by the device's kernel)
        var.grad._bump_version()
    if var._post_accumulate_hooks:
        for hook in tuple(var._post_accumulate_hooks):
            hook(var)


def apply_offering(node: BackwardNode, grads: list, deps: dict, buffers: dict) -> list:
    """``node.apply`` with the ``.grad`` of the leaves it alone feeds offered to its op (``Context.grad_into``):
    a gradient the op has added into its leaf's ``.grad`` comes back as that very array, and is done here
    (the version bump and the post-accumulate hooks of accumulating) instead of being handed on."""
    ctx = node._ctx
    offers = ctx.grad_into = _grads_to_add_into(node, deps, buffers)
    try:
        input_grads = node.apply(grads, False)
    finally:
        ctx.grad_into = None
    if offers is not None:
        for i, (pos, (child, _)) in enumerate(zip(node._input_positions, node.next_functions)):
            target = offers.get(pos)
            if target is not None and input_grads[i] is target:
                input_grads[i] = None  # (nothing left for the leaf's node to add)
                var = child.variable
                var.grad._bump_version()
                for hook in tuple(var._post_accumulate_hooks):
                    hook(var)
    return input_grads


def _grads_to_add_into(node: BackwardNode, deps: dict, buffers: dict) -> dict | None:
    """{argument position: its leaf's ``.grad`` array} for the inputs of ``node`` whose gradient the op may add
    into ``.grad`` itself: leaves with a ``.grad``, fed by this node alone (nothing else adds to them in this
    pass, nothing waits in their buffer), whose gradient no hook sees first."""
    into = None
    for pos, (child, _) in zip(node._input_positions, node.next_functions):
        if type(child) is AccumulateGrad and deps[child] == 1 and child not in buffers and not child._pre_hooks:
            var = child.variable
            if var._grad is not None and not var._hooks:
                if into is None:
                    into = {}
                into[pos] = var._grad._data
    return into


class _CopyGrad(Function):
    """A leaf's first gradient under create_graph: a copy that stays on the graph (torch's CopyBackwards).

    The first argument is a placeholder, giving the node torch's (None, 0) edge for the
    destination it copies into.
    """

    node_name = "CopyBackwards"
    scalar_edges = (0,)

    @staticmethod
    def forward(ctx: Context, _into: int, grad: Any) -> Any:
        return wrap(grad._data.copy())

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return None, grad


_CYCLE_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
    "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to "
    "avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters "
    "to None after use to break the cycle and avoid the leak."
)
_warned_cycle = False


def accumulate_graph(node: AccumulateGrad, grad: Any) -> None:
    """``accumulate`` under create_graph: ``.grad`` becomes a tensor on the graph, never changed in place."""
    global _warned_cycle
    var = node.variable
    if var._hooks:
        grad = run_hooks(var._hooks, grad, True)
    if grad.requires_grad and not _warned_cycle:  # torch warns once per process
        _warned_cycle = True
        warnings.warn(_CYCLE_WARNING, UserWarning, stacklevel=5)  # the caller of Tensor.backward
    var.grad = _CopyGrad.apply(0, grad) if var.grad is None else var.grad + grad
    if var._post_accumulate_hooks:
        for hook in tuple(var._post_accumulate_hooks):
            hook(var)
