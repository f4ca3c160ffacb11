"""Adaptive pooling: windows chosen so that the output has a given size, as torch chooses them.

Output cell ``i`` of ``n_out`` along an input axis of length ``n`` pools input positions
``floor(i * n / n_out)`` to ``ceil((i + 1) * n / n_out) - 1``; the windows may differ in size and
overlap when ``n`` is not a multiple of ``n_out``. Average pooling is then linear and separable:
``out = A @ x @ B^T`` with ``A[i, j] = 1 / len(window i)`` for ``j`` in window ``i`` (and likewise
``B``), so its backward is ``A^T @ g @ B`` and needs nothing saved. Max pooling gathers every
window, padded to the longest by repeating its last position, takes the maximum with torch's
tie and NaN rules, and routes the gradient back through the flat per-plane index of each maximum
(all its backward needs). The 1-d forms run the 2-d ones on a unit height; the 3-d ones
(``pool3d_adaptive.py``) run max pooling on three spatial dims and averaging on a (D, H*W) view.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, matrix_product, require_floating
from .regions import IndexRegion, ScatterRegion
from .windows import is_int, ravel, unravel

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"]


def window_bounds(xp: Any, n: int, n_out: int) -> tuple:
    """(start, end) arrays of the ``n_out`` adaptive windows over ``n`` positions."""
    i = xp.arange(n_out)
    return (i * n) // n_out, ((i + 1) * n + n_out - 1) // n_out


def averaging_matrix(xp: Any, n: int, n_out: int, dtype: Any) -> Array:
    """(n_out, n): row i averages window i."""
    start, end = window_bounds(xp, n, n_out)
    j = xp.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def window_taps(xp: Any, n: int, n_out: int) -> Array:
    """(n_out, longest window): each window's positions, the shorter ones repeating their last."""
    start, end = window_bounds(xp, n, n_out)
    longest = int((end - start).max()) if n_out else 0
    return xp.minimum(start[:, None] + xp.arange(longest), end[:, None] - 1)


def _mix(xp: Any, x: Array, m: Array, zero_reads: Array | None, rows: bool) -> Array:
    """``m @ x`` (``rows``) or ``x @ m.T``, where a non-finite element of ``x`` reaches only the outputs that read
    it, as in torch's loops: those with a nonzero weight on it (inf stays inf), and those that read it with a zero
    weight (``zero_reads``: 0 * inf is NaN). The plain product would make 0 * inf = NaN in every output."""

    def mul(mat: Array, v: Array) -> Array:
        return xp.matmul(mat, v) if rows else xp.matmul(v, mat.T)

    finite = xp.isfinite(x)
    if bool(finite.all()):
        return mul(m, x)
    dt = x.dtype
    reads = (m != 0).astype(dt)
    pos = mul(reads, (x == xp.inf).astype(dt)) > 0
    neg = mul(reads, (x == -xp.inf).astype(dt)) > 0
    nan = mul(reads, xp.isnan(x).astype(dt)) > 0
    if zero_reads is not None:
        nan |= mul(zero_reads.astype(dt), (~finite).astype(dt)) > 0
    out = mul(m, xp.where(finite, x, 0))
    return xp.where(nan | (pos & neg), xp.nan, xp.where(pos, xp.inf, xp.where(neg, -xp.inf, out))).astype(dt)


class Separable2D(Op):
    """A linear map of the last two dims of (N, C, H, W), separable by axis: A @ x @ B^T (backward: A^T @ g @ B).

    ``zero_reads`` (None, or one boolean matrix per axis) marks the inputs torch's formula reads with a zero
    weight, which decides where an infinite or NaN input goes (see ``_mix``).
    """

    @staticmethod
    def forward(ctx: Context, x: Array, a: Array, b: Array, zero_reads: tuple | None = None) -> Array:
        xp = array_module(x)
        ctx.mats = (a, b)  # constants of the shapes, not of the data
        ctx.views = None  # (output, input) shapes of the view a subclass maps instead (AdaptiveAvgPool3D's)
        if x.dtype.kind != "f" or bool(xp.isfinite(x).all()):
            return xp.matmul(xp.matmul(a, x), b.T)
        za, zb = zero_reads if zero_reads is not None else (None, None)
        return _mix(xp, _mix(xp, x, b, zb, rows=False), a, za, rows=True)  # columns first, as torch's loop

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.mats
        if ctx.views is not None:
            grad = grad.reshape(ctx.views[0])
        gx = matrix_product(matrix_product(a.T, grad), b)  # linear with constant matrices: on arrays and tensors alike
        return (gx if ctx.views is None else gx.reshape(ctx.views[1])), None, None, None


