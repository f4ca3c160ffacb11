"""Shape and layout: view, reshape, permute, transpose, squeeze, unsqueeze, expand, flatten,
cat, stack, split, chunk, clone, contiguous, and moves between dtypes and devices."""
from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence

from .. import backend, dtypes
from ..tensor import Tensor
from .base import Op, prepare


def mark_view(out: Tensor, src: Tensor, fn: Callable[[Any], Any]) -> Tensor:
    """Record that ``out`` aliases ``src``: shared version counter and a way back from the base."""
    if not backend.array_module(out._data).may_share_memory(out._data, src._data) and not (
            out._data.size == 0 and _root(out._data) is _root(src._data)):  # empty views share no bytes
        return out
    base = src._base if src._base is not None else src
    out._base = base
    if src._view_fn is None:
        out._view_fn = fn
    else:
        prev = src._view_fn
        out._view_fn = lambda a: fn(prev(a))
    out._version = src._version
    out._multi_view = getattr(src, "_multi_view", None)  # (output_nr, op) of a split piece it comes from
    return out


def _root(a: Any) -> Any:
    """The array that owns ``a``'s memory (``a`` itself when it owns it)."""
    while backend.is_array(getattr(a, "base", None)):
        a = a.base
    return a


def _infer_shape(shape: Sequence[int], numel: int) -> tuple:
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
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
    def forward(ctx: Any, x: Any, shape: tuple, must_view: bool) -> Any:
        ctx.shape = x.shape
        try:
            return backend.reshape_view(x, shape)
        except (ValueError, AttributeError):
            if must_view:
                raise RuntimeError("view size is not compatible with input tensor's size and stride (at least "
                                   "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                                   "instead.") from None
            return x.reshape(shape)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return grad.reshape(ctx.shape), None, None


def view(input: Tensor, *shape: Any) -> Tensor:
    """The same data with another shape; never copies (error when the layout does not allow it)."""
    if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
        raise NotImplementedError("view(dtype) reinterpretation is not supported")
    target = _infer_shape(_shape_args(shape), input.numel())
    return mark_view(Reshape.apply(input, target, True), input, lambda a: a.reshape(target))


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements with another shape: a view when possible, else a copy."""
    target = _infer_shape(_shape_args(shape), input.numel())
    return mark_view(Reshape.apply(input, target, False), input, lambda a: a.reshape(target))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` into one."""
    if input.ndim == 0:
        return reshape(input, (1,))
    s, e = input._wrap_dim(start_dim), input._wrap_dim(end_dim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shp = input.shape
    return reshape(input, shp[:s] + (math.prod(shp[s:e + 1]),) + shp[e + 1:])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    d = input._wrap_dim(dim)
    shp = input.shape
    return reshape(input, tuple(shp[:d]) + tuple(sizes) + tuple(shp[d + 1:]))


class Permute(Op):
    """Reorder dimensions."""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple) -> Any:
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.transpose(inverse), None


class Transpose(Permute):
    """Swap two dimensions."""


class T(Permute):
    """Transpose of a matrix (``t()``)."""

    node_name = "TBackward0"


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions (a view)."""
    dims = tuple(input._wrap_dim(d) for d in _shape_args(dims))
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
                           f"equal to len(dims) = {len(dims)}")
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return mark_view(Permute.apply(input, dims), input, lambda a: a.transpose(dims))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1`` (a view)."""
    d0, d1 = input._wrap_dim(dim0), input._wrap_dim(dim1)
    dims = list(range(input.ndim))
    if dims:  # a 0-d tensor accepts dims 0 and -1 and stays as it is
        dims[d0], dims[d1] = dims[d1], dims[d0]
    dims = tuple(dims)
    return mark_view(Transpose.apply(input, dims), input, lambda a: a.transpose(dims))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dimensions."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    dims = tuple(range(input.ndim))[::-1]
    return mark_view(T.apply(input, dims), input, lambda a: a.transpose(dims))


class Squeeze(Op):
    """Drop size-1 dimensions."""

    @staticmethod
    def forward(ctx: Any, x: Any, shape: tuple) -> Any:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
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
    def forward(ctx: Any, x: Any, shape: tuple) -> Any:
        if math.prod(shape) == x.size:  # only size-1 dims added: a writable view, as torch allows writes
            return x.reshape(shape)
        return backend.array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return grad, None


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """View with size-1 dimensions repeated to ``sizes`` (-1 keeps a dimension)."""
    sizes = tuple(int(s) for s in _shape_args(sizes))
    if len(sizes) < input.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(input.shape)}}}, size={list(sizes)}): the number of "
                           f"sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({input.ndim})")
    lead = len(sizes) - input.ndim
    target = []
    for i, s in enumerate(sizes):
        cur = input.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(input.shape)}")
        target.append(s)
    target = tuple(target)
    if target == tuple(input.shape):
        return mark_view(Expand.apply(input, target), input, lambda a: a)
    return mark_view(Expand.apply(input, target), input,
                     lambda a: backend.array_module(a).broadcast_to(a, target))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, tuple(other.shape))


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    return expand(input, tuple(shape))


