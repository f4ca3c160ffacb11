"""Whole-array arithmetic outside the ops: the plain twins a device may replace with a faster kernel.

The engine adds a leaf's gradient into ``.grad``; in-place methods update a tensor (``w.sub_(d)``,
``g.zero_()``); ``+``, ``-`` and ``*`` combine an array with a number or an array of its shape.
On large arrays these are passes over memory, and which core runs them matters as much as how
fast: an array written by two threads (a product split over the cores) and then updated on one
pulls half of its cache lines across from the other core (``w -= d`` on the two-layer net's
1000x100 weight took 40-60 us that way against 10 us on warm data). The host's numba variants
(``ops/elementwise_numba.py``, registered with ``Backend.register_kernel``) split a large array
into the same halves as the products do, each thread updating the half it wrote. These twins are
numpy's or cupy's ufuncs, what runs everywhere else. Callers go through ``run_update``, ``run_combine``
and ``run_fill``, which ask the device for its kernel only for a large array.
"""

from __future__ import annotations

import operator
from typing import Any

from . import array_module, backend_of
from .fp_errors import restore, silence

# Elements from which an array may be worth a device's own kernel (below, the twins run directly: the
# look-up would cost more than it could save).
LARGE = 1 << 15
# The ufuncs ``update`` and ``combine`` take, by name.
UFUNCS = ("add", "subtract", "multiply", "true_divide")
_OPERATORS = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul, "true_divide": operator.truediv}


def update(target: Any, name: str, other: Any) -> None:
    """``target <name>= other`` in place: ``other`` an array that broadcasts to ``target``, or a number;
    ``name`` one of ``UFUNCS``."""
    quiet = silence()  # an update overflows to inf silently, as in torch
    try:
        getattr(array_module(target), name)(target, other, out=target)
    finally:
        restore(quiet)


def combine(a: Any, name: str, b: Any) -> Any:
    """``a <name> b`` as numpy's operators compute it (an array and a number, or two arrays); called by ops,
    whose forward runs with numpy's warnings off (``fp_errors``)."""
    return getattr(array_module(a, b), name)(a, b)


def fill(target: Any, value: Any) -> None:
    """Set every element of ``target`` to ``value`` (a number of its dtype)."""
    target.fill(value)


def run_update(target: Any, name: str, other: Any) -> None:
    """``update``, by the device's kernel for a large ``target``."""
    (backend_of(target).kernel(update) if target.size >= LARGE else update)(target, name, other)


def run_combine(a: Any, name: str, b: Any) -> Any:
    """``combine``, by the device's kernel when either operand is a large array (else numpy's operator)."""
    if getattr(a, "size", 0) >= LARGE:
        return backend_of(a).kernel(combine)(a, name, b)
    if getattr(b, "size", 0) >= LARGE:
        return backend_of(b).kernel(combine)(a, name, b)
    return _OPERATORS[name](a, b)


def run_fill(target: Any, value: Any) -> None:
    """``fill``, by the device's kernel for a large ``target``."""
    (backend_of(target).kernel(fill) if target.size >= LARGE else fill)(target, value)
