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
    _scalar_edges_dense = True
    # The kind's node class and the suffix of its node names (torch: ``MulBackward0``, ``MyFnBackward``).
    _node_base: type = BackwardNode
    _node_suffix = "Backward0"
    _node_cls: type

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._scalar_edges_end = max(cls.scalar_edges) + 1 if cls.scalar_edges else 0
        # Whether the numbers' edges can follow the tensors' in the common recorder: every position up to the
        # last one listed gets an edge (``(0, 1)``), so a tensor missing there is a number with an edge.
        cls._scalar_edges_dense = cls.scalar_edges == tuple(range(cls._scalar_edges_end))
        name = cls.__dict__.get("node_name") or cls.__name__ + cls._node_suffix
        cls._node_cls = type(name, (cls._node_base,), {"__slots__": (), "_function": cls})

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Context, *grads: Any) -> Any:
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def _record_one(cls, ctx: Context, tensors: list, out: Any, args: Any, raw_out: Any) -> None:
        """Record the common op: one output, every tensor argument before any number, the numbers that get an
        edge (``scalar_edges``) all right after them, nothing marked non-differentiable, anomaly mode off
        (``Op.apply`` checks these).

        The hot path of every training step: each line runs per recorded op, so the node is filled in
        directly (``Node.__init__`` spelled out) and the saved values tied here (``_tie_saved``)."""
        node: BackwardNode = _new_object(cls._node_cls)
        node._pre_hooks = node._post_hooks = ()
        node._ctx = ctx
        edges, meta = _edges_and_meta(tensors)
        n = len(tensors)
        end = cls._scalar_edges_end
        if end > n:  # numbers right after the tensors that get an edge anyway (``a * 2``; Op.apply checks)
            edges += (_NO_EDGE,) * (end - n)
            meta += (None,) * (end - n)
            n = end
        node.next_functions = edges
        node._input_meta = meta
        node._input_positions = _POSITIONS[n] if n < _N_POSITIONS else tuple(range(n))
        d = out._data
        dt = d.dtype
        node._output_meta = ((d.shape, dt, _CPU if type(d) is _HOST else backend.device_of(d)),)
        if dt.kind == "f":
            out._requires_grad = True
            out.grad_fn = node
        if ctx._to_save:
            _tie_saved(ctx, tensors, node._input_positions, [out], node, args, (raw_out,))

    @classmethod
    def _record(cls, ctx: Context, tensors: list, outs: list, args: Any = (), raw_outs: Any = ()) -> None:
        """Record one node for ``outs``, the general case: ``tensors`` are (argument position, tensor) pairs."""
        node: BackwardNode = _new_object(cls._node_cls)  # Node.__init__, spelled out (a node per recorded op)
        node._pre_hooks = node._post_hooks = ()
        if anomaly._enabled:  # the forward call site, for detect_anomaly's message
            ctx._anomaly_stack = anomaly.record_stack()
        node._ctx = ctx
        inputs = [t for _, t in tensors]
        input_positions = [i for i, _ in tensors]
        edges, meta = _edges_and_meta(inputs)
        positions = list(input_positions)  # (a number's edge may be slotted in below)
        n_args = len(ctx.needs_input_grad)
        if any(i < n_args and i not in positions for i in cls.scalar_edges):  # a number that gets an edge anyway
            edges, meta = list(edges), list(meta)
            _add_scalar_edges(cls.scalar_edges, n_args, edges, positions, meta)
            edges, meta = tuple(edges), tuple(meta)
        node._input_positions = tuple(positions)
        node.next_functions = edges
        node._input_meta = meta
        skip = ctx._non_differentiable
        node._output_meta = tuple([_output_meta(o._data) for o in outs])
        nr = 0
        for o in outs:
            if not (skip and (id(o) in skip or id(o._data) in skip)) and o._data.dtype.kind == "f":
                o._requires_grad = True
                o.grad_fn = node
                if nr:
                    o._output_nr = nr
            nr += 1
        if ctx._to_save:
            _tie_saved(ctx, inputs, input_positions, outs, node, args, raw_outs)


def _edges_and_meta(tensors: list) -> tuple:
    """(edges, (shape, dtype) per tensor) of a node's tensor arguments: an edge is (the input's node, its
    output number), a leaf's accumulator, or the shared (None, 0) of an input that needs no gradient."""
    edges: list[tuple[Node | None, int]] = []
    meta = []
    for t in tensors:
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
    return tuple(edges), tuple(meta)


def _tie_saved(ctx: Context, tensors: list, positions: Any, outs: list, node: Any, args: Any, raw_outs: Any) -> None:
    """Turn what forward gave ``save_for_backward`` into records that know their tensor and its version
    (``positions``: each tensor's argument position)."""
    saved = []
    for v in ctx._to_save:
        if v is None:  # an operand an op keeps no copy of: one shared record (records are never changed)
            saved.append(_SAVED_NONE)
            continue
        for t, i in zip(tensors, positions):  # most saved values are inputs' arrays
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


_POSITIONS = tuple(tuple(range(n)) for n in range(17))
_N_POSITIONS = len(_POSITIONS)
_NO_EDGE = (None, 0)  # the edge of an argument that needs no gradient (shared: edges are never changed)
_CPU = backend.CPU
_HOST = HOST.array_type
_new_object = object.__new__