class AdaptiveAvgPool2D(Separable2D):
    """Mean over adaptive windows of a (N, C, H, W) array: A @ x @ B^T with the averaging matrices."""


class AdaptiveMaxPool2D(Op):
    """Max over adaptive windows of a (N, C, H, W) array; also torch's flat per-plane index of each maximum.

    Any number of spatial dims, as many as ``out`` has (``AdaptiveMaxPool3D`` in pool3d_adaptive.py names the
    3-d one): the index is then flat within each (D, H, W) volume, as torch's.
    """

    @staticmethod
    def forward(ctx: Context, x: Array, out: tuple) -> tuple:
        xp = array_module(x)
        nd = len(out)
        space = x.shape[-nd:]
        ctx.shape = x.shape
        if 0 in out:
            ctx.index = xp.zeros(x.shape[:2] + out, dtype=xp.int64)
            return xp.zeros(x.shape[:2] + out, dtype=x.dtype), ctx.index
        taps = [window_taps(xp, n, o) for n, o in zip(space, out)]  # (rows, cols): (out, longest window) each
        kernel = tuple(t.shape[1] for t in taps)
        # (N, C, oh, ow, kh, kw): every window's values; dim i's taps index output dim i and tap dim i
        # (rows[:, None, :, None], cols[None, :, None, :] in 2-d)
        placed: list[Any] = [Ellipsis]
        for i, t in enumerate(taps):
            shape = [1] * (2 * nd)
            shape[i], shape[nd + i] = t.shape
            placed.append(t.reshape(shape))
        win = x[tuple(placed)]
        win = win.reshape(x.shape[:2] + out + (math.prod(kernel),))
        pick = xp.argmax(win, axis=-1)  # the first maximum, as torch
        if x.dtype.kind == "f" and win.size and bool(xp.isnan(win).any()):
            # torch takes a window's last NaN (every NaN replaces the running maximum)
            last_nan = win.shape[-1] - 1 - xp.argmax(xp.isnan(win)[..., ::-1], axis=-1)
            pick = xp.where(xp.isnan(win).any(axis=-1), last_nan, pick)
        values = xp.take_along_axis(win, pick[..., None], axis=-1)[..., 0]
        picked = unravel(pick, kernel)  # the picked tap's input row and column
        coords = [
            t[xp.arange(o).reshape((-1,) + (1,) * (nd - 1 - i)), k]
            for i, (t, o, k) in enumerate(zip(taps, out, picked))
        ]
        index = ravel(coords, space).astype(xp.int64)
        ctx.index = index
        ctx.mark_non_differentiable(index)
        return values, index

    @staticmethod
    def backward(ctx: Context, grad: Array, _grad_index: Array) -> tuple:
        xp = array_module(ctx.index)
        n, c = ctx.shape[:2]
        plane = math.prod(ctx.shape[2:])
        planes = xp.arange(n * c).reshape((n, c) + (1,) * (len(ctx.shape) - 2)) * plane
        region = IndexRegion(((planes + ctx.index).reshape(-1),))  # each maximum's place: a scatter, then a gather
        out = ScatterRegion.call(grad.reshape((-1,)), region, (n * c * plane,))
        return out.reshape(ctx.shape), None


