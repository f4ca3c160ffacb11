"""Functions, their Context, and the graph nodes that backward walks.

Calling ``SomeFunction.apply(*args)`` runs ``forward`` without recording and, when
grad mode is on and an input requires grad, creates one node for the result. The
node keeps the context (what forward saved), the edges to the inputs' nodes
(``next_functions``) and the inputs' shapes and dtypes, so that the engine, not
each op, reduces a broadcast gradient back to its input's shape.

Two kinds of Function share that machinery (``FunctionBase``), each with its own contract:

- built-in ops (``minitorch.ops.base.Op``): ``forward`` and ``backward`` take and return raw
  arrays; their nodes (``BackwardNode``) hand the engine's arrays straight to ``backward``.
- the user's ``Function`` (torch's ``autograd.Function``): tensors in, tensors out; its nodes
  (``FunctionBackward``) wrap the engine's arrays into tensors for ``backward`` and unwrap what
  it returns, in one place (``FunctionBackward.run_backward``).

Under ``create_graph=True`` the engine hands every node tensors instead of arrays
(``BackwardNode.apply(..., graph=True)``) and ``ctx.saved_tensors`` gives back the saved
inputs and outputs as tensors on the graph (``_unpack``), so a backward written with
operators and its namespace's functions records its own graph (see ``minitorch.ops.base``).

autograd sits below Tensor in the import graph and never imports it. It knows tensors by a
small protocol (``_data``, ``_requires_grad``, ``grad_fn``, ``_output_nr``, ``_counter``, ``grad``,
``_hooks``, ``_accumulator``) and wraps arrays with the class ``minitorch.tensor`` registers
(``register_tensor_class``).
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import backend, dtypes
from ..backend import HOST, Array
from ..backend.fp_errors import restore, silence
from . import anomaly
from .grad_mode import is_grad_enabled, no_grad

if TYPE_CHECKING:
    from ..tensor import Tensor

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
    """One saved value plus the version its tensor had when it was saved.

    ``input_pos`` (the argument position of the input it is) and ``producer`` (for an output) say
    where the value sits in the graph, so that under ``create_graph`` it can be handed back as a
    tensor on the graph; ``constant``: an argument that is not a tensor (a mask, a fixed weight).
    """

    __slots__ = ("value", "counter", "version", "owner", "producer", "input_pos", "constant")

    def __init__(
        self,
        value: Any,
        counter: Any,
        owner: Any = None,
        producer: tuple | None = None,
        input_pos: int | None = None,
        constant: bool = False,
    ) -> None:
        self.value = value
        self.counter = counter
        self.version = counter.value if counter is not None else 0
        # A tensor made by ``_unpack`` lives only while a backward runs: keep it for the message.
        self.owner = None if owner is None else (lambda: owner) if owner._unpacked else weakref.ref(owner)
        # (output_nr, weak node) when the saving node made this tensor: a strong reference would make a
        # cycle node -> ctx -> saved -> node that only the cyclic GC frees, keeping every activation alive.
        self.producer = None if producer is None else (producer[0], weakref.ref(producer[1]))
        self.input_pos = input_pos
        self.constant = constant

    @property
    def tensor_name(self) -> str:
        """The saved tensor as torch's message names it, e.g. ``torch.FloatTensor [3, 4]``."""
        if self.owner is None:
            return ""
        saved = getattr(self.value, "_data", self.value)  # the array as it was saved (the message is rare)
        dt = dtypes.from_numpy_dtype(saved.dtype)
        return f"{dt._tensor_type} [{', '.join(str(n) for n in saved.shape)}]"

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
    """What ``forward`` hands to ``backward``: saved values and free-form attributes (``ctx.shape = ...``)."""

    # Class-level defaults, replaced per context only when used (a context is made on every op call).
    _non_differentiable: frozenset | set = frozenset()
    _to_save: tuple = ()
    _saved: list | None = None
    _freed = False
    _graph_node: Any = None  # the node running backward under create_graph: saved values unpack as tensors
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
        values = []
        for ref in self._saved:
            counter = ref.counter
            if counter is not None and counter.value != ref.version:
                raise RuntimeError(ref.modified_message())
            values.append(ref.value)
        if self._graph_node is not None:
            return tuple([_unpack(ref, self._graph_node) for ref in self._saved])
        return tuple(values)

    @property
    def saved_tensors(self) -> tuple:
        """The values given to ``save_for_backward``, checked against in-place changes.

        Under ``create_graph`` a built-in op's saved inputs and outputs come back as tensors on the
        graph, its masks and indices as they are, and an intermediate (a float array computed in
        forward) as None: the backward recomputes it from the inputs, differentiably.
        """
        return self._saved_values()

    saved_arrays = saved_tensors

    if TYPE_CHECKING:  # ops keep free-form attributes on their context

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...


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
        # A built-in op computes inf and NaN without numpy's warnings, as in torch (backend/fp_errors.py); a
        # user's Function runs as written.
        quiet = None if self._tensor_contract else silence()
        try:
            if graph:
                ctx._graph_node = self  # saved values unpack as tensors (a cycle only while backward runs)
                try:
                    raw = self.run_graph_backward(ctx, grad_outputs)
                finally:
                    ctx._graph_node = None
            elif self._tensor_contract:
                raw = self.run_backward(ctx, grad_outputs)
            else:  # a built-in op: its backward straight on the arrays (one call less on every node)
                raw = self._function.backward(ctx, *grad_outputs)
        finally:
            if quiet is not None:
                restore(quiet)
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
        for pos, meta in zip(self._input_positions, self._input_meta):
            g = raw[pos]
            if meta is None:  # a Python number's (None, 0) edge
                g = None
            elif g is not None:
                shape, dt = meta
                if g.shape != shape:
                    try:
                        g = unbroadcast(g, shape)
                    except ValueError:
                        raise RuntimeError(
                            f"Function {self.name()} returned an invalid gradient at index {pos} - got "
                            f"{list(g.shape)} but expected shape compatible with {list(shape)}"
                        ) from None
                if graph:
                    if g._data.dtype != dt:
                        g = g.to(dtypes.from_numpy_dtype(dt))
                elif g.dtype != dt:
                    g = g.astype(dt)
            out.append(g)
        return out

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
    # The kind's node class and the suffix of its node names (torch: ``MulBackward0``, ``MyFnBackward``).
    _node_base: type = BackwardNode
    _node_suffix = "Backward0"
    _node_cls: type

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
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
        node: BackwardNode = _new_object(cls._node_cls)  # Node.__init__, spelled out (a node per recorded op)
        node._pre_hooks = node._post_hooks = ()
        if anomaly._enabled:  # the forward call site, for detect_anomaly's message
            ctx._anomaly_stack = anomaly.record_stack()
        node._ctx = ctx
        edges: list[tuple[Node | None, int]] = []
        meta = []
        for _, t in tensors:
            if not t._requires_grad:
                edges.append((None, 0))
            elif t.grad_fn is not None:
                edges.append((t.grad_fn, t._output_nr))
            else:  # a leaf: its accumulator (the leaf holds it weakly, the graph strongly)
                acc = t._accumulator
                acc = acc() if acc is not None else None
                edges.append((acc if acc is not None else grad_accumulator(t), 0))
            d = t._data
            meta.append((d.shape, d.dtype))
        n_args = len(ctx.needs_input_grad)
        if len(tensors) == n_args:  # all arguments tensors (the common op): positions 0..n-1, no number's edge
            node._input_positions = _POSITIONS[n_args] if n_args < len(_POSITIONS) else tuple(range(n_args))
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
            node._output_meta = ((d.shape, d.dtype, _CPU if type(d) is _HOST else backend.device_of(d)),)
            if d.dtype.kind == "f":
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
                r = _TENSOR(r)
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


