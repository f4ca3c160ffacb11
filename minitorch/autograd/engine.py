"""The backward pass: an iterative topological walk of the graph (no recursion).

Nodes run in dependency order (Kahn's algorithm): a node runs once every node
that feeds it a gradient has run, so each gradient is complete before it is used.
A chain of any length backpropagates without touching Python's recursion limit.

The engine moves raw arrays between nodes. It knows tensors only by the protocol of
``nodes.py`` (``grad_fn``, ``_output_nr``, ``_data``, ``grad``, ...) and hands a gradient
to user code (hooks, ``.grad``, ``grad()``'s results) through ``nodes.wrap``.

With ``create_graph=True`` the same walk moves tensors instead, with grad mode on: each node's
backward runs on tensors and records the graph of the backward (``BackwardNode.apply(...,
graph=True)``), gradients meeting at a node are added by the differentiable ``+``, and a leaf's
``.grad`` is a differentiable copy (torch's ``CopyBackwards``) or sum (``AddBackward0``).
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..backend import backend_of, elementwise
from ..backend.fp_errors import restore, silence
from . import anomaly
from .function import AccumulateGrad, BackwardNode, Context, Function, Node, grad_accumulator, is_tensor, wrap
from .grad_mode import thread_modes

if TYPE_CHECKING:
    from ..tensor import Tensor


def _dependencies(roots: Iterable[Node]) -> dict:
    deps: dict = {}
    stack = [r for r in roots]
    seen = set(stack)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            deps[child] = deps.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return deps


def _leading_to(roots: Iterable[Node], targets: Iterable[Node]) -> set:
    """The nodes on some path from ``roots`` to one of ``targets``: all that ``autograd.grad`` runs (as torch,
    it leaves the rest of the graph alone: no work, no hooks, and a backward that asks for the gradient at its
    own inputs gets exactly that, not what flows on beyond them)."""
    parents: dict = {}
    stack = list(roots)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            parents.setdefault(child, []).append(node)
            if child not in seen:
                seen.add(child)
                stack.append(child)
    needed = {t for t in targets if t in seen}
    stack = list(needed)
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed


def _run_hooks(hooks: list, grad: Any, graph: bool = False) -> Any:
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
    """What ``sys.getrefcount`` reports, in ``_accumulate``, for an array referenced only by one view's base."""
    view = _Holder()
    view.base = object()
    base = view.base
    return sys.getrefcount(base)


_SOLE = _sole_owner_count()
_SOLE_BASE = _sole_base_count()


def _only_view(grad: Any) -> bool:
    """Whether ``grad`` owns its memory, or is a contiguous view of all of an array nothing else refers to."""
    base = grad.base
    if base is None:
        return True
    return (
        base.base is None and base.size == grad.size and grad.flags.c_contiguous and sys.getrefcount(base) <= _SOLE_BASE
    )


def _accumulate(node: AccumulateGrad, grad: Any, owned: bool = False) -> None:
    """Add ``grad`` into the leaf's ``.grad``; ``owned``: nothing else refers to ``grad``, so a first
    gradient may become ``.grad`` itself instead of a copy (torch's AccumulateGrad steals it likewise)."""
    var = node.variable
    if var._hooks:
        grad = _run_hooks(var._hooks, grad)
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


def _apply_offering(node: BackwardNode, grads: list, deps: dict, buffers: dict) -> list:
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


def _accumulate_graph(node: AccumulateGrad, grad: Any) -> None:
    """``_accumulate`` under create_graph: ``.grad`` becomes a tensor on the graph, never changed in place."""
    global _warned_cycle
    var = node.variable
    if var._hooks:
        grad = _run_hooks(var._hooks, grad, True)
    if grad.requires_grad and not _warned_cycle:  # torch warns once per process
        _warned_cycle = True
        warnings.warn(_CYCLE_WARNING, UserWarning, stacklevel=5)  # the caller of Tensor.backward
    var.grad = _CopyGrad.apply(0, grad) if var.grad is None else var.grad + grad
    if var._post_accumulate_hooks:
        for hook in tuple(var._post_accumulate_hooks):
            hook(var)


def _sum(a: Any, b: Any) -> Any:
    """Two gradients for one output, added (inf - inf is NaN without numpy's warning, as in torch)."""
    quiet = silence()
    try:
        return a + b
    finally:
        restore(quiet)


class _Passes(threading.local):
    """The backward passes running on this thread, innermost last: whether each was started to capture gradients
    (``autograd.grad``, ``backward(inputs=...)``) rather than to accumulate them into ``.grad``."""

    def __init__(self) -> None:
        self.capturing: list[bool] = []
        self.next_stands_for_current = False


