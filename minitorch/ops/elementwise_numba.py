"""Whole-array add, subtract, multiply and fill on numba's threads: the host's variants of ``backend/elementwise.py``.

A large float array (``PARALLEL_WORK`` elements and more) is one parallel loop whose iterations numba
deals out in equal contiguous ranges, thread 0 the first: the same halves the blocked products
(``linalg_numba``) hand their threads, so the thread that wrote half of a gradient accumulates it, scales
it and updates the matching half of the weight without pulling cache lines from the other core. On the
two-layer net's step (1000x100 weights, manual SGD) this and the products' split along the inner
dimension took 0.80-0.81 of the step's time with numpy's passes (a prototype, interleaved).

Each element is one IEEE operation in the array's dtype, as numpy's ufunc computes it, so the results
are bitwise numpy's (``tests/test_ops_numba.py`` checks them, and against torch). Anything else (another
dtype, a strided or overlapping operand, broadcasting, division, small arrays or one thread) goes to the
plain twin. Registered on the host when numba is present.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import HOST, elementwise, jit, threads
from ..backend.jit import prange

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Elements from which the loop is shared over the threads (threads.worth_sharing); below, numpy's ufunc.
PARALLEL_WORK = elementwise.LARGE
ADD, SUBTRACT, REVERSE_SUBTRACT, MULTIPLY, SET = 0, 1, 2, 3, 4
CODES = {"add": ADD, "subtract": SUBTRACT, "multiply": MULTIPLY}
_LIMITS = {dt: float(np.finfo(dt).max) for dt in DTYPES}
_ZERO = {dt: dt.type(0) for dt in DTYPES}


@jit.kernel(parallel=True)
def elementwise_kernel(code, x, y, s, scalar, out):  # pragma: no cover - compiled by numba
    """out[i] = x[i] <code> (s if scalar else y[i]) over flat arrays of one dtype, on all threads
    (``SET``: out[i] = s; ``REVERSE_SUBTRACT``: the operand minus x[i]). ``out`` may be ``x``."""
    # One loop per operation and operand kind: a branch inside one shared loop kept LLVM from vectorizing
    # it (100k float32 in place: 13-22 us against 8.7-12.5 with these loops, on 2 and 1 threads).
    n = out.size
    if code == SET:
        for i in prange(n):
            out[i] = s
    elif scalar:
        if code == ADD:
            for i in prange(n):
                out[i] = x[i] + s
        elif code == SUBTRACT:
            for i in prange(n):
                out[i] = x[i] - s
        elif code == REVERSE_SUBTRACT:
            for i in prange(n):
                out[i] = s - x[i]
        else:
            for i in prange(n):
                out[i] = x[i] * s
    elif code == ADD:
        for i in prange(n):
            out[i] = x[i] + y[i]
    elif code == SUBTRACT:
        for i in prange(n):
            out[i] = x[i] - y[i]
    elif code == REVERSE_SUBTRACT:
        for i in prange(n):
            out[i] = y[i] - x[i]
    else:
        for i in prange(n):
            out[i] = x[i] * y[i]


def _large(a: Any) -> bool:
    """A host float array, C-contiguous, worth both threads."""
    return (
        type(a) is np.ndarray
        and a.size >= PARALLEL_WORK
        and a.dtype in DTYPES
        and a.flags.c_contiguous
        and threads.worth_sharing(a.size, PARALLEL_WORK)
    )


def _scalar(value: Any, dtype: np.dtype) -> Any:
    """A Python number as numpy converts it for an array of ``dtype`` (NEP 50: the array's type), or None for
    one the kernel leaves to numpy (a bool, a complex, a number past the dtype's range)."""
    if type(value) is float:
        limit = _LIMITS[dtype]
        if -limit <= value <= limit:  # (NaN fails too: numpy's own rules then)
            return dtype.type(value)
    elif type(value) is int and -(2**53) <= value <= 2**53:  # exact in a double: one rounding, as numpy's
        return dtype.type(value)
    return None


def _run(code: int, x: Any, y: Any, s: Any, out: Any) -> bool:
    """The kernel over flat views; False where numba failed (the caller runs the plain twin)."""
    scalar = y is None
    if not scalar:
        s = _ZERO[x.dtype]  # (unread; one specialization per dtype)
    flat = out.reshape(-1)
    flat_x = flat if x is out else x.reshape(-1)  # (an update writes into its target: one view for both)
    try:
        elementwise_kernel(code, flat_x, flat if scalar else y.reshape(-1), s, scalar, flat)
    except jit.KernelUnavailable:
        return False
    return True


def _same_layout(a: Any, b: Any) -> bool:
    """``b`` an array of ``a``'s shape and dtype, C-contiguous, that is ``a`` itself or shares no memory with it."""
    return (
        type(b) is np.ndarray
        and b.dtype == a.dtype
        and b.shape == a.shape
        and b.flags.c_contiguous
        # (arrays that own their memory are the same or disjoint: no bounds check needed)
        and (b is a or (a.base is None and b.base is None) or not np.may_share_memory(a, b))
    )


def update_numba(target: Any, name: str, other: Any) -> None:
    """``target <name>= other`` on all threads for a large float array and a number or an array of its layout."""
    code = CODES.get(name)
    if code is not None and _large(target) and target.flags.writeable:
        if type(other) is np.ndarray:
            if _same_layout(target, other) and _run(code, target, other, None, target):
                return
        else:
            s = _scalar(other, target.dtype)
            if s is not None and _run(code, target, None, s, target):
                return
    elementwise.update(target, name, other)


def combine_numba(a: Any, name: str, b: Any) -> Any:
    """``a <name> b`` on all threads for a large float array and a number or an array of its layout."""
    code = CODES.get(name)
    if code is not None:
        if type(a) is np.ndarray and _large(a):
            array, other, flipped = a, b, False
        elif type(b) is np.ndarray and _large(b):
            array, other, flipped = b, a, True
        else:
            return elementwise.combine(a, name, b)
        if flipped and code == SUBTRACT:
            code = REVERSE_SUBTRACT  # (add and multiply commute bitwise)
        out = np.empty(array.shape, dtype=array.dtype)
        if type(other) is np.ndarray:
            if _same_layout(array, other) and _run(code, array, other, None, out):
                return out
        else:
            s = _scalar(other, array.dtype)
            if s is not None and _run(code, array, None, s, out):
                return out
    return elementwise.combine(a, name, b)


def fill_numba(target: Any, value: Any) -> None:
    """Set every element of a large float array to ``value`` on all threads."""
    if _large(target) and target.flags.writeable:
        s = _scalar(value, target.dtype) if type(value) in (int, float) else value
        if isinstance(s, target.dtype.type) and _run(SET, target, None, s, target):
            return
    elementwise.fill(target, value)


KERNELS = (elementwise_kernel,)
VARIANTS = {elementwise.update: update_numba, elementwise.combine: combine_numba, elementwise.fill: fill_numba}
for _plain, _fast in VARIANTS.items():
    jit.register(HOST, _plain, _fast)