# The tensor class, registered by minitorch.tensor when it is defined (autograd never imports it).
_TENSOR: Any = None
_HOST = HOST.array_type


def register_tensor_class(cls: type) -> None:
    """Tell autograd which class its tensors are (called once, by ``minitorch.tensor``)."""
    global _TENSOR
    _TENSOR = cls


def wrap(array: Array) -> Tensor:
    """A tensor around ``array`` (no copy): how a gradient reaches user code (hooks, ``.grad``, ``grad()``)."""
    return _TENSOR._wrap(array)


def is_tensor(x: Any) -> bool:
    return isinstance(x, _TENSOR)


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
        if t.device != first:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least "
                f"two devices, {first} and {t.device}!"
            )


def _saved_ref(value: Any, outs: list, node: Any = None, args: Any = (), raw_outs: Any = ()) -> _SavedRef:
    """Tie a saved value that is not an input's (``_record`` ties those) to what it belongs to, so in-place
    changes are caught: an output of the op, a tensor, or a constant.

    ``args``: the arguments forward received (raw, for a built-in op); a saved one that is not a
    tensor's array is a constant of the op. ``raw_outs``: what forward returned (a numpy scalar
    becomes a new 0-d array in its tensor).
    """
    if type(value) in _NUMBERS:  # a Python number: a constant of the op
        return _SavedRef(value, None, constant=True)
    nr = 0
    for t in outs:
        if value is t or value is t._data or (nr < len(raw_outs) and value is raw_outs[nr]):
            return _tensor_ref(value, t, (nr, weakref.ref(node)), None)
        nr += 1
    if type(value) is not _HOST and hasattr(value, "_counter"):  # (an array has none: no failed look-up)
        return _SavedRef(value, value._counter, value)
    for a in args:  # a loop, not any(): this runs for every mask and cache an op saves
        if value is a:
            return _SavedRef(value, None, constant=True)
    return _SavedRef(value, None)


