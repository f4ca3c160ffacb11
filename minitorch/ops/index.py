"""Indexing: reading (``x[idx]``), writing (``x[idx] = v``) and in-place writes through views."""
from __future__ import annotations

from typing import Any, Callable

from .. import backend, dtypes
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .base import Op, as_tensor, check_broadcast, prepare, to_dtype
from .shape import mark_view


def _convert_index(index: Any, x: Tensor) -> tuple:
    """Turn tensors and lists inside an index into arrays; say whether it is basic (a view)."""
    items = index if isinstance(index, tuple) else (index,)
    out, basic = [], True
    for it in items:
        if isinstance(it, Tensor):
            if it.device != x.device:
                raise RuntimeError(f"indices should be either on cpu or on the same device as the indexed "
                                   f"tensor ({x.device})")
            if it.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            it = it._data
            basic = False
        elif isinstance(it, (list,)) or backend.is_array(it):
            it = backend.array_module(x._data).asarray(it)
            if it.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            basic = False
        elif isinstance(it, bool):
            basic = False
        elif not (it is None or it is Ellipsis or isinstance(it, (int, slice))):
            if hasattr(it, "__index__"):
                it = it.__index__()
            else:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                                 "Variables are valid indices (got " + type(it).__name__ + ")")
        if isinstance(it, slice) and it.step is not None and it.step <= 0:
            raise ValueError("step must be greater than zero")
        out.append(it)
    return tuple(out), basic


def _index_error(err: IndexError) -> IndexError:
    msg = str(err).replace("axis", "dimension")
    return IndexError(msg)


class Index(Op):
    """Read ``x[idx]``; the gradient is scattered back (repeated indices accumulate)."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx: Any, x: Any, idx: tuple) -> Any:
        ctx.shape, ctx.idx, ctx.np_dtype = x.shape, idx, x.dtype
        try:
            return x[idx]
        except IndexError as err:
            raise _index_error(err) from None

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        xp = backend.array_module(grad)
        out = xp.zeros(ctx.shape, dtype=grad.dtype)
        backend.scatter_add(out, ctx.idx, grad)
        return out, None


class Slice(Op):
    """Read a view ``x[idx]`` (ints, slices, None, ...); the gradient fills that region."""

    node_name = "SliceBackward0"

    @staticmethod
    def forward(ctx: Any, x: Any, idx: tuple) -> Any:
        ctx.shape, ctx.idx = x.shape, idx
        try:
            return _basic_view(x, idx)
        except IndexError as err:
            raise _index_error(err) from None

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        out = backend.array_module(grad).zeros(ctx.shape, dtype=grad.dtype)
        out[ctx.idx] = grad
        return out, None


def _basic_view(a: Any, idx: tuple) -> Any:
    """``a[idx]`` as a view, even when every dimension is indexed by an integer."""
    out = a[idx]
    # numpy answers a[1, 2] with a scalar copy; a[1, 2, ...] is the 0-d view torch's select gives.
    return out if backend.is_array(out) else a[idx + (Ellipsis,)]


class Select(Slice):
    """``x[i]`` with integer indices only."""

    node_name = "SelectBackward0"


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with torch's (numpy's) indexing rules; basic indexing returns a view."""
    if x.ndim == 0 and not (index is None or index is Ellipsis or (isinstance(index, tuple) and not index)):
        if not isinstance(index, (Tensor, list)) and not backend.is_array(index):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    idx, basic = _convert_index(index, x)
    if not basic:
        return Index.apply(x, idx)
    cls = Select if all(isinstance(i, int) for i in idx) else Slice
    return mark_view(cls.apply(x, idx), x, lambda a: _basic_view(a, idx))


class IndexRegion:
    """The region ``a[idx]`` of an array (advanced indices included, which numpy copies on read)."""

    def __init__(self, idx: tuple) -> None:
        self.idx = idx

    def read(self, a: Any) -> Any:
        return a[self.idx]

    def write(self, a: Any, value: Any) -> None:
        a[self.idx] = value


