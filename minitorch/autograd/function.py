"""Function, its Context, and the graph nodes that backward walks.

Calling ``SomeFunction.apply(*args)`` runs ``forward`` without recording and, when
grad mode is on and an input requires grad, creates one node for the result. The
node keeps the context (what forward saved), the edges to the inputs' nodes
(``next_functions``) and the inputs' shapes and dtypes, so that the engine, not
each op, reduces a broadcast gradient back to its input's shape.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import Any

from .. import backend
from . import anomaly
from .grad_mode import is_grad_enabled, no_grad

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched to reach it from ``shape``."""
    gs = grad.shape
    if gs == shape:
        return grad
    extra = len(gs) - len(shape)
    if extra > 0 and gs[extra:] == shape:  # only leading dims added (a bias): one sum
        return grad.sum(axis=tuple(range(extra)))
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if extra:
        grad = grad.reshape(grad.shape[extra:])
    return grad.reshape(shape)


class _SavedRef:
    """One saved value plus the version its tensor had when it was saved."""

    __slots__ = ("value", "counter", "version", "meta", "owner", "producer")

    def __init__(self, value: Any, counter: Any, owner: Any = None, producer: tuple | None = None) -> None:
        self.value = value
        self.counter = counter
        self.version = counter.value if counter is not None else 0
        self.owner = weakref.ref(owner) if owner is not None else None
        # dtype and shape now; the message text only if it is ever needed (saving is on every op's path).
        self.meta = None if owner is None else (owner._data.dtype, owner._data.shape)
        # (output_nr, weak node) when the saving node made this tensor: a strong reference would make a
        # cycle node -> ctx -> saved -> node that only the cyclic GC frees, keeping every activation alive.
        self.producer = None if producer is None else (producer[0], weakref.ref(producer[1]))

    @property
    def tensor_name(self) -> str:
        """The saved tensor as torch's message names it, e.g. ``torch.FloatTensor [3, 4]``."""
        if self.meta is None:
            return ""
        from ..dtypes import from_numpy_dtype
        from ..tensor import _LEGACY_NAMES

        dt = from_numpy_dtype(self.meta[0])
        return f"{_LEGACY_NAMES.get(dt, str(dt))} [{', '.join(str(n) for n in self.meta[1])}]"

    def modified_message(self) -> str:
        """torch's words for a saved tensor changed in place since it was saved."""
        t = self.owner() if self.owner is not None else None
        if self.producer is not None:
            nr, node = self.producer[0], self.producer[1]()
        else:
            nr, node = (t._output_nr, t.grad_fn) if t is not None else (0, None)
        where = ""
        if node is not None:
            where = f", which is output {nr} of {re.sub(r'Backward[0-9]*$', '', node.name())},"
        return (
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{self.tensor_name}]{where} is at version {self.counter.value}; expected version "
            f"{self.version} instead. Hint: the tensor was changed in place after it was saved for "
            "backward; clone() it before changing it."
        )