class Cat(Op):
    """Concatenate along one dimension."""

    @staticmethod
    def forward(ctx: Any, *arrays: Any, axis: int) -> Any:
        parts = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)] or list(arrays)
        ctx.axis = axis
        # A skipped legacy empty input (None here) gets an empty gradient of its own shape.
        ctx.sizes = [a.shape[axis] if any(a is p for p in parts) else None for a in arrays]
        xp = backend.array_module(*arrays)
        return xp.ascontiguousarray(xp.concatenate(parts, axis=axis))  # numpy keeps F order; torch makes C

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        out, start = [], 0
        for n in ctx.sizes:
            if n is None:
                out.append(backend.array_module(grad).zeros((0,), dtype=grad.dtype))
                continue
            idx = [slice(None)] * grad.ndim
            idx[ctx.axis] = slice(start, start + n)
            out.append(grad[tuple(idx)])
            start += n
        return tuple(out)


def _tensor_list(name: str, tensors: Sequence[Tensor]) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        if name == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"torch.{name}(): expected a non-empty list of Tensors")
    return tensors


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Optional[Tensor] = None) -> Tensor:
    """Join tensors along an existing dimension."""
    tensors = _tensor_list("cat", tensors)
    *cast, dt = prepare(*tensors)
    # 1-D empty tensors are skipped, as torch does for legacy reasons.
    real = [t for t in cast if not (t.ndim == 1 and t.shape[0] == 0)] or cast
    ref = real[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = ref._wrap_dim(dim)
    for i, t in enumerate(cast):
        if t.ndim == 1 and t.shape[0] == 0 and ref.ndim != 1:
            continue
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for d in range(ref.ndim):
            if d != axis and t.shape[d] != ref.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. Expected size "
                                   f"{ref.shape[d]} but got size {t.shape[d]} for tensor number {i} in the list.")
    res = Cat.apply(*cast, axis=axis)
    return res if out is None else out.copy_(res)


concat = concatenate = cat


class Stack(Op):
    """Join equal-shaped arrays along a new axis."""

    @staticmethod
    def forward(ctx: Any, *arrays: Any, axis: int) -> Any:
        ctx.axis = axis
        xp = backend.array_module(*arrays)
        return xp.ascontiguousarray(xp.stack(arrays, axis=axis))  # torch's stack is C-contiguous

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        xp = backend.array_module(grad)
        return tuple(xp.take(grad, i, axis=ctx.axis) for i in range(grad.shape[ctx.axis]))


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Optional[Tensor] = None) -> Tensor:
    """Join tensors of equal shape along a new dimension."""
    tensors = _tensor_list("stack", tensors)
    first = tensors[0]
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(first.shape):
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first.shape)} at entry "
                               f"0 and {list(t.shape)} at entry {i}")
    d = first._wrap_dim(dim, extra=1)
    *cast, _ = prepare(*tensors)
    res = Stack.apply(*cast, axis=d)
    return res if out is None else out.copy_(res)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat([t if t.ndim > 1 else unsqueeze(t, 0) for t in tensors], 0)


