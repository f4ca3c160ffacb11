"""What forward saves for backward: the ``Context`` an op's two halves share, and one record per saved value.

Each saved value keeps the version of its tensor when it was saved, so that an in-place change before
backward raises torch's error. Under ``create_graph=True`` the engine hands every node tensors instead
of arrays and ``ctx.saved_tensors`` gives back the saved inputs and outputs as tensors on the graph
(``_unpack``), so a backward written with operators and its namespace's functions records its own graph
(see ``minitorch.ops.base``).
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any

from .. import dtypes
from ..backend import HOST
from .nodes import _FREED, AccumulateGrad, is_tensor, wrap

if TYPE_CHECKING:
    from .nodes import BackwardNode

_HOST = HOST.array_type
_new_object = object.__new__
_NUMBERS = (int, float, bool)


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
    # Set by a forward whose backward can add an input's gradient straight into that leaf's ``.grad`` (saving a
    # gradient array and the pass that adds it); the engine then offers, for its backward only, ``grad_into``:
    # {argument position: the leaf's ``.grad`` array}. The backward returns the array itself where it added.
    adds_into_grad = False
    grad_into: dict | None = None

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


def _saved_ref(value: Any, outs: list, node: Any = None, args: Any = (), raw_outs: Any = ()) -> _SavedRef:
    """Tie a saved value that is not an input's (``_record`` ties those) to what it belongs to, so in-place
    changes are caught: an output of the op, a tensor, or a constant.

    ``args``: the arguments forward received (raw, for a built-in op); a saved one that is not a
    tensor's array is a constant of the op. ``raw_outs``: what forward returned (a numpy scalar
    becomes a new 0-d array in its tensor).
    """
    if type(value) in _NUMBERS:  # a Python number: a constant of the op
        return _untracked_ref(value, True)
    nr = 0
    for t in outs:
        if value is t or value is t._data or (nr < len(raw_outs) and value is raw_outs[nr]):
            return _tensor_ref(value, t, (nr, weakref.ref(node)), None)
        nr += 1
    if type(value) is not _HOST and hasattr(value, "_counter"):  # (an array has none: no failed look-up)
        return _SavedRef(value, value._counter, value)
    for a in args:  # a loop, not any(): this runs for every mask and cache an op saves
        if value is a:
            return _untracked_ref(value, True)
    return _untracked_ref(value, False)


def _untracked_ref(value: Any, constant: bool) -> _SavedRef:
    """``_SavedRef(value, None, constant=constant)``: a value with no version to check (a mask, an intermediate,
    a constant argument), built without ``__init__``'s keyword handling (most recorded ops save one)."""
    ref = _new_object(_SavedRef)
    ref.value = value
    ref.counter = ref.owner = ref.producer = ref.input_pos = None
    ref.version = 0
    ref.constant = constant
    return ref


_SAVED_NONE = _SavedRef(None, None)


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
