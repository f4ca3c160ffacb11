"""The nodes of the backward graph, and how autograd knows tensors.

A recorded op is a ``BackwardNode``: its context (what forward saved), the edges to its inputs' nodes
(``next_functions``) and the inputs' shapes and dtypes, so that the engine, not each op, reduces a
broadcast gradient back to its input's shape (``unbroadcast``). A leaf's sink is its ``AccumulateGrad``.
A user ``Function``'s node is a ``FunctionBackward``: tensors in and out of its backward.

autograd sits below Tensor in the import graph and never imports it. It knows tensors by a
small protocol (``_data``, ``_requires_grad``, ``grad_fn``, ``_output_nr``, ``_counter``, ``grad``,
``_hooks``, ``_accumulator``) and wraps arrays with the class ``minitorch.tensor`` registers
(``register_tensor_class``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import backend, dtypes
from ..backend import Array
from ..backend.fp_errors import restore, silence
from .grad_mode import no_grad

if TYPE_CHECKING:
    from ..tensor import Tensor
    from .saved import Context

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


# The tensor class, registered by minitorch.tensor when it is defined (autograd never imports it).
_TENSOR: Any = None


def register_tensor_class(cls: type) -> None:
    """Tell autograd which class its tensors are (called once, by ``minitorch.tensor``)."""
    global _TENSOR
    _TENSOR = cls


def tensor_class() -> Any:
    """The class ``register_tensor_class`` was given."""
    return _TENSOR


def wrap(array: Array) -> Tensor:
    """A tensor around ``array`` (no copy): how a gradient reaches user code (hooks, ``.grad``, ``grad()``)."""
    return _TENSOR._wrap(array)


def is_tensor(x: Any) -> bool:
    return isinstance(x, _TENSOR)


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched to reach it from ``shape``."""
    gs = grad.shape
    if gs == shape:
        return grad
    extra = len(gs) - len(shape)
    if extra > 0 and gs[extra:] == shape:  # only leading dims added (a bias): one sum, as the device sums best
        return backend.backend_of(grad).sum_leading(grad, extra)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if extra:
        grad = grad.reshape(grad.shape[extra:])
    return grad.reshape(shape)


