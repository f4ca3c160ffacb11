"""Whether operations record the autograd graph: no_grad, enable_grad, set_grad_enabled."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return getattr(_state, "enabled", True)


def _set_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


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
