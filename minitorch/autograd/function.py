"""Functions: what built-in ops and the user's ``autograd.Function`` share, and how a call is recorded.

Calling ``SomeFunction.apply(*args)`` runs ``forward`` without recording and, when grad mode is on
and an input requires grad, creates one node for the result (``FunctionBase._record``): the node
(``nodes.py``) keeps the context (``saved.py``: what forward saved), the edges to the inputs' nodes
and the inputs' shapes and dtypes.

Two kinds of Function share that machinery (``FunctionBase``), each with its own contract:

- built-in ops (``minitorch.ops.base.Op``): ``forward`` and ``backward`` take and return raw
  arrays; their nodes (``BackwardNode``) hand the engine's arrays straight to ``backward``.
- the user's ``Function`` (torch's ``autograd.Function``): tensors in, tensors out; its nodes
  (``FunctionBackward``) wrap the engine's arrays into tensors for ``backward`` and unwrap what
  it returns, in one place (``FunctionBackward.run_backward``).

The names of ``nodes.py`` and ``saved.py`` that ops and the engine use are importable from here too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import backend
from ..backend import HOST
from . import anomaly
from .grad_mode import is_grad_enabled, no_grad
from .nodes import (  # noqa: F401  (re-exported: the engine, ops and tests import them from here)
    AccumulateGrad,
    BackwardNode,
    FunctionBackward,
    Node,
    grad_accumulator,
    is_tensor,
    register_tensor_class,
    tensor_class,
    unbroadcast,
    wrap,
)
from .saved import _SAVED_NONE, Context, _saved_ref, _tensor_ref  # noqa: F401


class FunctionBase:
    """What built-in ops and user Functions share: the node class made per subclass, and recording.

    Subclasses define static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; ``backward``
    returns one gradient per argument of ``forward`` (None for arguments that are not tensors
    or need none). ``apply`` (per kind: ``Op.apply``, ``Function.apply``) runs them.
    """

    node_name: str | None = None
    # Argument positions that, given a Python number, still get an edge (None, 0), as torch's graph shows
    # for the number it wraps into a tensor (``a * 2``: MulBackward0 with two edges).
    scalar_edges: tuple = ()
    _scalar_edges_end = 0  # one past the last of them: tensors at 0..n-1 with n at least this need no extra edge
    # The kind's node class and the suffix of its node names (torch: ``MulBackward0``, ``MyFnBackward``).
    _node_base: type = BackwardNode
    _node_suffix = "Backward0"
    _node_cls: type

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._scalar_edges_end = max(cls.scalar_edges) + 1 if cls.scalar_edges else 0
        name = cls.__dict__.get("node_name") or cls.__name__ + cls._node_suffix
        cls._node_cls = type(name, (cls._node_base,), {"__slots__": (), "_function": cls})

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Context, *grads: Any) -> Any:
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def _record(cls, ctx: Context, tensors: list, outs: list, args: Any = (), raw_outs: Any = ()) -> None:
        # The hot path of every recorded op: plain loops and prebuilt tuples (each line here runs per op call).
        node: BackwardNode = _new_object(cls._node_cls)  # Node.__init__, spelled out (a node per recorded op)
        node._pre_hooks = node._post_hooks = ()
        if anomaly._enabled:  # the forward call site, for detect_anomaly's message
            ctx._anomaly_stack = anomaly.record_stack()
        node._ctx = ctx
        edges: list[tuple[Node | None, int]] = []
        meta = []
        for _, t in tensors:
            if not t._requires_grad:
                edges.append(_NO_EDGE)
            else:
                fn = t.grad_fn
                if fn is not None:
                    edges.append((fn, t._output_nr))
                else:  # a leaf: its accumulator (the leaf holds it weakly, the graph strongly)
                    acc = t._accumulator
                    acc = acc() if acc is not None else None
                    edges.append((acc if acc is not None else grad_accumulator(t), 0))
            d = t._data
            meta.append((d.shape, d.dtype))
        n_args = len(ctx.needs_input_grad)
        n_tensors = len(tensors)
        if n_tensors == n_args:  # all arguments tensors (the common op): positions 0..n-1, no number's edge
            node._input_positions = _POSITIONS[n_args] if n_args < _N_POSITIONS else tuple(range(n_args))
        elif tensors[-1][0] == n_tensors - 1 and cls._scalar_edges_end <= n_tensors and n_tensors < _N_POSITIONS:
            # the tensors first, then constants no edge is kept for (clamp's bounds, a - b's alpha): 0..n-1
            node._input_positions = _POSITIONS[n_tensors]
        else:
            positions = []
            for i, _ in tensors:
                positions.append(i)
            for i in cls.scalar_edges:  # a number at a position that gets an edge anyway
                if i < n_args and i not in positions:
                    _add_scalar_edges(cls.scalar_edges, n_args, edges, positions, meta)
                    break
            node._input_positions = tuple(positions)
        node.next_functions = tuple(edges)
        node._input_meta = tuple(meta)
        skip = ctx._non_differentiable
        if len(outs) == 1 and not skip:  # the common op: one output, all of it differentiable
            o = outs[0]
            d = o._data
            dt = d.dtype
            node._output_meta = ((d.shape, dt, _CPU if type(d) is _HOST else backend.device_of(d)),)
            if dt.kind == "f":
                o._requires_grad = True
                o.grad_fn = node
        else:
            node._output_meta = tuple([_output_meta(o._data) for o in outs])
            nr = 0
            for o in outs:
                if not (skip and (id(o) in skip or id(o._data) in skip)) and o._data.dtype.kind == "f":
                    o._requires_grad = True
                    o.grad_fn = node
                    if nr:
                        o._output_nr = nr
                nr += 1
        to_save = ctx._to_save
        if to_save:
            saved = []
            for v in to_save:
                if v is None:  # an operand an op keeps no copy of: one shared record (records are never changed)
                    saved.append(_SAVED_NONE)
                    continue
                for i, t in tensors:  # most saved values are inputs' arrays
                    if v is t._data or v is t:
                        saved.append(_tensor_ref(v, t, None, i))
                        break
                else:
                    saved.append(_saved_ref(v, outs, node, args, raw_outs))
            ctx._saved = saved
            ctx._to_save = ()


class Function(FunctionBase):
    """Base of the user's differentiable functions, with torch's contract: tensors in, tensors out.

    ``forward(ctx, *args)`` runs without recording; ``backward(ctx, *grads)`` receives and returns
    tensors (see ``FunctionBackward``). Built-in ops use ``minitorch.ops.base.Op`` instead.
    """

    _node_base = FunctionBackward
    _node_suffix = "Backward"

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        tensors, needs = [], []
        for i, a in enumerate(args):
            if is_tensor(a):
                tensors.append((i, a))
                needs.append(a._requires_grad)
            else:
                needs.append(False)
        check_same_device(tensors)
        ctx = Context()
        ctx.needs_input_grad = tuple(needs)
        with no_grad():
            res = cls.forward(ctx, *args, **kwargs)
        multi = isinstance(res, tuple)
        outs = []
        for r in res if multi else (res,):
            if not is_tensor(r):
                r = tensor_class()(r)
            elif any(r is a for _, a in tensors):
                r = wrap(r._data)  # returning an input: give the result its own identity
            outs.append(r)
        if True in ctx.needs_input_grad and is_grad_enabled():
            cls._record(ctx, tensors, outs)
        return tuple(outs) if multi else outs[0]


_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


class DelayedError(Function):
    """Passes tensors through; differentiating through it raises (what ``once_differentiable`` leaves)."""

    node_name = "Error"

    @staticmethod
    def forward(ctx: Context, *tensors: Any) -> Any:
        return tensors if len(tensors) > 1 else tensors[0]

    @staticmethod
    def backward(ctx: Context, *grads: Any) -> Any:
        raise RuntimeError(_TWICE)


def once_differentiable(backward: Callable) -> Callable:
    """Decorate a custom Function's ``backward`` that cannot be differentiated again (torch's decorator).

    The backward then runs without recording, even under ``create_graph``; the gradients it returns
    there still require grad when its incoming gradients do, but differentiating them raises.
    """

    @functools.wraps(backward)
    def wrapper(ctx: Context, *grads: Any) -> Any:
        with no_grad():
            outputs = backward(ctx, *grads)
        if not is_grad_enabled() or not any(is_tensor(g) and g.requires_grad for g in grads):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = list((outputs,) if single else outputs)
        places = [i for i, o in enumerate(outs) if is_tensor(o)]
        if places:
            fakes = []
            for i in places:
                fake = outs[i].detach()
                fake.requires_grad = True
                fakes.append(fake)
            errors = DelayedError.apply(*fakes)
            for i, e in zip(places, errors if len(places) > 1 else (errors,)):
                outs[i] = e
        return outs[0] if single else tuple(outs)

    return wrapper


def _add_scalar_edges(scalar_edges: tuple, n_args: int, edges: list, positions: list, meta: list) -> None:
    """Give the non-tensor arguments at ``scalar_edges`` their (None, 0) edges, keeping argument order."""
    extra = [i for i in scalar_edges if i < n_args and i not in positions]
    if not extra:
        return
    rows = sorted(list(zip(positions, edges, meta)) + [(i, (None, 0), None) for i in extra], key=lambda r: r[0])
    positions[:] = [r[0] for r in rows]
    edges[:] = [r[1] for r in rows]
    meta[:] = [r[2] for r in rows]


def check_same_device(tensors: list) -> None:
    """torch's error when the (position, tensor) pairs do not all live on one device."""
    if len(tensors) < 2 or all(type(t._data) is _HOST for _, t in tensors):
        return
    first = tensors[0][1].device
    for _, t in tensors[1:]:
        d = t.device
        if d is not first and d != first:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but found at least two devices, {first} and {d}!"
            )


def _output_meta(d: Any) -> tuple:
    """(shape, dtype, device) of an output's array: the device too, for the rare missing output gradient that
    must be rebuilt as zeros."""
    return d.shape, d.dtype, backend.CPU if type(d) is _HOST else backend.device_of(d)


_POSITIONS = tuple(tuple(range(n)) for n in range(9))
_N_POSITIONS = len(_POSITIONS)
_NO_EDGE = (None, 0)  # the edge of an argument that needs no gradient (shared: edges are never changed)
_CPU = backend.CPU
_HOST = HOST.array_type
_new_object = object.__new__
