"""Scaled and accumulated products: addmm, addmv, addr, baddbmm, addbmm (``beta * input + alpha * product``),
outer (ger), kron, matrix_power; tensordot, inner, cross."""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, creation, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .arithmetic import mul
from .base import Op, check_broadcast, matrix_product, namespace_of
from .decompositions import linalg_inv
from .linalg import matmul
from .shape import permute

__all__ = [
    "addbmm",
    "addmm",
    "addmv",
    "addr",
    "baddbmm",
    "cross",
    "ger",
    "inner",
    "kron",
    "linalg_cross",
    "matrix_power",
    "outer",
    "tensordot",
]


class AddProduct(Op):
    """``beta * bias + alpha * (a @ b)``; ``beta == 0`` ignores the bias (its NaNs too), as torch does."""

    node_name = "AddmmBackward0"
    batch_sum = False  # addbmm: the batch of products summed into one matrix

    @classmethod
    def forward(cls, ctx: Context, bias: Array, a: Array, b: Array, beta: Any, alpha: Any) -> Array:
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None, b if ctx.needs_input_grad[1] else None)
        ctx.beta, ctx.alpha, ctx.vector = beta, alpha, b.ndim == 1
        out = matrix_product(a, b)
        if cls.batch_sum:
            out = out.sum(axis=0, dtype=out.dtype)  # numpy would widen small integers
        if alpha != 1:
            out = out * alpha
        if beta == 0:
            return backend.array_module(out).broadcast_to(out, out.shape).copy()
        return out + (bias if beta == 1 else bias * beta)

    @classmethod
    def backward(cls, ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        xp = namespace_of(grad, a, b)
        g = grad * ctx.alpha if ctx.alpha != 1 else grad
        if ctx.vector:  # addmv: a matrix times a vector
            ga = None if b is None else g[:, None] * b[None, :]
            gb = None if a is None else matrix_product(a.T, g)
        else:
            if cls.batch_sum:
                g = xp.broadcast_to(g, ((a if a is not None else b).shape[0],) + g.shape)
            ga = None if b is None else matrix_product(g, xp.swapaxes(b, -1, -2))
            gb = None if a is None else matrix_product(xp.swapaxes(a, -1, -2), g)
        return grad * ctx.beta, ga, gb, None, None


class Addr(Op):
    """``beta * input + alpha * outer(vec1, vec2)``; the vectors get ``alpha * grad @ vec2`` and ``alpha * grad^T @ vec1``."""

    @staticmethod
    def forward(ctx: Context, bias: Array, v1: Array, v2: Array, beta: Any, alpha: Any) -> Array:
        ctx.save_for_backward(v1 if ctx.needs_input_grad[2] else None, v2 if ctx.needs_input_grad[1] else None)
        ctx.beta, ctx.alpha = beta, alpha
        out = v1[:, None] * v2[None, :]
        if alpha != 1:
            out = out * alpha
        if beta == 0:  # the bias ignored, its NaNs too, as torch does
            return backend.array_module(out).broadcast_to(out, out.shape).copy()
        return out + (bias if beta == 1 else bias * beta)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        v1, v2 = ctx.saved_tensors
        g = grad * ctx.alpha if ctx.alpha != 1 else grad
        g1 = None if v2 is None else matrix_product(g, v2)
        g2 = None if v1 is None else matrix_product(g.T, v1)
        return grad * ctx.beta, g1, g2, None, None


class Addmv(AddProduct):
    """``beta * bias + alpha * (matrix @ vector)``."""

    node_name = "AddmvBackward0"


class Baddbmm(AddProduct):
    """``beta * bias + alpha * (batch1 @ batch2)``, matrix by matrix."""

    node_name = "BaddbmmBackward0"


class Addbmm(AddProduct):
    """``beta * bias + alpha * sum_i (batch1[i] @ batch2[i])``."""

    node_name = "AddbmmBackward0"
    batch_sum = True


def _expands_to(input: Tensor, shape: tuple) -> None:
    """torch's error when ``input`` does not broadcast to the product's ``shape``."""
    have = tuple(input.shape)
    for i in range(1, len(have) + 1):
        if i > len(shape) or have[-i] not in (1, shape[-i]):
            d = len(shape) - i
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[d] if i <= len(shape) else -1}) must match the existing "
                f"size ({have[-i]}) at non-singleton dimension {d}.  Target sizes: {list(shape)}.  "
                f"Tensor sizes: {list(have)}"
            )


