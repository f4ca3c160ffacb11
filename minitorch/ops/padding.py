"""Padding of trailing dimensions: constant (any number of dims, negative pads crop), reflect, replicate, circular.

Constant padding copies the input into a filled array (its gradient is the matching
slice). The other modes read every output position from a source index per padded
dimension, so their gradient sums over those indices: a product with the 0/1
matrix of the index map, one per dimension, instead of a scatter loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, array_of, matrix_product, namespace_of
from .regions import BasicRegion, ReadRegion, ScatterRegion

__all__ = ["pad"]


class ConstantPadNd(Op):
    """``x`` placed in an array filled with ``value``; negative pads crop."""

    @staticmethod
    def forward(ctx: Context, x: Array, pads: tuple, value: Any) -> Array:
        xp = backend.array_module(x)
        lead = x.ndim - len(pads)
        shape = x.shape[:lead] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[lead:], pads))
        if any(n < 0 for n in shape):
            raise RuntimeError("narrow(): length must be non-negative.")
        out = xp.full(shape, value, dtype=x.dtype)
        dst, src = _regions(x.shape[lead:], pads)
        out[(Ellipsis, *dst)] = x[(Ellipsis, *src)]
        ctx.shape, ctx.regions = x.shape, (dst, src)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        dst, src = ctx.regions
        kept = ReadRegion.call(grad, BasicRegion((Ellipsis, *dst)))
        return ScatterRegion.call(kept, BasicRegion((Ellipsis, *src)), ctx.shape), None, None


def _regions(sizes: tuple, pads: tuple) -> tuple:
    """Slices of the output and of the input that hold the same elements."""
    dst, src = [], []
    for n, (lo, hi) in zip(sizes, pads):
        src.append(slice(max(0, -lo), n - max(0, -hi)))
        dst.append(slice(max(0, lo), max(0, lo) + max(0, n - max(0, -lo) - max(0, -hi))))
    return dst, src


def source_index(xp: Any, n: int, lo: int, hi: int, mode: str) -> Any:
    """For each output position along one dim, the input position it reads in ``mode``."""
    i = xp.arange(-lo, n + hi)
    if mode == "reflect":
        return (n - 1) - xp.abs((n - 1) - xp.abs(i))
    if mode == "replicate":
        return xp.clip(i, 0, n - 1)
    return i % n  # circular


class IndexPadNd(Op):
    """Reflect, replicate or circular padding: each padded dim gathers from a source index."""

    @staticmethod
    def forward(ctx: Context, x: Array, pads: tuple, mode: str) -> Array:
        xp = backend.array_module(x)
        lead = x.ndim - len(pads)
        index = [source_index(xp, x.shape[lead + i], lo, hi, mode) for i, (lo, hi) in enumerate(pads)]
        ctx.lead, ctx.index, ctx.in_sizes = lead, index, x.shape[lead:]
        for i, idx in enumerate(index):
            x = xp.take(x, idx, axis=lead + i)
        return x

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        xp = namespace_of(grad)
        for i, (idx, n) in enumerate(zip(ctx.index, ctx.in_sizes)):
            axis = ctx.lead + i
            gather = (idx[:, None] == backend.array_module(idx).arange(n)).astype(array_of(grad).dtype)
            grad = xp.moveaxis(matrix_product(xp.moveaxis(grad, axis, -1), gather), -1, axis)
        return grad, None, None


# One subclass per mode and number of padded dims, for torch's node names (ReflectionPad2DBackward0, ...);
# torch builds circular padding from slices, so its node is CopySlices.
_INDEX_PADS: dict[tuple[str, int], type[Op]] = {
    (mode, k): type(
        f"{name}Pad{k}D",
        (IndexPadNd,),
        {"__doc__": f"{mode} padding of the last {k} dims.", "node_name": "CopySlices" if mode == "circular" else None},
    )
    for mode, name in (("reflect", "Reflection"), ("replicate", "Replication"), ("circular", "Circular"))
    for k in (1, 2, 3)
}

_COMBINATIONS = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad trailing dims, as ``torch.nn.functional.pad``.

    Args:
        input: any tensor (reflect/replicate/circular: 2-D to 5-D, padding 1 to 3 trailing dims).
        pad: (before, after) pairs, the last dim's first; negative amounts crop.
        mode: 'constant', 'reflect' (mirror without repeating the edge), 'replicate' (repeat the edge)
            or 'circular' (wrap around).
        value: the fill for 'constant' (default 0).
    """
    if value is not None and not (isinstance(value, dtypes.REAL_SCALARS)):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not {type(value).__name__}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {input.ndim}"
        )
    pairs = tuple((pad[i], pad[i + 1]) for i in range(0, len(pad), 2))[::-1]  # first padded dim first
    if mode == "constant":
        fill = 0
        if value is not None and any(p > 0 for p in pad):  # torch reads the value as a double, then fills
            fill = dtypes.cast_scalar(float(value), input.dtype)
        return ConstantPadNd.apply(input, pairs, fill)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pairs)
    if not 1 <= k <= 3 or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n" + _COMBINATIONS
        )
    sizes = input.shape[input.ndim - k :]
    for i, ((lo, hi), n) in enumerate(zip(pairs, sizes)):
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"Argument #{4 + 2 * (k - 1 - i)}: Padding size should be less than the corresponding "
                f"input dimension, but got: padding ({lo}, {hi}) at dimension "
                f"{input.ndim - k + i} of input {list(input.shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + lo + hi < 0 or n == 0:
            raise RuntimeError(f"input (W: {n}) is too small. Calculated output W: {n + lo + hi}")
    if autocast_mode.enabled_threads and autocast_mode.state.casting:  # one Function: casting the input suffices
        input = autocast_mode.cast(f"pad_{mode}", input)
    return _INDEX_PADS[mode, k].apply(input, pairs, mode)
