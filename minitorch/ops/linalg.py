"""Matrix products: matmul, mm, bmm, dot, vdot, mv."""

from __future__ import annotations

import builtins
import math

from .. import backend
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .arithmetic import _maybe_out
from .base import Op, matrix_product, namespace_of

__all__ = ["bmm", "dot", "matmul", "mm", "mv", "vdot"]


class Matmul(Op):
    """numpy/torch ``matmul`` semantics: 1-D operands are promoted, batch dims broadcast."""

    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.ndims = (a.ndim, b.ndim)
        return matrix_product(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        xp = namespace_of(grad, a, b)
        na, nb = ctx.ndims
        if na == 1 and nb == 1:  # dot: the gradient is a scalar times the other vector
            return (None if b is None else grad * b), (None if a is None else grad * a)
        g = grad
        if na == 1:
            g = xp.expand_dims(g, -2)
        if nb == 1:
            g = xp.expand_dims(g, -1)
        ga = gb = None
        if b is not None:
            b2 = b[:, None] if nb == 1 else b
            ga = matrix_product(g, xp.swapaxes(b2, -1, -2))
            if na == 1:
                ga = ga[..., 0, :]
        if a is not None:
            a2 = a[None, :] if na == 1 else a
            gb = matrix_product(xp.swapaxes(a2, -1, -2), g)
            if nb == 1:
                gb = gb[..., 0]
        return ga, gb


class Mm(Matmul):
    """Matrix times matrix."""

    node_name = "MmBackward0"


class Bmm(Matmul):
    """Batched matrix product."""

    node_name = "BmmBackward0"


class Dot(Matmul):
    """Inner product of two vectors."""

    node_name = "DotBackward0"


class Vdot(Matmul):
    """Inner product of two vectors, the first conjugated (real tensors: ``dot``, recorded as torch's vdot)."""

    node_name = "VdotBackward0"


class Mv(Matmul):
    """Matrix times vector."""

    node_name = "MvBackward0"


def product_into(a: Array, b: Array, out: Array) -> None:
    """out = a @ b for matrices (numpy's or cupy's matmul): the per-step products of the recurrent layers'
    loops, which write into preallocated blocks; the host's variant cuts large ones over the threads
    (linalg_threads.product_into)."""
    backend.array_module(a).matmul(a, b, out=out)


def _shape_str(s: tuple) -> str:
    return "x".join(str(n) for n in s)


def _same_dtype(a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_tn(a)} != {_tn(b)}")


def _addmv_dtypes(mat: Tensor, vec: Tensor) -> None:
    if mat.dtype is not vec.dtype:
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {_scalar_name(vec)}, "
            f"{_scalar_name(mat)}, and {_scalar_name(vec)}"
        )


def _bmm_dtypes(a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(a)} but found {_scalar_name(b)}")


def _scalar_name(t: Tensor) -> str:
    """torch's ScalarType name of a tensor's dtype (``Float``, ``Double``, ``Long``)."""
    return {
        "float32": "Float",
        "float64": "Double",
        "float16": "Half",
        "int64": "Long",
        "int32": "Int",
        "int16": "Short",
        "int8": "Char",
        "uint8": "Byte",
        "bool": "Bool",
    }.get(t.dtype.name, t.dtype.name)


def _tn(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "float16": "c10::Half"}.get(
        t.dtype.name, t.dtype.name
    )


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with torch's rules for 1-D, 2-D and batched operands."""
    if autocast_mode.enabled_threads and autocast_mode.wants(matmul):
        return autocast_mode.run("matmul", matmul, input, other, out=out)
    if out is not None:
        return _maybe_out(matmul(input, other), out)
    a, b = input, other
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.ndim == 1 and b.ndim == 1:
        return dot(a, b)
    if a.ndim == 2 and b.ndim == 2:
        return mm(a, b)
    if a.ndim == 2 and b.ndim == 1:
        return mv(a, b)
    # Errors name the operands as torch sees them after folding batch dims into rows (mm, mv)
    # or broadcasting them (bmm).
    rows = math.prod(a.shape[:-1])
    if b.ndim == 1:
        _addmv_dtypes(a, b)
        if a.shape[-1] != b.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{a.shape[-1]}), vec ({b.shape[0]})")
    elif b.ndim == 2:
        _same_dtype(a, b)
        if a.shape[-1] != b.shape[0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a.shape[-1]} and {_shape_str(b.shape)})"
            )
    else:
        batch = _broadcast_batch(a.shape[:-2], b.shape[:-2])
        _bmm_dtypes(a, b)
        if a.shape[-1] != b.shape[-2]:
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: "
                f"[{math.prod(batch)}, {a.shape[-1]}] but got: [{math.prod(batch)}, {b.shape[-2]}]."
            )
    return Matmul.apply(a, b)


def _broadcast_batch(sa: tuple, sb: tuple) -> tuple:
    """The broadcast of two batch shapes, with torch's error when they do not broadcast."""
    n = builtins.max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i, (x, y) in enumerate(zip(sa, sb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )
    return tuple(builtins.max(x, y) for x, y in zip(sa, sb))


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices."""
    if autocast_mode.enabled_threads and autocast_mode.wants(mm):
        return autocast_mode.run("mm", mm, input, mat2)
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(a.shape)} and {_shape_str(b.shape)})"
        )
    if a.dtype != b.dtype:
        _same_dtype(input, mat2)
    # the host registers a variant that splits the product over its threads (linalg_threads.py)
    return backend.backend_of(a).kernel(Mm).apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    if autocast_mode.enabled_threads and autocast_mode.wants(bmm):
        return autocast_mode.run("bmm", bmm, input, mat2)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if mat2.shape[0] != input.shape[0] or mat2.shape[1] != input.shape[2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    _bmm_dtypes(input, mat2)
    return Bmm.apply(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if autocast_mode.enabled_threads and autocast_mode.wants(dot):
        return autocast_mode.run("dot", dot, input, other)
    _vector_pair(input, other)
    return Dot.apply(input, other)


def _vector_pair(input: Tensor, other: Tensor) -> None:
    """torch's checks of dot's and vdot's operands (vdot's messages are dot's): 1-D, one length, one dtype."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{other.shape[0]}] to have the same number of elements, but got "
            f"{input.shape[0]} and {other.shape[0]} elements respectively"
        )
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {_scalar_name(input)} and {_scalar_name(other)}"
        )


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The inner product of two 1-D tensors with the first conjugated (for real tensors, ``dot``)."""
    _vector_pair(input, other)
    return Vdot.apply(input, other)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector."""
    if autocast_mode.enabled_threads and autocast_mode.wants(mv):
        return autocast_mode.run("mv", mv, input, vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({_shape_str(input.shape)}), vec ({vec.shape[0]})"
        )
    _addmv_dtypes(input, vec)
    return Mv.apply(input, vec)