_passes = _Passes()


def pass_captures() -> bool:
    """Whether the innermost backward pass running on this thread captures its gradients (False outside a pass).
    torch's reentrant checkpoint refuses to run in such a pass."""
    return bool(_passes.capturing) and _passes.capturing[-1]


@contextmanager
def on_behalf_of_current_pass() -> Iterator[None]:
    """The next pass started inside counts as the pass running now (for ``pass_captures``): a backward that a
    node runs to compute its own gradients (a non-reentrant checkpoint's recomputation) stands for its caller."""
    _passes.next_stands_for_current = True
    try:
        yield
    finally:
        _passes.next_stands_for_current = False


def execute(
    roots: Sequence[tuple], retain_graph: bool, capture: dict | None = None, graph: bool = False
) -> dict | None:
    """Propagate ``roots`` ((node, output_nr, grad) triples) through the graph.

    Without ``capture``, leaf gradients accumulate into ``.grad``. With it (a dict
    keyed by (node, output_nr)), the gradients arriving there are returned
    instead and no ``.grad`` is touched, as ``autograd.grad`` requires.
    ``graph`` (create_graph): the gradients are tensors and every backward records its graph.
    """
    root_nodes = []
    buffers: dict = {}
    for node, nr, g in roots:
        buf = buffers.get(node)
        if buf is None:
            n_out = len(node._output_meta) if isinstance(node, BackwardNode) else 1
            buf = buffers[node] = [None] * n_out
            root_nodes.append(node)
        buf[nr] = g if buf[nr] is None else _sum(buf[nr], g)
    deps = _dependencies(root_nodes)
    ready = [n for n in root_nodes if deps.get(n, 0) == 0]
    captured: dict = {}
    needed = None if capture is None else _leading_to(root_nodes, {node for node, _ in capture})
    check = anomaly._enabled
    # Whether an op may add a leaf's gradient into its .grad itself (``_apply_offering``): only where .grad is
    # what receives the gradients and nothing inspects them on the way (anomaly mode's check, a node's post hooks).
    adding = capture is None and not graph and not check
    modes = thread_modes
    was_enabled = modes.enabled
    modes.enabled = graph  # (enable_grad() or no_grad(), set directly: a backward pass is one block)
    passes = _passes.capturing
    inherited = _passes.next_stands_for_current and bool(passes)
    _passes.next_stands_for_current = False
    passes.append(passes[-1] if inherited else capture is not None)
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None) or [None]
            if node._pre_hooks:
                for nr, hooks in node._pre_hooks.items():
                    if grads[nr] is not None:
                        grads[nr] = _run_hooks(hooks, grads[nr], graph)
            if capture is not None:
                for nr, g in enumerate(grads):
                    if (node, nr) in capture:
                        captured[(node, nr)] = g
                if needed is not None and not any(c in needed for c, _ in node.next_functions):
                    continue  # nothing past this node is asked for
            if type(node) is AccumulateGrad:
                if capture is None and grads[0] is not None:
                    if graph:
                        _accumulate_graph(node, grads[0])
                        continue
                    # Only this list refers to a fresh gradient: the producing node's list is gone (below).
                    owned = sys.getrefcount(grads[0]) <= _SOLE
                    _accumulate(node, grads[0], owned)
                continue
            input_grads: list | None  # None once handed on (below)
            if (grads[0] is None) if len(grads) == 1 else all(g is None for g in grads):
                input_grads = [None] * len(node.next_functions)
            elif adding and node._ctx.adds_into_grad and not node._post_hooks:
                input_grads = _apply_offering(node, grads, deps, buffers)
            else:
                input_grads = node.apply(grads, graph)
                if check:
                    anomaly.check_gradients(node, input_grads)
                if node._post_hooks:
                    for hook in node._post_hooks:
                        hook(input_grads, grads)
            if not retain_graph and node._ctx._saved is not None:  # (a node that saved nothing has nothing to free)
                node.release()
            for (child, nr), g in zip(node.next_functions, input_grads):
                if child is None or (needed is not None and child not in needed):
                    continue
                if g is not None:
                    buf = buffers.get(child)
                    if buf is None:
                        if type(child) is AccumulateGrad:
                            buffers[child] = [g]
                        else:
                            buf = buffers[child] = [None] * len(child._output_meta)
                            buf[nr] = g
                    else:
                        buf[nr] = g if buf[nr] is None else _sum(buf[nr], g)
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    ready.append(child)
            input_grads = g = None  # drop these references: a leaf may then take its gradient without a copy
    finally:
        modes.enabled = was_enabled
        passes.pop()
    return captured if capture is not None else None