class Context:
    """What ``forward`` hands to ``backward``: saved values and free-form attributes."""

    # Class-level defaults, replaced per context only when used (a context is made on every op call).
    _non_differentiable: frozenset = frozenset()
    _to_save: tuple = ()
    _saved: list | None = None
    _freed = False
    needs_input_grad: tuple = ()

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (built-in ops) or tensors (user Functions) for ``backward``."""
        self._to_save = values

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs (e.g. indices) that never receive a gradient."""
        self._non_differentiable = set(self._non_differentiable) | {id(o) for o in outputs}

    def _saved_values(self) -> tuple:
        if self._freed:
            raise RuntimeError(_FREED)
        if self._saved is None:
            return ()
        for ref in self._saved:
            if ref.counter is not None and ref.counter.value != ref.version:
                raise RuntimeError(ref.modified_message())
        return tuple(ref.value for ref in self._saved)

    @property
    def saved_tensors(self) -> tuple:
        """The values given to ``save_for_backward``, checked against in-place changes."""
        return self._saved_values()

    saved_arrays = saved_tensors


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
    """A recorded Function call: its context and what the engine needs to route gradients."""

    __slots__ = ("_ctx", "_input_meta", "_output_meta", "_input_positions")
    _function: Any = None

    def apply(self, grad_outputs: list) -> list:
        """Run the Function's backward and return one gradient per ``next_functions`` edge."""
        fn, ctx = self._function, self._ctx
        if ctx._freed:
            raise RuntimeError(_FREED)
        for i, g in enumerate(grad_outputs):
            if g is None:
                shape, dt, dev = self._output_meta[i]
                grad_outputs[i] = backend.module_for_device(backend.as_device(dev)).zeros(shape, dtype=dt)
        if fn.array_level:
            raw = fn.backward(ctx, *grad_outputs)
        else:
            from ..tensor import Tensor

            with no_grad():
                raw = fn.backward(ctx, *(Tensor._wrap(g) for g in grad_outputs))
        if not isinstance(raw, tuple):
            raw = (raw,)
        expected = len(ctx.needs_input_grad)
        if len(raw) != expected:
            if len(raw) > expected and all(r is None for r in raw[expected:]):
                raw = raw[:expected]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {expected}, got {len(raw)})"
                )
        out = []
        unwrap = not fn.array_level  # user Functions return tensors
        for pos, meta in zip(self._input_positions, self._input_meta):
            g = raw[pos]
            if meta is None:  # a Python number's (None, 0) edge
                g = None
            elif g is not None:
                shape, dt = meta
                if unwrap:
                    g = getattr(g, "_data", g)
                if g.shape != shape:
                    try:
                        g = unbroadcast(g, shape)
                    except ValueError:
                        raise RuntimeError(
                            f"Function {self.name()} returned an invalid gradient at index {pos} - got "
                            f"{list(g.shape)} but expected shape compatible with {list(shape)}"
                        ) from None
                if g.dtype != dt:
                    g = g.astype(dt)
            out.append(g)
        return out

    def release(self) -> None:
        """Free what forward saved (called after a backward without ``retain_graph``).

        Only a node that saved values becomes unusable: one that saved nothing (``x + 1``, ``sum``)
        can run again, as in torch, where only reading a freed saved value raises.
        """
        ctx = self._ctx
        if ctx._saved is not None and any(ref.value is not None for ref in ctx._saved):
            ctx._freed = True
        ctx._saved = None


def _node_class(fn_cls: type) -> type:
    name = fn_cls.__dict__.get("node_name") or (fn_cls.__name__ + ("Backward0" if fn_cls.array_level else "Backward"))
    return type(name, (BackwardNode,), {"__slots__": (), "_function": fn_cls})