class ViewRegion:
    """The region a view function selects from its base."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def read(self, a: Any) -> Any:
        return self.fn(a)

    def write(self, a: Any, value: Any) -> None:
        self.fn(a)[...] = value


class CopySlices(Op):
    """``base`` with one region replaced by ``value``.

    Writing through an index, or in place through a view, becomes this op on the
    base tensor, so gradients reach both the old base and the written value.
    """

    @staticmethod
    def forward(ctx: Any, base: Any, value: Any, region: Any) -> Any:
        ctx.region = region
        out = base.copy()
        try:
            region.write(out, value)
        except IndexError as err:
            raise _index_error(err) from None
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        g_base = grad.copy()
        ctx.region.write(g_base, 0)
        return g_base, ctx.region.read(grad), None


def setitem(x: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value``: in place, differentiable for ``x`` and ``value``."""
    idx, _ = _convert_index(index, x)
    if isinstance(value, Tensor):
        if value.device != x.device:
            raise RuntimeError(f"expected device {x.device} but got device {value.device}")
        if not (value.dtype is x.dtype):
            value = to_dtype(value, x.dtype)
    record = is_grad_enabled() and (x.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if not record:
        x._check_inplace()
        raw = value._data if isinstance(value, Tensor) else value
        try:
            x._data[idx] = raw
        except IndexError as err:
            raise _index_error(err) from None
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(getattr(raw, 'shape', ()))} "
                               f"cannot be broadcast to indexing result of shape "
                               f"{list(x._data[idx].shape)}") from None
        x._version.value += 1
        return
    if not isinstance(value, Tensor):
        value = as_tensor(value, dtype=x.dtype, device=x.device)
    x._inplace(lambda s: CopySlices.apply(s, value, IndexRegion(idx)), value)


class _ViewOf(Op):
    """Re-derive a view from its (rewritten) base, so the view joins the base's graph."""

    node_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx: Any, base: Any, fn: Callable[[Any], Any]) -> Any:
        ctx.fn, ctx.shape = fn, base.shape
        return fn(base)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        out = backend.array_module(grad).zeros(ctx.shape, dtype=grad.dtype)
        target = ctx.fn(out)
        backend.array_module(grad).copyto(target, grad)
        return out, None


def rebase_view(view: Tensor, result: Tensor) -> None:
    """After an in-place op on ``view`` was recorded as ``result``, move the change onto its base."""
    base, fn = view._base, view._view_fn
    multi = getattr(view, "_multi_view", None)
    if multi is not None:  # torch cannot rebase one output of split/unbind/chunk; neither do we
        raise RuntimeError(f"Output {multi[0]} of {multi[1]} is a view and is being modified inplace. This view is "
                           "the output of a function that returns multiple views. Such functions do not allow the "
                           "output views to be modified inplace. You should replace the inplace operation by an "
                           "out-of-place one.")
    if base.grad_fn is None and base.requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    new_base = CopySlices.apply(base, result, ViewRegion(fn))
    base._write(new_base._data)
    base.grad_fn, base._output_nr, base._requires_grad = new_base.grad_fn, 0, True
    again = _ViewOf.apply(base, fn)
    view.grad_fn, view._output_nr, view._requires_grad = again.grad_fn, 0, True


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` where ``mask`` is True."""
    from .arithmetic import where
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    check_broadcast(mask, input)
    v = value if isinstance(value, Tensor) else as_tensor(value, dtype=input.dtype, device=input.device)
    return where(mask, v.to(input.dtype), input)


class Gather(Op):
    """Values picked along ``axis`` by an index tensor of the output's shape."""

    @staticmethod
    def forward(ctx: Any, x: Any, axis: int, index: Any) -> Any:
        ctx.shape, ctx.axis, ctx.index = x.shape, axis, index
        return backend.array_module(x).take_along_axis(x, index, axis=axis)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        xp = backend.array_module(grad)
        out = xp.zeros(ctx.shape, dtype=grad.dtype)
        # Repeated indices must accumulate: scatter with full index grids.
        grids = list(xp.indices(ctx.index.shape, sparse=True))
        grids[ctx.axis] = ctx.index
        backend.scatter_add(out, tuple(grids), grad)
        return out, None, None


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` along ``dim``."""
    if index.dtype is not dtypes.int64:
        raise RuntimeError("gather(): Expected dtype int64 for index")
    axis = input._wrap_dim(dim)
    try:
        return Gather.apply(input, axis, index._data)
    except IndexError as err:
        raise RuntimeError(f"index out of range in gather: {err}") from None


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Entries of ``input`` along ``dim`` at the positions in a 1-D ``index``."""
    idx = [slice(None)] * input.ndim
    idx[input._wrap_dim(dim)] = index
    return getitem(input, tuple(idx))
