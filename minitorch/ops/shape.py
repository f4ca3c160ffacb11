"""Shape and layout: view, reshape, permute, transpose, squeeze, unsqueeze, expand, flatten,
clone, contiguous, flip, repeat, and moves between devices (joining and splitting: join.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array, backend_of
from ..tensor import Tensor
from .base import Op, namespace_of

__all__ = [
    "broadcast_to",
    "clone",
    "contiguous",
    "expand",
    "expand_as",
    "flatten",
    "flip",
    "permute",
    "repeat",
    "reshape",
    "squeeze",
    "swapaxes",
    "swapdims",
    "t",
    "to_device",
    "transpose",
    "unflatten",
    "unsqueeze",
    "view",
]


def mark_view(out: Tensor, src: Tensor, fn: Callable[[Any], Any], known: bool = False) -> Tensor:
    """Record that ``out`` aliases ``src``: shared version counter and a way back from the base.

    ``known``: the op always returns a view (transposes, reshapes of contiguous data), so the
    memory-overlap test is skipped.
    """
    if (
        not known
        and not backend.array_module(out._data).may_share_memory(out._data, src._data)
        and not (out._data.size == 0 and _root(out._data) is _root(src._data))
    ):  # empty views share no bytes
        return out
    base = src._base if src._base is not None else src
    out._base = base
    if src._view_fn is None:
        out._view_fn = fn
    else:
        prev = src._view_fn
        out._view_fn = lambda a: fn(prev(a))
    out._counter = src._counter
    if src._multi_view is not None:  # (output_nr, op) of a split piece it comes from
        out._multi_view = src._multi_view
    return out


def _root(a: Any) -> Any:
    """The array that owns ``a``'s memory (``a`` itself when it owns it)."""
    while backend.is_array(getattr(a, "base", None)):
        a = a.base
    return a


def _infer_shape(shape: Sequence[int], numel: int) -> tuple:
    if type(shape) is tuple and all(type(s) is int and s >= 0 for s in shape) and math.prod(shape) == numel:
        return shape  # the common, fully given shape
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _shape_args(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


class Reshape(Op):
    """A new shape for the same elements."""

    node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, shape: tuple, must_view: bool) -> Array:
        ctx.shape = x.shape
        if x.flags.c_contiguous:  # always a view
            return x.reshape(shape)
        try:
            return backend_of(x).reshape_view(x, shape)
        except (ValueError, AttributeError):
            if must_view:
                raise RuntimeError(
                    "view size is not compatible with input tensor's size and stride (at least "
                    "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                    "instead."
                ) from None
            return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad.reshape(ctx.shape), None, None


def view(input: Tensor, *shape: Any) -> Tensor:
    """The same data with another shape; never copies (error when the layout does not allow it)."""
    if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
        raise NotImplementedError("view(dtype) reinterpretation is not supported")
    target = _infer_shape(_shape_args(shape), input.numel())
    return mark_view(Reshape.apply(input, target, True), input, lambda a: a.reshape(target))