def _coefficients(kernel: str, dt: dtypes.dtype, beta: Any, alpha: Any, half_as: dtypes.dtype) -> tuple:
    """``beta`` and ``alpha`` converted to the result's dtype as torch converts them, checked (an integer result
    truncates a float); a float16 result checks them as ``half_as``, the type torch computes in. Bool refused."""
    for v in (beta, alpha):
        dtypes.scalar(v)  # read as torch's Scalar first: an int beyond 64 bits raises
    if dt is dtypes.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    check = half_as if dt is dtypes.float16 else None
    return dtypes.cast_scalar(beta, dt, check_as=check), dtypes.cast_scalar(alpha, dt, check_as=check)


def _rank(name: str, t: Tensor, rank: int) -> None:
    if t.ndim != rank:
        raise RuntimeError(
            f"{name} must be a matrix, got {t.ndim}-D tensor" if rank == 2 else f"{name} must be a 3D tensor"
        )


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape."""
    if autocast_mode.enabled_threads and autocast_mode.wants(addmm):
        return autocast_mode.run("addmm", addmm, input, mat1, mat2, beta=beta, alpha=alpha)
    _rank("mat1", mat1, 2)
    _rank("mat2", mat2, 2)
    (n, k), (k2, p) = mat1.shape, mat2.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{p})")
    _expands_to(input, (n, p))
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {mat1.dtype._scalar_name} and {mat2.dtype._scalar_name}"
        )
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {input.dtype._scalar_name} and {mat2.dtype._scalar_name}"
        )
    beta, alpha = _coefficients("addmm_impl_cpu_", input.dtype, beta, alpha, dtypes.float32)
    return AddProduct.apply(input, mat1, mat2, beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(addmv):
        return autocast_mode.run("addmv", addmv, input, mat, vec, beta=beta, alpha=alpha)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    (n, k), size = mat.shape, (input.shape[0] if input.ndim else 1)
    if k != vec.shape[0] or size not in (1, n):
        raise RuntimeError(f"size mismatch, got input ({size}), mat ({n}x{k}), vec ({vec.shape[0]})")
    if not input.dtype is mat.dtype is vec.dtype:
        names = ", ".join(t.dtype._scalar_name for t in (input, mat))
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {names}, and {vec.dtype._scalar_name}"
        )
    beta, alpha = _coefficients("addmv_impl_cpu", input.dtype, beta, alpha, dtypes.float16)
    return Addmv.apply(input, mat, vec, beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``, ``input`` broadcast to the outer product's shape."""
    if autocast_mode.enabled_threads and autocast_mode.wants(addr):
        return autocast_mode.run("addr", addr, input, vec1, vec2, beta=beta, alpha=alpha)
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    shape = (vec1.shape[0], vec2.shape[0])
    _expands_to(input, shape)
    if not input.dtype is vec1.dtype is vec2.dtype:
        names = ", ".join(t.dtype._scalar_name for t in (input, vec1, vec2))
        raise RuntimeError(f"addr: expected the tensors to have one dtype, but got {names}")
    beta, alpha = _coefficients("addr", input.dtype, beta, alpha, dtypes.float32)
    return Addr.apply(input, vec1, vec2, beta, alpha)


