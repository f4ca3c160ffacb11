"""Autocast: regions where ops run in the precision torch picks for them (``torch.autocast``).

The state is per thread, as torch's: whether autocast is on and its dtype per device type, plus the
nesting count. Ops consult it through a two-line hook at the top of their public function::

    if autocast_mode.enabled_threads and autocast_mode.wants(mm):
        return autocast_mode.run("mm", mm, input, mat2)

With autocast off in every thread the hook costs one global read. ``run`` picks the op's policy on
its tensors' device (``op_lists.py``), casts the floating inputs (``Tensor.to``: differentiable, so
float32 parameters get float32 gradients), and calls the op again with casting off for this thread
until it returns, as torch excludes its autocast dispatch key while the op runs: the ops it is made
of run in the types it was given. Only out-of-place calls autocast: a call with ``out=`` runs as is.

Devices: ``cpu`` and ``cuda``. torch's cpu default dtype is bfloat16, which minitorch does not have:
``autocast("cpu")`` without a dtype warns and disables itself, as torch does for a dtype the device
does not support, and ``get_autocast_dtype("cpu")`` is None until ``set_autocast_dtype`` names one.
Pass ``dtype=torch.float16``. There is no weight cache: ``cache_enabled`` is kept, never used.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from .. import dtypes
from ..autograd.nodes import is_tensor
from ..backend import CUDA
from ..backend.device import device as _device
from . import op_lists

__all__ = [
    "autocast",
    "autocast_decrement_nesting",
    "autocast_increment_nesting",
    "clear_autocast_cache",
    "get_autocast_dtype",
    "is_autocast_available",
    "is_autocast_cache_enabled",
    "is_autocast_enabled",
    "set_autocast_cache_enabled",
    "set_autocast_dtype",
    "set_autocast_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

DEVICE_TYPES = ("cpu", "cuda")
# torch's defaults; cpu's, bfloat16, has no minitorch dtype (see the module's docstring).
DEFAULT_DTYPES = {"cpu": None, "cuda": dtypes.float16}
# The dtypes torch's CPU autocast accepts, of those minitorch has (torch: bfloat16 and float16).
CPU_DTYPES = (dtypes.float16,)


class _ThreadState(threading.local):
    """This thread's autocast state (each thread starts from the defaults, as in torch)."""

    def __init__(self) -> None:
        self.enabled = {kind: False for kind in DEVICE_TYPES}
        self.dtype = dict(DEFAULT_DTYPES)
        self.cache_enabled = True
        self.nesting = 0
        self.inside = 0  # how many ops that ``run`` handled are running: inside them nothing autocasts
        self.skip: Any = None  # an op whose next hook lets its body run (a TRANSPARENT op, see ``run``)
        self.counted = False  # whether this thread is counted in ``enabled_threads``
        self.casting = False  # enabled on some device and not inside an op: what the hooks ask


state = _ThreadState()
# How many threads have autocast enabled on some device: the one global every hooked op reads (a
# thread-local read costs four times as much). A thread that ends inside a region stays counted,
# which only sends its fellow threads' hooks down the slower path.
enabled_threads = 0
_count_lock = threading.Lock()


def _refresh(st: _ThreadState) -> None:
    global enabled_threads
    on = any(st.enabled.values())
    if on != st.counted:
        with _count_lock:
            enabled_threads += 1 if on else -1
        st.counted = on
    st.casting = on and not st.inside


def _kind(device_type: Any, fn: str = "is_autocast_enabled") -> str:
    """The device type a ``device_type`` string names (torch's error for one that names none)."""
    if not isinstance(device_type, str):
        raise TypeError(f"{fn}(): argument 'device_type' (position 1) must be str, not {type(device_type).__name__}")
    return _device(device_type).type


