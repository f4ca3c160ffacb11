"""Moving elements around: roll, rot90, movedim/moveaxis, fliplr/flipud, tile, repeat_interleave, meshgrid,
take_along_dim, take, masked_select, select, ravel, broadcast_tensors and broadcast_shapes, atleast_1d/2d/3d,
pixel_shuffle and pixel_unshuffle, adjoint.

All but ``roll`` and ``rot90`` are compositions of the shape and index ops (as in torch, whose nodes they record).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array
from ..size import Size
from ..tensor import Tensor
from .base import Op, broadcast_shape, check_broadcast
from .index import gather, index_select
from .shape import contiguous, expand, flip, permute, repeat, reshape, transpose, view

__all__ = [
    "adjoint",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_shapes",
    "broadcast_tensors",
    "fliplr",
    "flipud",
    "masked_select",
    "meshgrid",
    "moveaxis",
    "movedim",
    "pixel_shuffle",
    "pixel_unshuffle",
    "repeat_interleave",
    "roll",
    "rot90",
    "take",
    "take_along_dim",
    "ravel",
    "select",
    "tile",
]


class Roll(Op):
    """Shift elements along axes, wrapping around (axes None: the flattened tensor); the gradient shifts back."""

    @staticmethod
    def forward(ctx: Context, x: Array, shifts: tuple, axes: tuple | None) -> Array:
        ctx.shifts, ctx.axes = shifts, axes
        xp = backend.array_module(x)
        return xp.roll(x, shifts[0] if axes is None else shifts, axis=axes)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return Roll.call(grad, tuple(-s for s in ctx.shifts), ctx.axes), None, None  # rolled back


class Rot90(Op):
    """A quarter turn ``k`` times in the plane of two dims, from the first towards the second (a copy)."""

    @staticmethod
    def forward(ctx: Context, x: Array, k: int, dims: tuple) -> Array:
        ctx.k, ctx.dims = k, dims
        xp = backend.array_module(x)
        return xp.ascontiguousarray(xp.rot90(x, k, axes=dims))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if isinstance(grad, Tensor):  # create_graph: the turn back, recorded
            return rot90(grad, -ctx.k, ctx.dims), None, None
        xp = backend.array_module(grad)
        return xp.ascontiguousarray(xp.rot90(grad, -ctx.k, axes=ctx.dims)), None, None


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """``input`` turned by ``k`` quarter turns in the plane of ``dims``, from the first dim towards the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    a, b = input._wrap_dim(dims[0]), input._wrap_dim(dims[1])
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}")
    return Rot90.apply(input, int(k) % 4, (a, b))


def _ints(v: Any) -> tuple:
    return (v,) if isinstance(v, int) else tuple(v)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """``input`` shifted by ``shifts`` along ``dims`` (elements leaving one end come back at the other).

    Args:
        shifts: an int, or one per dimension in ``dims``.
        dims: the dimensions (None: the flattened tensor, shape kept).
    """
    shifts = _ints(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts, None)
    dims = _ints(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return Roll.apply(input, shifts, tuple(input._wrap_dim(d) for d in dims))


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """``input`` with the dimensions ``source`` moved to the positions ``destination`` (a view)."""
    src, dst = _ints(source), _ints(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same "
            f"number of dims as destination ({list(dst)} dims)"
        )
    src = tuple(input._wrap_dim(d) for d in src)
    dst = tuple(input._wrap_dim(d) for d in dst)
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


def fliplr(input: Tensor) -> Tensor:
    """``input`` with its columns (dimension 1) in reverse order."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """``input`` with its rows (dimension 0) in reverse order."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``input`` repeated ``dims`` times along each dimension (missing leading counts are 1)."""
    dims = _ints(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *, output_size: Any = None) -> Tensor:
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place; a 1-dim integer tensor alone
    gives each index repeated its own value times.

    Args:
        repeats: an int, or a tensor with one count per slice along ``dim``.
        dim: the dimension (None: the flattened tensor).
        output_size: accepted for torch's signature (the total length, which minitorch computes itself).
    """
    if repeats is None:  # repeat_interleave(counts): each position its own count of times
        counts = input
        return repeat_interleave(Tensor._wrap(input._xp.arange(counts.shape[0] if counts.ndim else 1)), counts, 0)
    x = reshape(input, (-1,)) if dim is None else input
    axis = 0 if dim is None else x._wrap_dim(dim)
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        if repeats.ndim != 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats.shape[0] != x.shape[axis]:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{repeats.shape[0]} and input.size({axis}) = {x.shape[axis]}"
            )
        xp = repeats._xp
        index = xp.repeat(xp.arange(x.shape[axis]), repeats._data)
        return index_select(x, axis, Tensor._wrap(index))
    n = int(repeats.item() if isinstance(repeats, Tensor) else repeats)
    if n < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = tuple(x.shape)
    spread = expand(
        reshape(x, shape[: axis + 1] + (1,) + shape[axis + 1 :]), shape[: axis + 1] + (n,) + shape[axis + 1 :]
    )
    return reshape(spread, shape[:axis] + (shape[axis] * n,) + shape[axis + 1 :])


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids: one tensor per input (0- or 1-dim), each spread over all the inputs' lengths (views).

    Args:
        indexing: ``'ij'`` (matrix indexing, the default) or ``'xy'`` (the first two dimensions swapped).
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    lengths = tuple(t.numel() for t in order)
    grids = []
    for i, t in enumerate(order):
        shape = tuple(n if j == i else 1 for j, n in enumerate(lengths))
        grids.append(expand(reshape(t, shape), lengths))
    if swap:  # 'xy': the first two inputs swapped before, and their grids after (torch's recipe)
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of ``input`` at ``indices`` along ``dim`` (both broadcast apart from ``dim``; None: the flattened
    tensor), as ``gather`` picks them."""
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {indices.dtype._scalar_name}"
        )
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    axis = input._wrap_dim(dim)
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{input.ndim} dimensions for input, and {indices.ndim} dimensions for indices"
        )
    rest_x = tuple(n for d, n in enumerate(input.shape) if d != axis)
    rest_i = tuple(n for d, n in enumerate(indices.shape) if d != axis)
    check_broadcast(SimpleNamespace(shape=rest_x), SimpleNamespace(shape=rest_i))
    common = list(broadcast_shape(rest_x, rest_i))
    x_shape = tuple(common[:axis]) + (input.shape[axis],) + tuple(common[axis:])
    i_shape = tuple(common[:axis]) + (indices.shape[axis],) + tuple(common[axis:])
    x = expand(input, x_shape) if x_shape != tuple(input.shape) else input
    i = expand(indices, i_shape) if i_shape != tuple(indices.shape) else indices
    return gather(x, axis, i)