def _batched(cls: type[Op], input: Tensor, batch1: Tensor, batch2: Tensor, beta: Any, alpha: Any) -> Tensor:
    _rank("batch1", batch1, 3)
    _rank("batch2", batch2, 3)
    (b, n, k), (b2, k2, p) = batch1.shape, batch2.shape
    if cls is Addbmm and (b, k) != (b2, k2):
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{k} and {k2}x{p})")
    if (b, k) != (b2, k2):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: [{b2}, {k2}]."
        )
    _expands_to(input, (n, p) if cls is Addbmm else (b, n, p))
    if not input.dtype is batch1.dtype is batch2.dtype:
        names = (t.dtype.name.replace("float32", "float").replace("float64", "double") for t in (input, batch1, batch2))
        raise RuntimeError("Input dtypes must be the same, got: input {}, batch1: {}, batch2: {}".format(*names))
    kernel = "addmm_impl_cpu_" if cls is Addbmm else "baddbmm"
    beta, alpha = _coefficients(kernel, input.dtype, beta, alpha, dtypes.float32)
    return cls.apply(input, batch1, batch2, beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices."""
    if autocast_mode.enabled_threads and autocast_mode.wants(baddbmm):
        return autocast_mode.run("baddbmm", baddbmm, input, batch1, batch2, beta=beta, alpha=alpha)
    return _batched(Baddbmm, input, batch1, batch2, beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_i (batch1[i] @ batch2[i])``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(addbmm):
        return autocast_mode.run("addbmm", addbmm, input, batch1, batch2, beta=beta, alpha=alpha)
    return _batched(Addbmm, input, batch1, batch2, beta, alpha)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors: ``out[i, j] = input[i] * vec2[j]``."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return mul(input.reshape(-1, 1), vec2)  # as torch computes it (a MulBackward0 node)


ger = outer


def matrix_power(input: Tensor, n: int) -> Tensor:
    """The ``n``-th power of a (batch of) square matrices by repeated products, in torch's order; a negative ``n``
    is that power of the inverse (``linalg.inv``, as torch computes it)."""
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        rows, cols = (input.shape[-2], input.shape[-1]) if input.ndim >= 2 else (1, input.numel())
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are {rows} by {cols} matrices"
        )
    if n < 0:
        return matrix_power(linalg_inv(input), -n)
    if n == 0:  # the identity, as a copy into the input's clone (torch's CopyBackwards: zero gradient)
        eye = creation.eye(input.shape[-1], dtype=input.dtype, device=input.device)
        return input.clone().copy_(eye.expand(*input.shape))
    if n <= 3:
        out = input.clone() if n == 1 else matmul(input, input)
        return matmul(out, input) if n == 3 else out
    z: Tensor | None = None
    result: Tensor | None = None
    while n > 0:  # binary powers, multiplied into the result where the exponent's bit is set
        bit, n = n % 2, n // 2
        z = input if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    assert result is not None
    return result


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: every element of ``input`` times the whole of ``other``, tiled block by block."""
    n = max(input.ndim, other.ndim)
    a_shape = (1,) * (n - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (n - other.ndim) + tuple(other.shape)
    # Interleave the dimensions: a's (a0, 1, a1, 1, ...) times b's (1, b0, 1, b1, ...), then merge each pair.
    a = input.reshape(tuple(d for s in a_shape for d in (s, 1)))
    b = other.reshape(tuple(d for s in b_shape for d in (1, s)))
    check_broadcast(a, b)
    return mul(a, b).reshape(tuple(x * y for x, y in zip(a_shape, b_shape)))


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sums of products over ``dims``: the last ``dims`` of ``a`` with the first of ``b`` (an int), or the listed
    pairs (two sequences); one matrix product between a permute and a reshape, as torch computes it."""
    if autocast_mode.enabled_threads and autocast_mode.wants(tensordot):
        return autocast_mode.run("tensordot", tensordot, a, b, dims)
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
        da, db = [d % a.ndim for d in da], [d % b.ndim for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[x]} in dim {x} and second has "
                f"size {b.shape[y]} in dim {y}"
            )
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    m = n = 1
    for d in free_a:
        m *= a.shape[d]
    for d in free_b:
        n *= b.shape[d]
    left = permute(a, free_a + da).reshape(m, k)
    right = permute(b, db + free_b).reshape(k, n)
    return matmul(left, right).reshape([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b])


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sums of products over the last dimension of both (a number times a tensor for a 0-d one)."""
    if input.ndim == 0 or other.ndim == 0:
        return mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes {list(input.shape)} and "
            f"{list(other.shape)}"
        )
    return tensordot(input, other, ([-1], [-1]))


class Cross(Op):
    """The cross product of 3-vectors along ``axis`` (broadcast operands); its gradients are cross products too."""

    node_name = "LinalgCrossBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, b: Array, axis: int) -> Array:
        ctx.save_for_backward(b if ctx.needs_input_grad[0] else None, a if ctx.needs_input_grad[1] else None)
        ctx.axis = axis
        return backend.array_module(a, b).cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        b, a = ctx.saved_tensors
        ga = None if b is None else Cross.call(b, grad, ctx.axis)
        gb = None if a is None else Cross.call(grad, a, ctx.axis)
        return ga, gb, None


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.cross``: cross products of the 3-vectors along ``dim`` (operands broadcast together)."""
    check_broadcast(input, other)
    if input.ndim != other.ndim:
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions. Got {input.ndim} and {other.ndim}"
        )
    axis = input._wrap_dim(dim)
    if input.shape[axis] != 3 or other.shape[axis] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[axis]} and {other.shape[axis]}"
        )
    return Cross.apply(input, other, axis)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """``torch.cross``: as ``linalg.cross``, along ``dim``, or without it along the first dim of size 3 (deprecated
    in torch, with its warning)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(cross):
        return autocast_mode.run("cross", cross, input, other, dim)
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim explicitly "
            "or simply use torch.linalg.cross.\nThe default value of dim will change to agree with that of "
            "linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        sizes = [d for d in range(input.ndim) if input.shape[d] == 3]
        if not sizes:
            raise RuntimeError("no dimension of size 3 in input")
        dim = sizes[0]
    return linalg_cross(input, other, dim=dim)