class Node:
    """A node of the backward graph; subclasses are named like torch's (``MulBackward0``)."""

    __slots__ = ("next_functions", "_pre_hooks", "_post_hooks", "__weakref__")

    def __init__(self) -> None:
        self.next_functions: tuple = ()
        # Empty tuples until a hook is registered: a node is made on every recorded op.
        self._pre_hooks: Any = ()
        self._post_hooks: Any = ()

    def name(self) -> str:
        return type(self).__name__

    def register_hook(self, hook: Callable) -> None:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node runs."""
        if not self._post_hooks:
            self._post_hooks = []
        self._post_hooks.append(hook)

    def tensor_hooks(self, output_nr: int) -> list:
        """The (mutable) list of hooks run on the gradient arriving at output ``output_nr``."""
        if not self._pre_hooks:
            self._pre_hooks = {}
        return self._pre_hooks.setdefault(output_nr, [])

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The sink for a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable: Any) -> None:
        super().__init__()
        self.variable = variable


class BackwardNode(Node):
    """A recorded built-in op: its context and what the engine needs to route gradients.

    ``apply`` fills in missing output gradients, runs the op's backward (``run_backward``: on raw
    arrays here, on tensors in ``FunctionBackward``) and reduces each input's gradient to that
    input's shape and dtype.
    """

    __slots__ = ("_ctx", "_input_meta", "_output_meta", "_input_positions")
    _ctx: Context
    _input_meta: tuple  # (shape, dtype) per tensor input, None for a number's edge
    _output_meta: tuple  # (shape, dtype, device) per output
    _input_positions: tuple  # the forward argument each edge comes from
    _function: Any = None
    _tensor_contract = False  # True for a user Function's node: its backward takes and returns tensors

    def apply(self, grad_outputs: list, graph: bool = False) -> list:
        """Run the Function's backward and return one gradient per ``next_functions`` edge.

        ``graph``: the gradients are tensors and the backward records a graph (``create_graph``).
        """
        ctx = self._ctx
        if ctx._freed:
            raise RuntimeError(_FREED)
        # A missing output gradient is zeros (a node with one output is not run without its gradient).
        if len(grad_outputs) > 1 or grad_outputs[0] is None:
            for i, g in enumerate(grad_outputs):
                if g is None:
                    shape, dt, dev = self._output_meta[i]
                    zeros = backend.backend_for(dev).zeros(shape, dt, dev)
                    grad_outputs[i] = wrap(zeros) if graph else zeros
        if graph or self._tensor_contract:
            raw = self._run_on_tensors(ctx, grad_outputs, graph)
        else:  # a built-in op: its backward straight on the arrays, numpy's warnings off (one call less a node)
            quiet = silence()
            try:
                raw = self._function.backward(ctx, *grad_outputs)
            finally:
                restore(quiet)
        if not isinstance(raw, tuple):
            raw = (raw,)
        if len(raw) != len(ctx.needs_input_grad):
            raw = self._check_count(raw)
        out = []
        for pos, meta in zip(self._input_positions, self._input_meta):
            g = raw[pos]
            if meta is None:  # a Python number's (None, 0) edge
                g = None
            elif g is not None:
                shape, dt = meta
                if g.shape != shape:
                    g = self._reduce_to(g, shape, pos)
                if graph:
                    if g._data.dtype != dt:
                        g = g.to(dtypes.from_numpy_dtype(dt))
                elif g.dtype is not dt and g.dtype != dt:  # (dtypes are mostly singletons: identity first)
                    quiet = silence()  # a float16 gradient past its range is inf, silently, as in torch
                    try:
                        g = g.astype(dt)
                    finally:
                        restore(quiet)
            out.append(g)
        return out

    def _run_on_tensors(self, ctx: Context, grad_outputs: list, graph: bool) -> Any:
        """The backward of a user Function (tensors in and out, run as written: numpy may warn) or, under
        ``create_graph``, of any node on tensors, recording its graph."""
        if not graph:
            return self.run_backward(ctx, grad_outputs)
        quiet = None if self._tensor_contract else silence()  # (a built-in op computes inf and NaN silently)
        ctx._graph_node = self  # saved values unpack as tensors (a cycle only while backward runs)
        try:
            return self.run_graph_backward(ctx, grad_outputs)
        finally:
            ctx._graph_node = None
            if quiet is not None:
                restore(quiet)

    def _check_count(self, raw: tuple) -> tuple:
        """A backward's gradients when it returned more or fewer than its forward took arguments: surplus Nones
        are dropped, anything else is torch's error."""
        expected = len(self._ctx.needs_input_grad)
        if len(raw) > expected and all(r is None for r in raw[expected:]):
            return raw[:expected]
        raise RuntimeError(
            f"function {self.name()} returned an incorrect number of gradients (expected {expected}, got {len(raw)})"
        )

    def _reduce_to(self, g: Any, shape: tuple, pos: int) -> Any:
        """A gradient of a broadcast input summed back to the input's shape, or torch's error for one that
        cannot be."""
        quiet = silence()  # (a sum past float16's range is inf, silently, as in torch)
        try:
            return unbroadcast(g, shape)
        except ValueError:
            raise RuntimeError(
                f"Function {self.name()} returned an invalid gradient at index {pos} - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}"
            ) from None
        finally:
            restore(quiet)

    def run_backward(self, ctx: Context, grads: list) -> Any:
        """The op's backward on the output gradients (raw arrays in, raw arrays out)."""
        return self._function.backward(ctx, *grads)

    def run_graph_backward(self, ctx: Context, grads: list) -> Any:
        """The same backward on tensors, recording its graph: an op's backward is written once, against
        operators and the namespace of its values, which is numpy's or cupy's for arrays and
        ``minitorch.ops.tensor_numpy`` (differentiable ops) for tensors."""
        return self._function.backward(ctx, *grads)

    def release(self) -> None:
        """Free what forward saved (called after a backward without ``retain_graph``).

        Only a node that saved values becomes unusable: one that saved nothing (``x + 1``, ``sum``)
        can run again, as in torch, where only reading a freed saved value raises.
        """
        ctx = self._ctx
        saved = ctx._saved
        if saved is not None:
            for ref in saved:  # (a loop: a generator costs a frame, on every node)
                if ref.value is not None:
                    ctx._freed = True
                    break
            ctx._saved = None


class FunctionBackward(BackwardNode):
    """A recorded user ``Function``: its backward takes and returns tensors (torch's contract)."""

    __slots__ = ()
    _tensor_contract = True

    def run_backward(self, ctx: Context, grads: list) -> Any:
        """The one place gradients cross between arrays and tensors: wrapped for the user's backward
        (run without recording), its results unwrapped for the engine."""
        with no_grad():
            res = self._function.backward(ctx, *(wrap(g) for g in grads))
        if isinstance(res, tuple):
            return tuple(getattr(r, "_data", r) for r in res)
        return getattr(res, "_data", res)

    def run_graph_backward(self, ctx: Context, grads: list) -> Any:
        """Under ``create_graph``: the user's backward on tensors with grad mode on, so that the tensor
        ops it calls record the graph of the backward (torch's double backward of a custom Function)."""
        return self._function.backward(ctx, *grads)


def grad_accumulator(t: Any) -> AccumulateGrad:
    """The (cached) AccumulateGrad node of a leaf tensor."""
    acc = t._accumulator() if t._accumulator is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._accumulator = weakref.ref(acc)
    return acc
