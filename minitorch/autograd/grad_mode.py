"""Whether operations record the autograd graph: no_grad, enable_grad, set_grad_enabled."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _ThreadModes(threading.local):
    """This thread's modes. Class attributes are the defaults every thread starts with, so reading one is a
    plain attribute look-up (ops read ``enabled`` on every call: ``state.enabled``, not a function call)."""

    enabled = True
    inference = False


thread_modes = _ThreadModes()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return thread_modes.enabled


def _set_enabled(mode: bool) -> None:
    thread_modes.enabled = bool(mode)


class _GradMode:
    """Base of the grad-mode switches: usable as a context manager and as a decorator."""

    mode: bool = True

    def __enter__(self) -> None:
        self._prev = is_grad_enabled()
        _set_enabled(self.mode)

    def __exit__(self, *exc: Any) -> None:
        _set_enabled(self._prev)

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _fresh(self) -> _GradMode:
        return self.__class__()


class _NoArgMode(_GradMode):
    """A switch that also decorates without parentheses (``@no_grad`` as well as ``@no_grad()``)."""

    def __new__(cls, orig_func: Any = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoArgMode):
    """Disable graph recording inside the block (parameter updates, evaluation)."""

    mode = False


class enable_grad(_NoArgMode):
    """Re-enable graph recording inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """Switch recording on or off; takes effect at once, and as a context restores the old mode.

    Args:
        mode: True to record operations, False not to.
    """

    def __init__(self, mode: bool) -> None:
        self._prev = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(self.mode)

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: F) -> F:
        _set_enabled(self._prev)  # used as a decorator: the switch applies inside calls only
        return super().__call__(fn)

    def _fresh(self) -> _GradMode:
        prev = is_grad_enabled()
        ctx = set_grad_enabled(self.mode)
        ctx._prev = prev
        return ctx

    def __exit__(self, *exc: Any) -> None:
        _set_enabled(self._prev)


# How many threads are inside inference mode right now: tensors check this one global when they are made,
# and only while it is non-zero ask whether their own thread is (a thread-local read costs more).
inference_threads = 0


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (on this thread)."""
    return thread_modes.inference


def _set_inference(mode: bool) -> None:
    global inference_threads
    was = is_inference_mode_enabled()
    if mode != was:
        inference_threads += 1 if mode else -1
        thread_modes.inference = mode


class inference_mode(_GradMode):
    """``no_grad`` for pure inference, as ``torch.inference_mode``: no graph is recorded, and tensors made
    inside report ``is_inference()`` (views report their base's). ``inference_mode(False)`` switches it off
    again inside, with gradients enabled, as in torch. Context manager, or decorator with or without ``()``.

    Unlike torch, minitorch does not refuse inference tensors in autograd or in-place updates outside the
    mode afterwards: it has no separate fast path that would make them unsafe.

    Args:
        mode: True to enter inference mode, False to leave it for the block.
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # used bare: @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        self._prev_modes = (is_grad_enabled(), is_inference_mode_enabled())
        _set_enabled(not self.mode)
        _set_inference(self.mode)

    def __exit__(self, *exc: Any) -> None:
        _set_enabled(self._prev_modes[0])
        _set_inference(self._prev_modes[1])

    def _fresh(self) -> _GradMode:
        return inference_mode(self.mode)