def _served(device_type: str) -> str:
    kind = _kind(device_type)
    if kind not in DEVICE_TYPES:
        raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
    return kind


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast serves ``device_type`` ('cpu' and 'cuda' here; 'cuda' even without a GPU, as torch)."""
    return _kind(device_type, "is_autocast_available") in DEVICE_TYPES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` in this thread (no argument: 'cuda', as torch)."""
    return state.enabled.get(_kind("cuda" if device_type is None else device_type), False)


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype autocast casts to on ``device_type``: float16 for cuda; None for cpu until set (no bfloat16)."""
    return state.dtype.get(_kind(device_type, "get_autocast_dtype"))


def set_autocast_enabled(*args: Any) -> None:
    """Switch autocast on or off for a device type in this thread: ``(device_type, enabled)``, or torch's
    older ``(enabled)`` for cuda."""
    if len(args) == 1:
        args = ("cuda", args[0])
    if len(args) != 2:
        raise TypeError(f"set_autocast_enabled() takes (device_type, enabled) or (enabled), got {len(args)} arguments")
    kind, enabled = _served(args[0]), bool(args[1])
    st = state
    if enabled and st.dtype[kind] is None:
        raise RuntimeError(
            "CPU autocast has no dtype: torch's default, torch.bfloat16, does not exist in minitorch; "
            "call set_autocast_dtype('cpu', torch.float16) first"
        )
    st.enabled[kind] = enabled
    _refresh(st)


def set_autocast_dtype(device_type: str, dtype: Any) -> None:
    """Set the dtype autocast casts to on ``device_type`` in this thread."""
    state.dtype[_served(device_type)] = dtype


def is_autocast_cache_enabled() -> bool:
    return state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Kept for torch's API: minitorch has no cache of cast weights."""
    state.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    """Nothing to clear: minitorch casts a weight each time it is used."""


def autocast_increment_nesting() -> int:
    state.nesting += 1
    return state.nesting


def autocast_decrement_nesting() -> int:
    state.nesting -= 1
    return state.nesting


