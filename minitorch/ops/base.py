"""What every built-in op shares: the ``Op`` base (the built-in path of autograd) and operand preparation."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, Union

from .. import backend, creation, dtypes
from ..autograd.function import Context, FunctionBase, check_same_device
from ..autograd.grad_mode import is_grad_enabled
from ..backend import HOST, Array
from ..tensor import Tensor

# Numbers that take part in an op as torch's wrapped numbers: Python's, and numpy's scalars, which torch's
# argument parser reads the same way.
Scalar = dtypes.REAL_SCALARS
# What a binary op's forward receives for each operand: an array, or a Python number it takes as a constant.
Operand = Union[Array, float]
_HOST = HOST.array_type


class Op(FunctionBase):
    """A built-in op: ``forward(ctx, *arrays)`` and ``backward(ctx, *grads)`` take and return raw arrays.

    ``apply`` is the hot path of every training step: it unwraps the tensor arguments, runs
    ``forward`` on their arrays (which never see a Tensor, so no grad-mode switch is needed), wraps
    the results and, when an input requires grad, records one node (``FunctionBase._record``).
    """

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        # One pass over the arguments: the tensors (with positions), what needs grad, the raw arrays, and
        # whether any lives off the host (only then can devices be mixed).
        tensors, needs, raw = [], [], []
        foreign = False
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                d = a._data
                tensors.append((i, a))
                needs.append(a._requires_grad)
                raw.append(d)
                if type(d) is not _HOST:
                    foreign = True
            else:
                needs.append(False)
                raw.append(a)
        if foreign:
            check_same_device(tensors)
        ctx = Context()
        ctx.needs_input_grad = tuple(needs)
        raw_out = cls.forward(ctx, *raw, **kwargs)
        if isinstance(raw_out, tuple):
            outs = [Tensor._wrap(r) for r in raw_out]
            if True in needs and is_grad_enabled():
                cls._record(ctx, tensors, outs)
            return tuple(outs)
        out = Tensor._wrap(raw_out)
        if True in needs and is_grad_enabled():
            cls._record(ctx, tensors, [out])
        return out


def as_tensor(x: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``x`` as a tensor: tensors pass through; arrays and Python data are converted (see ``tensor``)."""
    # creation is used through its module: it and the ops import each other through tensor.py (the one tie),
    # so either may still be initialising while the other is imported.
    return creation.as_tensor(x, dtype=dtype, device=device)


def prepare(*operands: Any, dtype: Any = None) -> tuple:
    """Promote operands to one dtype as torch does, returning tensors and constant arrays.

    Tensors are cast (differentiably) only when their dtype differs; Python scalars
    become 0-d arrays of the result dtype, passed to ops as constants.
    """
    if dtype is None:
        fast = _same_dtype(operands)
        if fast is not None:
            return tuple(operands) + (fast,)
    ops = [x if isinstance(x, Tensor) or isinstance(x, Scalar) else as_tensor(x) for x in operands]
    target = dtypes.result_type(*ops) if dtype is None else dtype
    ref = next((x for x in ops if isinstance(x, Tensor)), None)
    xp = ref._xp if ref is not None else backend.array_module()
    out = []
    for x in ops:
        if isinstance(x, Tensor):
            out.append(x if x._data.dtype == target.np_dtype else to_dtype(x, target))
        else:
            # Unchecked, as torch converts a wrapped number: an int out of the target's range wraps
            # (uint8 tensor + 300), a float reaches float16 through float32.
            out.append(xp.asarray(dtypes.cast_scalar(x, target, checked=False)))
    return tuple(out) + (target,)


def _same_dtype(operands: tuple) -> Any:
    """The common dtype when no promotion is needed (the common case), else None.

    Tensors must share one dtype; Python numbers may stay as they are when they
    cannot change it (a float with a floating tensor, an int with an integer one):
    numpy >= 2 treats Python numbers as weakly typed, exactly like torch.
    """
    np_dtype = None
    for x in operands:
        if isinstance(x, Tensor):
            if np_dtype is None:
                np_dtype = x._data.dtype
            elif x._data.dtype != np_dtype:
                return None
    if np_dtype is None:
        return None
    kind = np_dtype.kind
    for x in operands:
        if isinstance(x, Tensor):
            continue
        t = type(x)
        small_int = t is int and -(2**31) <= x < 2**31 and (kind == "f" or (kind == "i" and np_dtype.itemsize >= 4))
        # Not float16: numpy rounds a Python float to it directly, torch through float32.
        if not ((t is float and kind == "f" and np_dtype.itemsize > 2) or small_int):
            return None
    return dtypes.from_numpy_dtype(np_dtype)


def check_broadcast(a: Any, b: Any, *more: Any) -> None:
    """Raise torch's message when shapes cannot broadcast together (folded left to right, as torch does)."""
    sa = a._data.shape if isinstance(a, Tensor) else tuple(getattr(a, "shape", ()))
    sb = b._data.shape if isinstance(b, Tensor) else tuple(getattr(b, "shape", ()))
    if sa == sb and not more:
        return
    for i in range(1, min(len(sa), len(sb)) + 1):
        x, y = sa[-i], sb[-i]
        if x != y and x != 1 and y != 1:
            ndim = max(len(sa), len(sb))
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {ndim - i}"
            )
    if more:
        n = max(len(sa), len(sb))
        sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
        check_broadcast(SimpleNamespace(shape=tuple(y if x == 1 else x for x, y in zip(sa, sb))), *more)


def broadcast_shape(*shapes: tuple) -> tuple:
    """The shape ``shapes`` broadcast to (callers check first that they do, with ``check_broadcast``)."""
    n = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shapes]
    return tuple(max(sizes) if 0 not in sizes else 0 for sizes in zip(*padded))


class ToDtype(Op):
    """Cast to another dtype; the engine casts the gradient back."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, np_dtype: Any) -> Array:
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad, None


def to_dtype(x: Tensor, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (a new tensor; differentiable between floating dtypes)."""
    dt = dtypes.as_dtype(dtype)
    if x._data.dtype == dt.np_dtype:
        return x
    return ToDtype.apply(x, dt.np_dtype)


def float_operand(x: Tensor) -> Tensor:
    """``x`` itself when floating, else cast to the default float (exp, sqrt, mean of ints)."""
    return x if x.dtype.is_floating_point else to_dtype(x, dtypes.get_default_dtype())


# The integer dtypes (bool excluded): kernels that take every dtype but bool accept these too.
INTEGER_DTYPES = tuple(d for d in dtypes.ALL if not d.is_floating_point and d is not dtypes.bool_)


def require_floating(input: Tensor, kernel: str, also: tuple = ()) -> None:
    """torch's NotImplementedError for a kernel (named ``kernel``) that takes only floating dtypes, and those in
    ``also`` (torch's kernels differ: avg_pool2d adds int64, conv2d every integer type)."""
    if not input.dtype.is_floating_point and input.dtype not in also:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._scalar_name}'")


def no_graph(fn: Callable, *arrays: Any) -> Tensor:
    """Wrap a result that never carries a gradient (comparisons, argmax, rounding)."""
    return Tensor._wrap(fn(*arrays))