def _root_grads(outputs: Sequence[Tensor], grad_outputs: Sequence[Any], graph: bool = False) -> list:
    """(node, output_nr, gradient) per output: arrays, or (``graph``) tensors, which may require grad."""
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            arr = out._xp.ones(out._data.shape, dtype=out._data.dtype)
            given = wrap(arr) if graph else arr
        else:
            arr = g._data if is_tensor(g) else out._xp.asarray(g, dtype=out._data.dtype)
            if tuple(arr.shape) != tuple(out._data.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(arr.shape)}) and "
                    f"output[{i}] has a shape of torch.Size({list(out._data.shape)})."
                )
            if not graph:
                given = arr if arr.dtype == out._data.dtype else arr.astype(out._data.dtype)
            else:  # the given tensor itself, which may require grad (double backward through grad_outputs)
                given = g if is_tensor(g) else wrap(arr)
                if arr.dtype != out._data.dtype:
                    given = given.to(out.dtype)
        node, nr = (out.grad_fn, out._output_nr) if out.grad_fn is not None else (grad_accumulator(out), 0)
        roots.append((node, nr, given))
    return roots


def _as_seq(x: Any) -> list:
    if x is None:
        return []
    if is_tensor(x):
        return [x]
    return list(x)


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate into the leaves' ``.grad`` the gradients of ``tensors``.

    Args:
        tensors: the tensor(s) to differentiate.
        grad_tensors: the gradient w.r.t. each tensor (None for a one-element tensor).
        retain_graph: keep saved values so the graph can be walked again (default: ``create_graph``).
        create_graph: record the graph of this backward pass, so that ``.grad`` can be differentiated again.
        inputs: accumulate only into these leaves (default: every leaf of the graph).
    """
    if retain_graph is None:
        retain_graph = create_graph
    outs = _as_seq(tensors)
    grads = _as_seq(grad_tensors) if grad_tensors is not None else [None] * len(outs)
    if len(grads) != len(outs):
        raise RuntimeError(f"grad_tensors has {len(grads)} elements but tensors has {len(outs)}")
    if inputs is None:
        execute(_root_grads(outs, grads, create_graph), bool(retain_graph), graph=create_graph)
        return
    targets = _as_seq(inputs)
    if not targets:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    found = grad(outs, targets, grads, retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)
    for t, g in zip(targets, found):
        if g is None:
            continue
        if create_graph:
            if t.grad_fn is None:
                _accumulate_graph(grad_accumulator(t), g)
            else:
                t.grad = g if t.grad is None else t.grad + g
        elif t.grad_fn is None:
            _accumulate(grad_accumulator(t), g._data)
        elif t.grad is None:
            t.grad = g
        else:
            t.grad._data += g._data


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple:
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching ``.grad``.

    Args:
        outputs: tensor(s) to differentiate.
        inputs: tensor(s) whose gradients are returned, in order.
        grad_outputs: the gradient w.r.t. each output (None for one-element outputs).
        retain_graph: keep saved values for another backward (default: ``create_graph``).
        create_graph: record the graph of this backward pass: the gradients returned can be differentiated
            again (to any order).
        allow_unused: return None for an input the outputs do not depend on, instead of raising.
        materialize_grads: return zeros instead of None for unused inputs.
    """
    if retain_graph is None:
        retain_graph = create_graph
    outs = _as_seq(outputs)
    ins = _as_seq(inputs)
    if not ins:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grads = _as_seq(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    if len(grads) != len(outs):
        raise RuntimeError(f"grad_outputs has {len(grads)} elements but outputs has {len(outs)}")
    roots = _root_grads(outs, grads, create_graph)
    keys = []
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        keys.append((t.grad_fn, t._output_nr) if t.grad_fn is not None else (grad_accumulator(t), 0))
    captured = execute(roots, bool(retain_graph), capture=dict.fromkeys(keys), graph=create_graph)
    assert captured is not None  # execute returns what it captured when asked to capture
    result = []
    for i, (t, key) in enumerate(zip(ins, keys)):
        g = captured.get(key)
        if g is None:
            if materialize_grads:
                g = t._xp.zeros_like(t._data)
            elif not (allow_unused or materialize_grads):
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
        result.append(None if g is None else g if is_tensor(g) else wrap(g))
    return tuple(result)