def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of the flattened ``input`` at ``index`` (in ``index``'s shape; negative counts from the end)."""
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype._scalar_name}")
    n = input.numel()
    flat = index._data
    bad = flat[(flat < -n) | (flat >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad.reshape(-1)[0])} on a tensor of {n} elements.")
    return reshape(
        index_select(reshape(input, (-1,)), 0, Tensor._wrap(flat.reshape(-1) % max(n, 1))), tuple(index.shape)
    )


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` (broadcast together with it) is True, as a 1-dim tensor."""
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    check_broadcast(mask, input)
    shape = broadcast_shape(tuple(input.shape), tuple(mask.shape))
    x = expand(input, shape) if tuple(input.shape) != shape else input
    m = expand(mask, shape) if tuple(mask.shape) != shape else mask
    return x[m]


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dim removed (a view: ``input[..., index, ...]``)."""
    axis = input._wrap_dim(dim)
    size = input.shape[axis]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {dim}"
        )
    return input[(slice(None),) * axis + (index,)]


def ravel(input: Tensor) -> Tensor:
    """The elements as one dimension: a view of the contiguous layout (a copy first when it is not), as torch's."""
    return view(contiguous(input), (-1,))


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape tensors of ``shapes`` (ints or sequences of ints) broadcast to, with torch's error where they do
    not."""
    sizes = [(int(s),) if isinstance(s, int) else tuple(int(n) for n in s) for s in shapes]
    for index, shape in enumerate(sizes):  # torch names the first argument that does not fit the ones before it
        so_far = broadcast_shape(*sizes[:index])
        for k in range(1, min(len(shape), len(so_far)) + 1):
            if shape[-k] != 1 and so_far[-k] != 1 and shape[-k] != so_far[-k]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {shape[-k]} at {-k}! Mismatching argument at "
                    f"index {index} had {shape}; but expected shape should be broadcastable to {list(so_far)}"
                )
    return Size(broadcast_shape(*sizes))


def broadcast_tensors(*tensors: Tensor) -> tuple:
    """The tensors expanded to their common broadcast shape (views)."""
    if len(tensors) > 1:
        check_broadcast(*tensors)
    shape = broadcast_shape(*(tuple(t.shape) for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def _atleast(shape_of: Any, tensors: tuple) -> Any:
    """Each tensor reshaped by ``shape_of``: one tensor for one argument, else a tuple (as torch's)."""
    many = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = tuple(t if tuple(t.shape) == shape_of(tuple(t.shape)) else reshape(t, shape_of(tuple(t.shape))) for t in many)
    return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) else out


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dimension (a 0-d one becomes shape (1,))."""
    return _atleast(lambda s: s or (1,), tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dimensions (leading ones added)."""
    return _atleast(lambda s: (1,) * (2 - len(s)) + s if len(s) < 2 else s, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least three dimensions, as numpy's: (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast(lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s), s), tensors)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r): each group of r^2 channels becomes an r x r block of pixels."""
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with {input.ndim} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    n = len(lead)
    x = reshape(input, (*lead, c // (r * r), r, r, h, w))
    x = permute(x, (*range(n), n, n + 3, n + 1, n + 4, n + 2))  # (*, C, H, r, W, r)
    return reshape(x, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W): pixel_shuffle undone."""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(
            f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with {input.ndim} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    for name, size, dim in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but input.size({dim})={size} "
                f"is not divisible by {r}"
            )
    n = len(lead)
    x = reshape(input, (*lead, c, h // r, r, w // r, r))
    x = permute(x, (*range(n), n, n + 2, n + 4, n + 1, n + 3))  # (*, C, r, r, H, W)
    return reshape(x, (*lead, c * r * r, h // r, w // r))


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims, a view (real tensors: the transpose)."""
    if input.ndim < 2:
        raise RuntimeError(
            f"tensor.adjoint() is only supported on matrices or batches of matrices. Got {input.ndim}-D tensor."
        )
    return transpose(input, -2, -1)