class Function:
    """Base of every differentiable op, built-in or the user's.

    Subclasses define static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``
    and are called through ``apply``. ``backward`` returns one gradient per
    argument of ``forward`` (None for arguments that are not tensors or need none).

    Built-in ops set ``array_level = True``: they receive and return raw arrays
    (numpy or cupy) and never touch Tensor. User Functions keep torch's contract:
    tensors in, tensors out.
    """

    array_level: bool = False
    node_name: str | None = None
    # Argument positions that, given a Python number, still get an edge (None, 0), as torch's graph shows
    # for the number it wraps into a tensor (``a * 2``: MulBackward0 with two edges).
    scalar_edges: tuple = ()
    _node_cls: type

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._node_cls = _node_class(cls)

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Context, *grads: Any) -> Any:
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        Tensor = _TENSOR or _tensor_class()
        # One pass over the arguments: the tensors (with positions), what needs grad, the raw arrays, and
        # whether any lives off the host (only then can devices be mixed).
        tensors, needs, raw = [], [], []
        foreign = False
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                d = a._data
                tensors.append((i, a))
                needs.append(a._requires_grad)
                raw.append(d)
                if type(d) is not _HOST:
                    foreign = True
            else:
                needs.append(False)
                raw.append(a)
        if foreign and len(tensors) > 1:
            _check_same_device(tensors)
        ctx = Context()
        ctx.needs_input_grad = needs = tuple(needs)
        if cls.array_level:
            # Array-level forwards never see a Tensor, so they need no grad-mode switch.
            raw_out = cls.forward(ctx, *raw, **kwargs)
            multi = isinstance(raw_out, tuple)
            outs = [Tensor._wrap(r) for r in raw_out] if multi else [Tensor._wrap(raw_out)]
        else:
            with no_grad():
                res = cls.forward(ctx, *args, **kwargs)
            multi = isinstance(res, tuple)
            outs = []
            for r in res if multi else (res,):
                if not isinstance(r, Tensor):
                    r = Tensor(r)
                elif any(r is a for _, a in tensors):
                    r = Tensor._wrap(r._data)  # returning an input: give the result its own identity
                outs.append(r)
        if True in needs and is_grad_enabled():
            cls._record(ctx, tensors, outs)
        return tuple(outs) if multi else outs[0]

    @classmethod
    def _record(cls, ctx: Context, tensors: list, outs: list) -> None:
        node = cls._node_cls()
        if anomaly._enabled:  # the forward call site, for detect_anomaly's message
            ctx._anomaly_stack = anomaly.record_stack()
        node._ctx = ctx
        edges, positions, meta = [], [], []
        for i, t in tensors:
            if not t._requires_grad:
                edges.append((None, 0))
            elif t.grad_fn is not None:
                edges.append((t.grad_fn, t._output_nr))
            else:
                edges.append((grad_accumulator(t), 0))
            positions.append(i)
            d = t._data
            meta.append((d.shape, d.dtype))
        if cls.scalar_edges:
            _add_scalar_edges(cls.scalar_edges, len(ctx.needs_input_grad), edges, positions, meta)
        node.next_functions = tuple(edges)
        node._input_positions = tuple(positions)
        node._input_meta = tuple(meta)
        # The device only as a string, for the rare missing output gradient that must be rebuilt as zeros.
        node._output_meta = tuple(
            [(d.shape, d.dtype, "cpu" if type(d) is _HOST else backend.device_name(d)) for d in [o._data for o in outs]]
        )
        skip = ctx._non_differentiable
        nr = 0
        for o in outs:
            if not (skip and (id(o) in skip or id(o._data) in skip)) and o._data.dtype.kind == "f":
                o._requires_grad = True
                o.grad_fn = node
                if nr:
                    o._output_nr = nr
            nr += 1
        if ctx._to_save:
            ctx._saved = [_saved_ref(v, tensors, outs, node) for v in ctx._to_save]
            ctx._to_save = ()


_TENSOR: Any = None
_HOST = backend.host_array_type()


def _tensor_class() -> type:
    """Tensor, imported on first use (tensor.py imports this module)."""
    global _TENSOR
    if _TENSOR is None:
        from ..tensor import Tensor

        _TENSOR = Tensor
    return _TENSOR


def _add_scalar_edges(scalar_edges: tuple, n_args: int, edges: list, positions: list, meta: list) -> None:
    """Give the non-tensor arguments at ``scalar_edges`` their (None, 0) edges, keeping argument order."""
    extra = [i for i in scalar_edges if i < n_args and i not in positions]
    if not extra:
        return
    rows = sorted(list(zip(positions, edges, meta)) + [(i, (None, 0), None) for i in extra], key=lambda r: r[0])
    positions[:] = [r[0] for r in rows]
    edges[:] = [r[1] for r in rows]
    meta[:] = [r[2] for r in rows]


def _check_same_device(tensors: list) -> None:
    kind = type(tensors[0][1]._data)
    if backend.is_numpy_type(kind) and all(type(t._data) is kind for _, t in tensors):
        return
    first = tensors[0][1].device
    for _, t in tensors[1:]:
        if t.device != first:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least "
                f"two devices, {first} and {t.device}!"
            )


def _saved_ref(value: Any, inputs: list, outs: list, node: Any = None) -> _SavedRef:
    """Tie a saved value to the tensor it belongs to, so in-place changes are caught."""
    for _, t in inputs:
        if value is t or value is t._data:
            return _SavedRef(value, t._counter, t)
    for nr, t in enumerate(outs):
        if value is t or value is t._data:
            return _SavedRef(value, t._counter, t, (nr, node))
    if hasattr(value, "_counter"):
        return _SavedRef(value, value._counter, value)
    return _SavedRef(value, None)


def grad_accumulator(t: Any) -> AccumulateGrad:
    """The (cached) AccumulateGrad node of a leaf tensor."""
    acc = t._accumulator() if t._accumulator is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._accumulator = weakref.ref(acc)
    return acc