class Split(Op):
    """Cut one dimension into consecutive pieces (views)."""

    @staticmethod
    def forward(ctx: Any, x: Any, axis: int, bounds: tuple) -> tuple:
        ctx.axis, ctx.shape = axis, x.shape
        ctx.bounds = bounds
        pieces = []
        for lo, hi in bounds:
            idx = [slice(None)] * x.ndim
            idx[axis] = slice(lo, hi)
            pieces.append(x[tuple(idx)])
        return tuple(pieces)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple:
        xp = backend.array_module(*grads)
        return xp.concatenate(grads, axis=ctx.axis), None, None


class SplitWithSizes(Split):
    """``split`` with an explicit list of sizes."""


def _pieces(input: Tensor, axis: int, bounds: list, cls: type) -> tuple:
    outs = cls.apply(input, axis, tuple(bounds))
    views = []
    for (lo, hi), o in zip(bounds, outs if isinstance(outs, tuple) else (outs,)):
        def fn(a: Any, lo: int = lo, hi: int = hi) -> Any:
            idx = [slice(None)] * a.ndim
            idx[axis] = slice(lo, hi)
            return a[tuple(idx)]
        views.append(mark_view(o, input, fn))
        if views[-1]._base is not None:
            views[-1]._multi_view = (len(views) - 1, cls.__name__)
    return tuple(views)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    axis = tensor._wrap_dim(dim)
    n = tensor.shape[axis]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and n > 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        starts = range(0, n, size) if size > 0 and n > 0 else [0]  # an empty dim still gives one piece
        bounds = [(s, min(s + size, n)) for s in starts]
        return _pieces(tensor, axis, bounds, Split)
    sizes = [int(s) for s in split_size_or_sections]
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {dim}), but got split_sizes={sizes}")
    bounds, start = [], 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    return _pieces(tensor, axis, bounds, SplitWithSizes)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input.shape[input._wrap_dim(dim)]
    if n == 0:  # torch gives ``chunks`` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Slices along ``dim``, each without that dimension."""
    if input.shape[input._wrap_dim(dim)] == 0:
        return ()
    return tuple(squeeze(p, dim) for p in split(input, 1, dim))


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The view of ``length`` entries of ``dim`` from ``start`` (which may be negative)."""
    d = input._wrap_dim(dim)
    n = input.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    start = start + n if start < 0 else start
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    idx = [slice(None)] * input.ndim
    idx[d] = slice(start, start + length)
    return input[tuple(idx)]


class Clone(Op):
    """A copy with its own memory: ``order="K"`` keeps the layout (torch's clone), ``"C"`` is contiguous."""

    @staticmethod
    def forward(ctx: Any, x: Any, order: str = "K") -> Any:
        return x.copy(order=order)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
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
    def forward(ctx: Any, x: Any, target: Any) -> Any:
        ctx.source = backend.device_of(x)
        return backend.to_device(x, target)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return backend.to_device(grad, ctx.source), None


def to_device(input: Tensor, target: backend.device) -> Tensor:
    """``input`` on device ``target`` (itself when already there)."""
    if input.device == target or (target.type == input.device.type and target.index is None):
        return input
    backend.module_for_device(target)  # raises a clear error when the device is unavailable
    return ToDevice.apply(input, target)


class Flip(Op):
    """Reverse the order of elements along some axes (a copy, as in torch)."""

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple) -> Any:
        ctx.axes = axes
        return backend.array_module(x).flip(x, axis=axes).copy(order="K")  # keeps the layout, as torch

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return backend.array_module(grad).flip(grad, axis=ctx.axes), None


def flip(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Reverse the order of elements along ``dims``."""
    axes = tuple(input._wrap_dim(d) for d in ((dims,) if isinstance(dims, int) else dims))
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
    return Flip.apply(input, axes)


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Tile the tensor ``sizes`` times along each dimension."""
    sizes = _shape_args(sizes)
    x = input
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    if len(sizes) > x.ndim:
        x = reshape(x, (1,) * (len(sizes) - x.ndim) + tuple(x.shape))
    # Tile through expand on interleaved size-1 dims, then merge: gradients flow via Expand.
    inter, target = [], []
    for r, s in zip(sizes, x.shape):
        inter += [1, s]
        target += [r, s]
    tiled = expand(reshape(x, tuple(inter)), tuple(target))
    out = reshape(tiled, tuple(r * s for r, s in zip(sizes, x.shape)))
    return out if out._base is None else clone(out)  # repeat always copies, as in torch
