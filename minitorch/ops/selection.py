"""Choosing between values: maximum, minimum, where, clamp; a gradient goes to the value chosen.

torch's rules for what is not chosen outright: a tie between maximum's or minimum's operands halves
the gradient, clamp keeps the gradient on its bounds, and a NaN, which neither wins nor loses, passes
it to both.
"""

from __future__ import annotations

from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array, backend_of
from ..caches import CLAMP_BOUNDS
from ..tensor import Tensor
from .arithmetic import _maybe_out
from .base import (
    Op,
    Operand,
    Scalar,
    array_of,
    as_tensor,
    check_broadcast,
    masked_grad,
    namespace_of,
    plain_operands,
    prepare,
    to_dtype,
)
from .compare import nonzero

__all__ = ["clamp", "clip", "fmax", "fmin", "maximum", "minimum", "where"]

_HOST_ARRAY = backend.HOST.array_type


class Maximum(Op):
    """Elementwise max; ties share the gradient equally, as in torch."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        ctx.save_for_backward(a, b)
        return backend.array_module(a, b).maximum(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = array_of_each(ctx.saved_tensors)
        return _select_grads(grad, a < b, a > b, a == b)


class Minimum(Op):
    """Elementwise min; ties share the gradient equally, as in torch."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        ctx.save_for_backward(a, b)
        return backend.array_module(a, b).minimum(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = array_of_each(ctx.saved_tensors)
        return _select_grads(grad, a > b, a < b, a == b)


class Fmax(Op):
    """Elementwise max ignoring NaN (a NaN loses to a number); the gradient goes to ``input`` on a tie, as torch's."""

    ufunc = "fmax"

    @staticmethod
    def keeps_first(a: Any, b: Any) -> Any:
        return a >= b

    @classmethod
    def forward(cls, ctx: Context, a: Operand, b: Operand) -> Array:
        ctx.save_for_backward(a, b)
        return getattr(backend.array_module(a, b), cls.ufunc)(a, b)

    @classmethod
    def backward(cls, ctx: Context, grad: Array) -> tuple:
        a, b = array_of_each(ctx.saved_tensors)
        first = cls.keeps_first(a, b) | (b != b)  # input chosen: it wins or ties, or other is NaN
        return masked_grad(grad, first), masked_grad(grad, ~first)


class Fmin(Fmax):
    """Elementwise min ignoring NaN (a NaN loses to a number); the gradient goes to ``input`` on a tie, as torch's."""

    ufunc = "fmin"

    @staticmethod
    def keeps_first(a: Any, b: Any) -> Any:
        return a <= b


def array_of_each(values: tuple) -> tuple:
    """``array_of`` of each saved value: operands that only decide a mask."""
    return tuple(array_of(v) for v in values)


def _select_grads(grad: Any, a_loses: Any, b_loses: Any, tie: Any) -> tuple:
    # torch's rule: a tie halves the gradient and only a strict loser gets none, so a NaN
    # (which neither wins nor loses) passes the whole gradient to both inputs.
    g = namespace_of(grad).where(tie, grad * 0.5, grad)
    return masked_grad(g, ~a_loses), masked_grad(g, ~b_loses)


class Where(Op):
    """cond ? a : b."""

    @staticmethod
    def forward(ctx: Context, cond: Array, a: Operand, b: Operand) -> Array:
        ctx.save_for_backward(cond)
        return backend.array_module(cond, a, b).where(cond, a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        cond = array_of(ctx.saved_tensors[0])
        return None, masked_grad(grad, cond), masked_grad(grad, ~cond)


class Clamp(Op):
    """Clamp to [lo, hi] (constant bounds); the gradient passes where lo <= x <= hi."""

    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx: Context, x: Array, lo: Array | None, hi: Array | None) -> Array:
        xp = backend.array_module(x)
        # Whole-array bounds: numpy's maximum/minimum are far slower against a broadcast scalar.
        flo = None if lo is None else backend_of(x).filled_like(x, lo)
        fhi = None if hi is None else backend_of(x).filled_like(x, hi)
        # On a tie (only +0 and -0 tie with different bits) torch keeps x. numpy's maximum and minimum return
        # their second operand on a tie for float32 and float64 and their first for float16: x goes there.
        if x.dtype.itemsize > 2:
            lower, upper = (lambda v: xp.maximum(flo, v)), (lambda v: xp.minimum(fhi, v))
        else:
            lower, upper = (lambda v: xp.maximum(v, flo)), (lambda v: xp.minimum(v, fhi))
        if hi is None:
            keep, out = x >= lo, lower(x)
        elif lo is None:
            keep, out = x <= hi, upper(x)
        else:
            keep, out = (x >= lo) & (x <= hi), upper(lower(x))
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(keep)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (keep,) = ctx.saved_tensors
        return masked_grad(grad, keep), None, None


class ClampTensor(Op):
    """Clamp to tensor bounds (either may be None); each bound gets the gradient where it is the result."""

    node_name = "ClampBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, lo: Array | None, hi: Array | None) -> Array:
        xp = backend.array_module(x, lo, hi)
        ctx.save_for_backward(x, lo, hi)
        out = x if lo is None else xp.maximum(x, lo)
        return out if hi is None else xp.minimum(out, hi)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, lo, hi = array_of_each(ctx.saved_tensors)
        # torch's subgradients: x keeps it on the bounds; crossed bounds (lo > hi) give it all to hi.
        both = lo is not None and hi is not None
        keep = (True if lo is None else x >= lo) & (True if hi is None else x <= hi)
        masked = masked_grad
        g_lo = masked(grad, (x < lo) & (lo < hi if both else True)) if ctx.needs_input_grad[1] else None
        g_hi = masked(grad, (x > hi) | (hi < lo if both else False)) if ctx.needs_input_grad[2] else None
        return masked(grad, keep), g_lo, g_hi


class ClampMin(Clamp):
    """``clamp_min`` with a number: ``Clamp`` under torch's name for it."""

    node_name = "ClampMinBackward0"


class ClampMax(Clamp):
    """``clamp_max`` with a number: ``Clamp`` under torch's name for it."""

    node_name = "ClampMaxBackward0"


class ClampMinTensor(ClampTensor):
    """``clamp_min`` with a tensor bound, under torch's name for it."""

    node_name = "ClampMinBackward1"


class ClampMaxTensor(ClampTensor):
    """``clamp_max`` with a tensor bound, under torch's name for it."""

    node_name = "ClampMaxBackward1"


# ------------------------------------------------------------------ wrappers
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum of two tensors."""
    return _pairwise("maximum", Maximum, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum of two tensors."""
    return _pairwise("minimum", Minimum, input, other)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum where a NaN loses to a number (NaN only where both are)."""
    return _pairwise("fmax", Fmax, input, other)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum where a NaN loses to a number (NaN only where both are)."""
    return _pairwise("fmin", Fmin, input, other)


def _pairwise(name: str, cls: type[Op], input: Tensor, other: Tensor) -> Tensor:
    """``cls`` on two tensors (numbers refused, as torch's), promoted and broadcast."""
    require_tensors(name, input, other)
    a, b, _ = prepare(input, other)
    check_broadcast(a, b)
    return cls.apply(a, b)


def require_tensors(name: str, *operands: Any) -> None:
    """torch's TypeError for an op that takes tensors only (maximum(x, 0.5))."""
    for i, x in enumerate(operands):
        if not isinstance(x, Tensor):
            which = ("input", "other")[i]
            raise TypeError(f"{name}(): argument '{which}' (position {i + 1}) must be Tensor, not {type(x).__name__}")


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """Elements of ``input`` where ``condition`` holds, else of ``other``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = condition if isinstance(condition, Tensor) else as_tensor(condition)
    if cond.dtype is not dtypes.bool_:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype._scalar_name}"
        )
    a, b, dt = prepare(input, other)
    if dt is not dtypes.float16:  # torch checks a number's range here (it lets 1e6 become a float16 inf)
        for v in (input, other):
            if isinstance(v, Scalar):
                dtypes.check_fits(v, dt)
    check_broadcast(cond, a, b)
    return Where.apply(cond, a, b)


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:
    """Limit values to [min, max]; either bound may be None, or a tensor."""
    return clamp_as(Clamp, ClampTensor, input, min, max, out)


def clamp_as(
    by_number: type[Clamp], by_tensor: type[ClampTensor], input: Tensor, min: Any, max: Any, out: Any
) -> Tensor:
    """``clamp``, recorded as ``by_number`` (constant bounds) or ``by_tensor`` (tensor bounds): the ops of one
    computation under the node names torch gives clamp, clamp_min and clamp_max."""
    if max is None and out is None and type(min) is int and plain_operands(input, min):  # relu's spelling, clamp(min=0)
        d = input._data
        lo = CLAMP_BOUNDS.get((min, d.dtype)) if type(d) is _HOST_ARRAY else None
        if lo is None:
            lo = input._xp.asarray(dtypes.cast_scalar(min, input.dtype))
            if type(d) is _HOST_ARRAY:
                lo.flags.writeable = False  # shared by every call with this bound
                CLAMP_BOUNDS.put((min, d.dtype), lo)
        return backend_of(d).kernel(by_number).apply(input, lo, None)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if not all(v is None or isinstance(v, Tensor) for v in (min, max)):  # torch has no mixed overload
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got (Tensor, "
                f"max={type(max).__name__}, min={type(min).__name__}), but expected one of:\n"
                " * (Tensor min = None, Tensor max = None)\n * (Number min = None, Number max = None)"
            )
        given = [v for v in (min, max) if v is not None]
        x, *bounds, dt = prepare(input, *given)
        if dt is dtypes.bool_ and len(bounds) == 2:
            raise NotImplementedError("\"clamp_cpu\" not implemented for 'Bool'")
        check_broadcast(x, *bounds)
        lo = bounds.pop(0) if min is not None else None
        hi = bounds.pop(0) if max is not None else None
        return _maybe_out(by_tensor.apply(x, lo, hi), out)
    bounds = [v for v in (min, max) if v is not None]
    if input._data.dtype.kind == "f" and all(type(v) is float or type(v) is int for v in bounds):
        # Python numbers leave a floating tensor's dtype as it is (the common clamp(min=0) of the tutorials).
        lo = None if min is None else input._xp.asarray(dtypes.cast_scalar(min, input.dtype))
        hi = None if max is None else input._xp.asarray(dtypes.cast_scalar(max, input.dtype))
        return _maybe_out(backend_of(input._data).kernel(by_number).apply(input, lo, hi), out)
    for v in bounds:
        if not dtypes.is_number(v):
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got "
                f"({type(v).__name__}), but expected one of:\n * (Tensor min = None, Tensor max = None)"
                "\n * (Number min = None, Number max = None)"
            )
    dt = dtypes.result_type(input, *bounds)
    if dt is dtypes.bool_:
        which = "" if len(bounds) == 2 else ("min_" if max is None else "max_")
        raise NotImplementedError(f"\"clamp_{which}scalar_cpu\" not implemented for 'Bool'")
    x = to_dtype(input, dt)
    lo = None if min is None else x._xp.asarray(dtypes.cast_scalar(min, dt))
    hi = None if max is None else x._xp.asarray(dtypes.cast_scalar(max, dt))
    return _maybe_out(backend_of(x._data).kernel(by_number).apply(x, lo, hi), out)


clip = clamp
