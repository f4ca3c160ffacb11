"""What a checkpoint keeps to run its function again: the arguments as a template with a slot for each saved
tensor (``_template``, ``_fill``), the random state the forward drew from (``_fork_random_state``,
``_random_state_of_forward``) and the ``_Recipe`` that holds them (``utils/checkpoint.py``'s nodes run it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import random
from ..autograd.function import is_tensor
from ..autograd.grad_mode import enable_grad
from ..backend import HOST, backend_of

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__: tuple[str, ...] = ()


def _cut(t: Tensor) -> Tensor:
    """A leaf sharing ``t``'s data and version counter that requires grad if ``t`` does: what the function runs on."""
    c = t.detach()
    if t.requires_grad:
        c.requires_grad_(True)
    return c


class _Slot:
    """Where the i-th saved tensor goes back into the arguments when they are rebuilt for the recomputation."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _map_tensors(obj: Any, fn: Callable[[Any], Any], nested: bool, match: Callable[[Any], bool] = is_tensor) -> Any:
    """``obj`` with every tensor (every ``match``) replaced by ``fn(tensor)``: ``obj`` itself only, or (``nested``)
    inside lists, tuples (named ones too) and dicts as well."""
    if match(obj):
        return fn(obj)
    if not nested:
        return obj
    if isinstance(obj, tuple):
        items = [_map_tensors(o, fn, True, match) for o in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)
    if isinstance(obj, list):
        return type(obj)(_map_tensors(o, fn, True, match) for o in obj)
    if isinstance(obj, dict):
        return type(obj)((k, _map_tensors(v, fn, True, match)) for k, v in obj.items())
    return obj


def _is_slot(obj: Any) -> bool:
    return type(obj) is _Slot


def _fill(template: tuple, tensors: Any, nested: bool) -> tuple:
    """(args, kwargs) from a template made by ``_template``, each slot given its tensor of ``tensors``."""
    args, kwargs = template

    def put(s: _Slot) -> Any:
        return tensors[s.index]

    return (
        tuple(_map_tensors(a, put, nested, _is_slot) for a in args),
        {k: _map_tensors(v, put, nested, _is_slot) for k, v in kwargs.items()},
    )


def _tensors_in(obj: Any, nested: bool) -> list:
    """The tensors of ``obj``, in the order ``_map_tensors`` visits them."""
    found: list = []
    _map_tensors(obj, found.append, nested)
    return found


def _fork_random_state(args: Any, nested: bool) -> tuple:
    """What the forward draws from, to draw it again: minitorch's host generator's state, and a replayable
    stretch of the own stream of each device the tensor arguments are on (a GPU's), as torch's checkpoint forks
    the CPU's generator and those of the arguments' devices."""
    devices = {backend_of(t._data) for t in _tensors_in(args, nested)}
    return random.get_rng_state(), [(b, b.fork_random_stream()) for b in devices if b is not HOST]


@contextlib.contextmanager
def _random_state_of_forward(state: tuple | None) -> Any:
    """Draw as the forward did (``state``, from ``_fork_random_state``; None: as things stand), then resume the
    streams the caller was drawing from, so that recomputing leaves no trace in them."""
    if state is None:
        yield
        return
    host, streams = state
    current = random.get_rng_state()
    random.set_rng_state(host)
    try:
        with contextlib.ExitStack() as replays:
            for device, token in streams:
                replays.enter_context(device.replaying_random_stream(token))
            yield
    finally:
        random.set_rng_state(current)


class _Recipe:
    """What a checkpoint's backward needs to run the function again: the function, its arguments with slots
    for the saved tensors, the random state it started from, and (for the check) what it returned."""

    def __init__(self, function: Callable, template: Any, rng: tuple | None, nested: bool) -> None:
        self.function = function
        self.template = template  # (args, kwargs), each tensor replaced by its _Slot
        self.rng = rng
        self.nested = nested
        self.result: Any = None  # the forward's output (handed back once, then dropped)
        self.outputs: tuple = ()  # the output tensors the node gives back
        self.positions: list = []  # their places among the output's tensors
        self.metadata: list = []  # their (shape, dtype, device), for determinism_check="default"
        self.leaves: list = []  # leaves reached other than the arguments (use_reentrant=False)
        self.n_inputs = self.n_anchors = 0  # how many of the node's edges are arguments, how many anchors
        self.recompute_context: Any = contextlib.nullcontext()

    def run(self, tensors: Any) -> Any:
        """Run the function again, recording, on ``tensors`` in the places of the saved ones."""
        args, kwargs = _fill(self.template, tensors, self.nested)
        with _random_state_of_forward(self.rng), enable_grad(), self.recompute_context:
            return self.function(*args, **kwargs)


def _template(args: tuple, kwargs: dict, nested: bool) -> tuple:
    """(args, kwargs) with their tensors replaced by slots, and those tensors in slot order."""
    tensors: list = []

    def slot(t: Tensor) -> _Slot:
        tensors.append(t)
        return _Slot(len(tensors) - 1)

    template = (
        tuple(_map_tensors(a, slot, nested) for a in args),
        {k: _map_tensors(v, slot, nested) for k, v in kwargs.items()},
    )
    return template, tensors