class UnsafeView(Reshape):
    """The reshape of a fresh contiguous copy (what reshape does when no view is possible, as in torch)."""

    node_name = "UnsafeViewBackward0"


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements with another shape: a view when possible, else a copy."""
    target = _infer_shape(_shape_args(shape), input._data.size)
    if not input._data.flags.c_contiguous:  # contiguous data always reshapes to a view
        try:
            backend_of(input._data).reshape_view(input._data, target)  # only asks whether a view is possible
        except (ValueError, AttributeError):
            # torch's graph for it: a contiguous clone, then an unsafe view of that clone (not a view of input)
            return UnsafeView.apply(Clone.apply(input, "C"), target, True)
    return mark_view(Reshape.apply(input, target, True), input, lambda a: a.reshape(target), True)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` into one."""
    shp = input._data.shape
    s, e = input._wrap_dim(start_dim), input._wrap_dim(end_dim)  # a 0-d tensor takes dims 0 and -1 only
    if not shp:
        return reshape(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    return reshape(input, shp[:s] + (math.prod(shp[s : e + 1]),) + shp[e + 1 :])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    d = input._wrap_dim(dim)
    shp = input.shape
    return reshape(input, tuple(shp[:d]) + tuple(sizes) + tuple(shp[d + 1 :]))


class Permute(Op):
    """Reorder dimensions."""

    @staticmethod
    def forward(ctx: Context, x: Array, dims: tuple) -> Array:
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if ctx.dims == (1, 0):  # a matrix transpose (every linear layer's weight): .T on arrays and tensors alike
            return grad.T, None
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return namespace_of(grad).transpose(grad, tuple(inverse)), None


class Transpose(Permute):
    """Swap two dimensions."""


class T(Permute):
    """Transpose of a matrix (``t()``)."""

    node_name = "TBackward0"


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions (a view)."""
    dims = tuple(input._wrap_dim(d) for d in _shape_args(dims))
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return mark_view(Permute.apply(input, dims), input, lambda a: a.transpose(dims), True)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1`` (a view)."""
    d0, d1 = input._wrap_dim(dim0), input._wrap_dim(dim1)
    order = list(range(input.ndim))
    if order:  # a 0-d tensor accepts dims 0 and -1 and stays as it is
        order[d0], order[d1] = order[d1], order[d0]
    dims = tuple(order)
    return mark_view(Transpose.apply(input, dims), input, lambda a: a.transpose(dims), True)


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dimensions."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    dims = tuple(range(input.ndim))[::-1]
    return mark_view(T.apply(input, dims), input, lambda a: a.transpose(dims), True)


class Squeeze(Op):
    """Drop size-1 dimensions."""

    @staticmethod
    def forward(ctx: Context, x: Array, shape: tuple) -> Array:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad.reshape(ctx.shape), None


class SqueezeDim(Squeeze):
    """Drop the given size-1 dimensions."""

    node_name = "SqueezeBackward1"


class Unsqueeze(Squeeze):
    """Insert a size-1 dimension."""


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove size-1 dimensions (all, or those in ``dim``; others are left alone)."""
    shp = input.shape
    if dim is None:
        target, cls = tuple(s for s in shp if s != 1), Squeeze
    else:
        dims = {input._wrap_dim(d) for d in ((dim,) if isinstance(dim, int) else dim)} if shp else set()
        target, cls = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1)), SqueezeDim
    return mark_view(cls.apply(input, target), input, lambda a: a.reshape(target))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim``."""
    d = input._wrap_dim(dim, extra=1)
    shp = tuple(input.shape)
    target = shp[:d] + (1,) + shp[d:]
    return mark_view(Unsqueeze.apply(input, target), input, lambda a: a.reshape(target))


class Expand(Op):
    """Broadcast to a larger shape without copying; the engine sums the gradient back."""

    @staticmethod
    def forward(ctx: Context, x: Array, shape: tuple) -> Array:
        if math.prod(shape) == x.size:  # only size-1 dims added: a writable view, as torch allows writes
            return x.reshape(shape)
        return backend.array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad, None


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """View with size-1 dimensions repeated to ``sizes`` (-1 keeps a dimension)."""
    sizes = tuple(int(s) for s in _shape_args(sizes))
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(input.shape)}}}, size={list(sizes)}): the number of "
            f"sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions "
            f"in the tensor ({input.ndim})"
        )
    lead = len(sizes) - input.ndim
    sized = []
    for i, s in enumerate(sizes):
        cur = input.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}"
                )
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(input.shape)}"
            )
        sized.append(s)
    target = tuple(sized)
    if target == tuple(input.shape):
        return mark_view(Expand.apply(input, target), input, lambda a: a)
    return mark_view(Expand.apply(input, target), input, lambda a: backend.array_module(a).broadcast_to(a, target))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, tuple(other.shape))


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    return expand(input, tuple(shape))


class Clone(Op):
    """A copy with its own memory: ``order="K"`` keeps the layout (torch's clone), ``"C"`` is contiguous."""

    @staticmethod
    def forward(ctx: Context, x: Array, order: Literal["K", "C"] = "K") -> Array:
        return x.copy(order=order)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad, None


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of ``input`` that stays in the graph."""
    return Clone.apply(input)


def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """``input`` itself when C-contiguous, else a contiguous copy."""
    return input if input._data.flags.c_contiguous else Clone.apply(input, "C")


class ToDevice(Op):
    """Copy to another device; the gradient is copied back."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, target: backend.device) -> Array:
        ctx.source = backend.device_of(x)
        return backend.to_device(x, target)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ToDevice.call(grad, ctx.source), None


def to_device(input: Tensor, target: backend.device) -> Tensor:
    """``input`` on device ``target`` (itself when already there)."""
    if input.device == target or (target.type == input.device.type and target.index is None):
        return input
    backend.module_for_device(target)  # raises a clear error when the device is unavailable
    return ToDevice.apply(input, target)


class Flip(Op):
    """Reverse the order of elements along some axes (a copy, as in torch)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axes: tuple) -> Array:
        ctx.axes = axes
        return backend.array_module(x).flip(x, axis=axes).copy(order="K")  # keeps the layout, as torch

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return namespace_of(grad).flip(grad, axis=ctx.axes), None


def flip(input: Tensor, *dims: Any) -> Tensor:
    """Reverse the order of elements along ``dims`` (a sequence, or the dims themselves: ``x.flip(0, 1)``)."""
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = tuple(dims[0])
    axes = tuple(input._wrap_dim(d) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
    return Flip.apply(input, axes)


class Repeat(Op):
    """Tile ``x`` ``reps`` times along each dimension (leading new dimensions included); always a copy."""

    @staticmethod
    def forward(ctx: Context, x: Array, reps: tuple) -> Array:
        ctx.shape, ctx.reps = x.shape, reps
        full = (1,) * (len(reps) - x.ndim) + x.shape
        return backend.array_module(x).tile(x.reshape(full), reps)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        full = (1,) * (len(ctx.reps) - len(ctx.shape)) + ctx.shape
        split = []
        for r, s in zip(ctx.reps, full):
            split += [r, s]
        # (r0, s0, r1, s1, ...): summing the r axes adds up every tile's gradient
        summed = namespace_of(grad).sum(grad.reshape(tuple(split)), axis=tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.shape), None


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Tile the tensor ``sizes`` times along each dimension."""
    sizes = _shape_args(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    full = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    target = [r * s for r, s in zip(sizes, full)]
    if any(r < 0 for r in sizes):
        bad = next((t for t in target if t < 0), min(sizes))
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {target}")
    return Repeat.apply(input, tuple(sizes))
