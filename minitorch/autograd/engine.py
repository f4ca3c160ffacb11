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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..backend.fp_errors import restore, silence
from . import anomaly
from .accumulate import SOLE, accumulate, accumulate_graph, apply_offering, run_hooks
from .function import AccumulateGrad, BackwardNode, Node, grad_accumulator, is_tensor, wrap
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
                        grads[nr] = run_hooks(hooks, grads[nr], graph)
            if capture is not None:
                for nr, g in enumerate(grads):
                    if (node, nr) in capture:
                        captured[(node, nr)] = g
                if needed is not None and not any(c in needed for c, _ in node.next_functions):
                    continue  # nothing past this node is asked for
            if type(node) is AccumulateGrad:
                if capture is None and grads[0] is not None:
                    if graph:
                        accumulate_graph(node, grads[0])
                        continue
                    # Only this list refers to a fresh gradient: the producing node's list is gone (below).
                    owned = sys.getrefcount(grads[0]) <= SOLE
                    accumulate(node, grads[0], owned)
                continue
            input_grads: list | None  # None once handed on (below)
            if (grads[0] is None) if len(grads) == 1 else all(g is None for g in grads):
                input_grads = [None] * len(node.next_functions)
            elif adding and node._ctx.adds_into_grad and not node._post_hooks:
                input_grads = apply_offering(node, grads, deps, buffers)
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
                accumulate_graph(grad_accumulator(t), g)
            else:
                t.grad = g if t.grad is None else t.grad + g
        elif t.grad_fn is None:
            accumulate(grad_accumulator(t), g._data)
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
