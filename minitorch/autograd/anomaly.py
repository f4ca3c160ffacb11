"""Anomaly mode: name the backward Function that produced NaN or inf, and where its forward ran.

While anomaly mode is on, recording a node (``FunctionBase._record``) keeps the caller's
stack (the frames outside minitorch) on the node's context, and the engine checks every
gradient a node returns. Off (the default), the only cost is one boolean test per node.
"""

from __future__ import annotations

import functools
import os
import traceback
from typing import Any

from ..backend import array_module

_enabled = False
_check_nan = True
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True while anomaly detection also checks gradients for NaN and inf."""
    return _check_nan


def _set(mode: bool, check_nan: bool) -> None:
    global _enabled, _check_nan
    _enabled, _check_nan = bool(mode), bool(check_nan)


def set_anomaly_enabled(mode: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off for what follows (``torch.set_anomaly_enabled``; ``detect_anomaly`` is
    the same as a context)."""
    _set(mode, check_nan)


class detect_anomaly:
    """Context manager (or decorator) that turns anomaly detection on.

    Inside it, a backward that returns NaN or inf raises ``RuntimeError`` naming the
    Function (``Function 'LogBackward0' returned nan values in its 0th output.``) and the
    line of user code whose forward call created that node. Recording the stacks
    makes forward slower: use it to debug, not to train.

    Args:
        check_nan: check the gradients for NaN and inf (default True); with False, only the
            forward call sites are recorded.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = (_enabled, _check_nan)

    def __enter__(self) -> detect_anomaly:
        self.prev = (_enabled, _check_nan)
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc: Any) -> None:
        _set(*self.prev)

    def __call__(self, fn: Any) -> Any:

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off; works as a function call or as a context manager.

    Args:
        mode: True to turn it on, False to turn it off.
        check_nan: check the gradients for NaN and inf (default True).
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (_enabled, _check_nan)
        _set(mode, check_nan)

    def __enter__(self) -> set_detect_anomaly:
        return self

    def __exit__(self, *exc: Any) -> None:
        _set(*self.prev)


def record_stack() -> traceback.StackSummary:
    """The current stack without minitorch's own frames (the user's code that called the op)."""
    frames = traceback.extract_stack()[:-1]
    user = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR + os.sep)]
    return traceback.StackSummary.from_list(user or frames)


def check_gradients(node: Any, grads: list) -> None:
    """Raise when one of the gradients ``node`` returned holds NaN or inf."""
    if not _check_nan:
        return
    for i, g in enumerate(grads):
        g = getattr(g, "_data", g)  # tensors under create_graph
        if g is None or getattr(g, "dtype", None) is None or g.dtype.kind not in "fc":
            continue
        xp = array_module(g)
        bad = xp.isnan(g)
        if bool(bad.any()):
            raise RuntimeError(_message(node, i, "nan"))
        if not bool(xp.isfinite(g).all()):
            raise RuntimeError(_message(node, i, "inf"))


def _message(node: Any, index: int, what: str) -> str:
    msg = f"Function '{node.name()}' returned {what} values in its {index}th output."
    stack: traceback.StackSummary | None = getattr(getattr(node, "_ctx", None), "_anomaly_stack", None)
    if stack:
        last = stack[-1]
        msg += (
            f"\nIts forward was called at {last.filename}:{last.lineno}, in {last.name}"
            + (f"\n    {last.line}" if last.line else "")
            + "\nTraceback of the forward call that created it (innermost 8 frames):\n"
            + "".join(traceback.StackSummary.from_list(stack[-8:]).format()).rstrip()
        )
    else:
        msg += (
            "\nThe forward call site was not recorded: run the forward pass inside "
            "minitorch.autograd.detect_anomaly() too."
        )
    return msg