class autocast:
    """Run the ops of a region in mixed precision: context manager or decorator, as ``torch.autocast``.

    Inside, ops on ``device_type`` tensors that torch lists run in ``dtype`` (matrix products,
    convolutions, linear), or in float32 (losses, reductions, ...), or in the widest input type
    (cat, stack, ...); see ``op_lists.py``. Regions nest, ``enabled=False`` switches autocast off
    inside one, and the state is this thread's.

    Args:
        device_type: 'cuda' or 'cpu' (an index is allowed: 'cuda:0').
        dtype: what the low-precision ops run in; None: ``get_autocast_dtype(device_type)`` (cuda:
            float16; cpu: none, see the module's docstring: pass ``torch.float16``).
        enabled: False makes the region switch autocast off.
        cache_enabled: accepted for torch's API (minitorch keeps no cache of cast weights).
    """

    def __init__(
        self, device_type: str, dtype: Any = None, enabled: bool = True, cache_enabled: bool | None = None
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self._kind = kind = _served(device_type)
        self.fast_dtype = get_autocast_dtype(kind) if dtype is None else dtype
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled and kind == "cuda" and not CUDA.is_available():
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
            enabled = False
        elif enabled and kind == "cpu" and self.fast_dtype not in CPU_DTYPES:
            why = (
                "torch's default, torch.bfloat16, does not exist in minitorch: pass dtype=torch.float16"
                if self.fast_dtype is None
                else "minitorch has no torch.bfloat16"
            )
            warnings.warn(
                "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                f"CPU Autocast only supports dtypes of torch.float16 currently ({why}).",
                stacklevel=2,
            )
            enabled = False
        self._enabled = bool(enabled)
        self._saved: list = []  # the state each open entry replaced (a stack: one instance may be re-entered)

    def __enter__(self) -> autocast:
        st, kind = state, self._kind
        self._saved.append((st.enabled[kind], st.dtype[kind], st.cache_enabled))
        st.enabled[kind] = self._enabled
        st.dtype[kind] = self.fast_dtype
        st.cache_enabled = self._cache_enabled
        st.nesting += 1
        _refresh(st)
        return self

    def __exit__(self, *exc: Any) -> None:
        st, kind = state, self._kind
        st.enabled[kind], st.dtype[kind], st.cache_enabled = self._saved.pop()
        st.nesting -= 1
        _refresh(st)

    def __call__(self, func: F) -> F:
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                "Did you mean to use autocast as a context manager? For example:\n"
                "    with torch.autocast(device_type=...):\n"
                "        output = model(input)"
            )

        @functools.wraps(func)
        def decorate_autocast(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return decorate_autocast  # type: ignore[return-value]


def wants(fn: Callable[..., Any]) -> bool:
    """Whether ``fn``'s hook hands this call to ``run`` (asked only while some thread autocasts)."""
    st = state
    if st.skip is fn:  # run() is calling fn's body on purpose (a TRANSPARENT op)
        st.skip = None
        return False
    return st.casting


def run(op: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call the public op ``fn`` (named ``op`` in ``op_lists``) as autocast would: with its floating
    inputs cast by its policy on its tensors' device, and nothing autocasting while it runs."""
    st = state
    kind = _device_type(args, kwargs)
    policy = None
    if kind is not None and st.enabled.get(kind) and kwargs.get("out") is None:
        policy = op_lists.POLICIES[kind].get(op)
    if policy == op_lists.TRANSPARENT:
        st.skip = fn
        try:
            return fn(*args, **kwargs)
        finally:
            st.skip = None  # (already, unless the call failed before fn's hook ran: bad arguments)
    if policy == op_lists.BANNED:
        raise RuntimeError(
            f"torch.nn.functional.{op} and torch.nn.BCELoss are unsafe to autocast.\n"
            "A sigmoid feeding binary cross entropy is better fused into one op: use "
            "torch.nn.functional.binary_cross_entropy_with_logits or torch.nn.BCEWithLogitsLoss, "
            "which are safe to autocast."
        )
    if policy is not None:
        assert kind is not None
        target = _target(policy, kind, args, kwargs)
        args = tuple(_cast(a, target, kind) for a in args)
        kwargs = {k: _cast(v, target, kind) for k, v in kwargs.items()}
    st.inside += 1
    st.casting = False
    try:
        return fn(*args, **kwargs)
    finally:
        st.inside -= 1
        _refresh(st)


@contextmanager
def suspended() -> Iterator[None]:
    """Nothing autocasts within the block (an in-place op, which torch never autocasts, computing its result by
    the out-of-place op)."""
    st = state
    st.inside += 1
    st.casting = False
    try:
        yield
    finally:
        st.inside -= 1
        _refresh(st)


def cast(op: str, tensor: Any) -> Any:
    """``tensor`` cast by ``op``'s policy on its device, for the hook of an op that is a single Function (no
    inner ops to shield) and whose policy depends on an argument (pad: fp32 by mode on the CPU)."""
    kind = tensor.device.type
    policy = op_lists.POLICIES[kind].get(op) if state.enabled.get(kind) else None
    if policy in (op_lists.LOWER, op_lists.FP32):
        return _cast(tensor, _target(policy, kind, (tensor,), {}), kind)
    return tensor


def _tensors(args: tuple, kwargs: dict) -> list:
    found = []
    for a in (*args, *kwargs.values()):
        if is_tensor(a):
            found.append(a)
        elif isinstance(a, (list, tuple)):
            found.extend(t for t in a if is_tensor(t))
    return found


def _device_type(args: tuple, kwargs: dict) -> str | None:
    """The device type whose autocast state applies: a GPU's if any input is on one (a 0-d cpu tensor may
    join cuda tensors), else the cpu's; None without tensors."""
    kinds = {t.device.type for t in _tensors(args, kwargs)}
    if not kinds:
        return None
    kinds.discard("cpu")
    return min(kinds) if kinds else "cpu"


def _eligible(t: Any, kind: str) -> bool:
    """torch's rule: floating tensors on the region's device, float64 excepted, are cast."""
    return is_tensor(t) and t.is_floating_point() and t.dtype is not dtypes.float64 and t.device.type == kind


def _target(policy: str, kind: str, args: tuple, kwargs: dict) -> Any:
    low = state.dtype[kind]
    if policy == op_lists.LOWER:
        return low
    if policy == op_lists.FP32:
        return dtypes.float32
    widest = low  # PROMOTE: float32 wins over the region's dtype; float64 inputs are left out
    for t in _tensors(args, kwargs):
        if _eligible(t, kind) and t.dtype is not widest:
            if t.dtype is not dtypes.float32 and widest is not dtypes.float32:
                raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
            widest = dtypes.float32
    return widest


def _cast(a: Any, target: Any, kind: str) -> Any:
    if is_tensor(a):
        return a.to(target) if a.dtype is not target and _eligible(a, kind) else a
    if isinstance(a, (list, tuple)) and any(is_tensor(t) for t in a):
        cast = [_cast(t, target, kind) for t in a]
        return cast if isinstance(a, list) else tuple(cast)
    return a