def _output_meta(d: Any) -> tuple:
    """(shape, dtype, device) of an output's array: the device too, for the rare missing output gradient that
    must be rebuilt as zeros."""
    return d.shape, d.dtype, backend.CPU if type(d) is _HOST else backend.device_of(d)


_SAVED_NONE = _SavedRef(None, None)
_POSITIONS = tuple(tuple(range(n)) for n in range(9))
_CPU = backend.CPU
_new_object = object.__new__


def _tensor_ref(value: Any, t: Any, producer: tuple | None, input_pos: int | None) -> _SavedRef:
    """``_SavedRef(value, t._counter, t, ...)`` for the value of an op's input or output tensor ``t``, built without
    ``__init__``'s keyword handling (every recorded op saves some); ``producer``: (output_nr, weak node) or None."""
    ref = _new_object(_SavedRef)
    ref.value = value
    ref.counter = c = t._counter
    ref.version = c.value
    # A tensor made by ``_unpack`` lives only while a backward runs: kept strongly, for the message.
    ref.owner = weakref.ref(t) if not t._unpacked else (lambda: t)
    ref.producer = producer
    ref.input_pos = input_pos
    ref.constant = False
    return ref


_NUMBERS = (int, float, bool)


def _unpack(ref: _SavedRef, node: BackwardNode) -> Any:
    """A saved value as ``node``'s backward sees it under ``create_graph`` (see ``Context.saved_tensors``).

    An input comes back as a tensor on the input's edge of the graph (the leaf itself when it is
    one), an output as a tensor made by ``node``; both share the version counter of the tensor
    they were, so in-place changes are caught on the graph of the backward too.
    """
    value = ref.value
    if value is None or is_tensor(value):  # a user Function's tensors carry their graph already
        return value
    if ref.input_pos is not None:
        child, nr = node.next_functions[node._input_positions.index(ref.input_pos)]
        if type(child) is AccumulateGrad and child.variable._data is value:
            return child.variable
        t = wrap(value)
        if child is not None:
            t._requires_grad = True
            if type(child) is AccumulateGrad:
                t._accumulator = weakref.ref(child)
            else:
                t.grad_fn, t._output_nr = child, nr
    elif ref.producer is not None:
        t = wrap(value)
        t._requires_grad, t.grad_fn, t._output_nr = True, node, ref.producer[0]
    elif ref.constant or getattr(getattr(value, "dtype", None), "kind", "") != "f":
        return value  # a constant, a mask or indices
    else:
        return None  # an intermediate: the backward recomputes it from the inputs
    t._counter = ref.counter
    t._unpacked = True
    return t


def grad_accumulator(t: Any) -> AccumulateGrad:
    """The (cached) AccumulateGrad node of a leaf tensor."""
    acc = t._accumulator() if t._accumulator is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._accumulator = weakref.ref(acc)
    return acc