def _output_size(fn: str, input: Tensor, output_size: Any, dims: int) -> tuple:
    """``output_size`` as a tuple of ``dims`` ints, None taking the input's size, with torch's checks (an empty
    input is max pooling's error here; average pooling checks it after its global-mean case, ``_nonempty``)."""
    if input.ndim not in (dims + 1, dims + 2):
        if dims == 1:
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 'self' (while "
                f"checking arguments for {fn})"
            )
        raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    if "max" in fn:
        _nonempty(fn, input, 1)  # max pooling refuses empty channels too
    size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * dims
    if len(size) != dims:
        if dims == 1:
            raise RuntimeError(f"{fn}() argument 'output_size' should contain one int (got {len(size)})")
        if fn == "adaptive_max_pool2d":
            raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
        raise RuntimeError(f"{fn}: output_size must be 2")
    size = tuple(int(n) if s is None else s for s, n in zip(size, input.shape[-dims:]))
    if not all(is_int(s) for s in size):
        raise TypeError(f"{fn}(): argument 'output_size' must be tuple of ints, not {type(output_size).__name__}")
    if dims == 2 and any(s < 0 for s in size):  # (the 1-d pools are the 2-d ones on a height of 1: their errors)
        if "max" in fn:  # torch's max pooling allocates its output before it looks
            shape = [*input.shape[:-2], *size]
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {next(s for s in shape if s < 0)}: {shape}"
            )
        raise RuntimeError(
            f"{fn}: elements of output_size must be greater than or equal to 0 but received "
            "{" + ", ".join(str(s) for s in size) + "}"
        )
    return tuple(int(s) for s in size)


def _nonempty(fn: str, input: Tensor, first: int) -> None:
    """torch's error for an input empty along a dimension from ``first`` on."""
    for i in range(first, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                f"{list(input.shape)} with dimension {i} being empty"
            )


def _as_batch(input: Tensor) -> Tensor:
    return input if input.ndim == 4 else input.unsqueeze(0)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over the windows that make a (N, C, H, W) or (C, H, W) input ``output_size`` large.

    Args:
        output_size: an int or an (h, w) pair; None in the pair keeps that input size.
    """
    out = _output_size("adaptive_avg_pool2d", input, output_size, 2)
    if out == (1, 1):  # global average pooling, as torch computes it (NaN for an empty plane)
        return input.mean((-2, -1), keepdim=True)
    _nonempty("adaptive_avg_pool2d", input, input.ndim - 2)  # (average pooling accepts empty channels)
    require_floating(input, "adaptive_avg_pool2d")
    x = _as_batch(input)
    xp, dtype = x._xp, x._data.dtype
    a, b = averaging_matrix(xp, x.shape[-2], out[0], dtype), averaging_matrix(xp, x.shape[-1], out[1], dtype)
    res = AdaptiveAvgPool2D.apply(x, a, b)
    return res if input.ndim == 4 else res.squeeze(0)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over the windows that make a (N, C, H, W) or (C, H, W) input ``output_size`` large.

    Args:
        output_size: an int or an (h, w) pair; None in the pair keeps that input size.
        return_indices: also return int64 indices of the maxima, flat within each (H, W) plane.
    """
    out = _output_size("adaptive_max_pool2d", input, output_size, 2)
    require_floating(input, "adaptive_max_pool2d")
    values, index = AdaptiveMaxPool2D.apply(_as_batch(input), out)
    if input.ndim == 3:
        values, index = values.squeeze(0), index.squeeze(0)
    return (values, index) if return_indices else values


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over the windows that make a (N, C, L) or (C, L) input ``output_size`` long.

    Args:
        output_size: an int (or a 1-tuple).
    """
    (n,) = _output_size("adaptive_avg_pool1d", input, output_size, 1)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, n)).squeeze(-2)  # (and 2-d's errors, as torch)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over the windows that make a (N, C, L) or (C, L) input ``output_size`` long.

    Args:
        output_size: an int (or a 1-tuple).
        return_indices: also return the int64 positions of the maxima.
    """
    (n,) = _output_size("adaptive_max_pool1d", input, output_size, 1)
    values, index = adaptive_max_pool2d(input.unsqueeze(-2), (1, n), return_indices=True)
    values, index = values.squeeze(-2), index.squeeze(-2)
    return (values, index) if return_indices else values
