"""What the window ops (convolution, pooling) share: argument pairs, plan-cache keys, window views, spreading,
flat indices within a window or a plane.

Used by ``conv.py``, ``conv_flat.py``, ``conv_transpose.py`` and ``pool.py`` (and their 3-d wrappers); the plan
caches themselves live with the library's other caches (``minitorch.caches``). The window views, ``spread`` and
the indices take any number of trailing (spatial) dims.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, Union

from ..backend import Array, array_module, backend_of

IntPair = Union[int, Sequence[int]]

# Positions of the arguments in max_pool2d's signature, which torch's TypeError names.
_POOL_POSITIONS = {"kernel_size": 2, "stride": 3, "padding": 4, "dilation": 5}


def is_int(value: Any) -> bool:
    """An integer argument as torch's parser takes one: Python or numpy ints, not bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def pair(value: Any, name: str, op: str = "conv2d") -> tuple:
    """An int or a 1- or 2-sequence as an (h, w) pair, with the message torch's ``op`` gives otherwise.

    Args:
        value: the argument as given.
        name: its name (``stride``, ``kernel_size``, ...), for the messages.
        op: ``conv2d`` (whose arguments are type-checked before), ``max_pool2d`` or ``avg_pool2d``.
    """
    if is_int(value):
        value = int(value)
        return (value, value)
    if op != "conv2d" and not isinstance(value, (tuple, list)):  # a bool, float or string
        where = f" (position {_POOL_POSITIONS[name]})" if op == "max_pool2d" else ""
        raise TypeError(f"{op}(): argument '{name}'{where} must be tuple of ints, not {type(value).__name__}")
    v = tuple(int(x) for x in value)
    if len(v) == 1:
        return v * 2
    if len(v) != 2:
        if op == "conv2d":
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of 2 values to match "
                f"the convolution dimensions, but got {name}={list(v)}"
            )
        raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of two ints")
    return v


def plain_args(*args: Any) -> bool:
    """Whether layer arguments can key a plan cache: ints (not bools or floats, which compare equal
    to ints but must meet torch's own checks), strings, None, and tuples of ints."""
    for a in args:
        t = type(a)
        if t is tuple:
            if not all(type(v) is int for v in a):
                return False
        elif not (t is int or t is str or a is None):
            return False
    return True


def sliding_windows(array: Array, kernel: tuple, stride: tuple, dilation: tuple) -> Array:
    """Read-only view of the windows over ``array``'s trailing ``len(kernel)`` dims, without copying.

    The result has shape ``lead + out + kernel``: ``out[i]`` is the number of whole
    windows along that dim (``kernel`` taps ``dilation`` apart, ``stride`` apart).
    """
    nd = len(kernel)
    lead, space = array.shape[:-nd], array.shape[-nd:]
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(space, kernel, stride, dilation))
    st = array.strides[-nd:]
    shape = lead + out + tuple(kernel)
    strides = (
        array.strides[:-nd] + tuple(a * s for a, s in zip(st, stride)) + tuple(a * d for a, d in zip(st, dilation))
    )
    return backend_of(array).strided_view(array, shape, strides)


def spread(grad: Array, size: tuple, offset: tuple, stride: tuple) -> Array:
    """Zeros of trailing shape ``size`` holding ``grad[..., i, j]`` at ``offset + stride * (i, j)``
    (over as many trailing dims as ``size`` has: two for 2-d windows, three for 3-d ones).

    Entries that land outside ``size`` are dropped. The input gradient of a strided
    window op is a stride-1 window op over this array (a transposed convolution).
    """
    xp = array_module(grad)
    nd = len(size)
    out = xp.zeros(grad.shape[:-nd] + tuple(size), dtype=grad.dtype)
    dst, src = [], []
    for n, length, p0, s in zip(grad.shape[-nd:], size, offset, stride):
        lo, hi = max(0, -(p0 // s)), min(n, (length - 1 - p0) // s + 1)
        if hi <= lo:
            return out
        dst.append(slice(p0 + s * lo, p0 + s * (hi - 1) + 1, s))
        src.append(slice(lo, hi))
    src_index: tuple[Any, ...] = (Ellipsis, *src)  # typed: numpy's stubs misread the literal as a fancy index
    out[(Ellipsis, *dst)] = grad[src_index]
    return out


def unravel(flat: Array, shape: tuple) -> list:
    """Flat positions within arrays of ``shape`` (a window's taps) as one index array per dim: (row, column)."""
    taps, rest = [], flat
    for n in reversed(shape[1:]):
        taps.append(rest % n)
        rest = rest // n
    return [rest] + taps[::-1]


def ravel(coords: list, shape: tuple) -> Array:
    """Per-dim coordinates as one flat index within arrays of ``shape``: ``row * W + column`` in 2-d."""
    flat = coords[0]
    for c, n in zip(coords[1:], shape[1:]):
        flat = flat * n + c
    return flat
