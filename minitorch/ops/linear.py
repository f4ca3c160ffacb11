"""The fully connected layer: ``linear`` lowered, as torch lowers it, to one ``addmm`` (bias + input @ weight.T)."""

from __future__ import annotations

from .. import backend
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, matrix_product
from .einsum import einsum
from .linalg import matmul
from .shape import t

__all__ = ["bilinear", "linear"]


class Addmm(Op):
    """bias + a @ b for matrices a and b; the engine sums the bias gradient back to the bias's shape."""

    @staticmethod
    def forward(ctx: Context, bias: Array, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None, b if ctx.needs_input_grad[1] else None)
        out = matrix_product(a, b)
        out += bias
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        # Matrices only: .T is the transpose on arrays and tensors alike (and the cheapest spelling).
        ga = matrix_product(grad, b.T) if b is not None else None
        # (grad^T @ a)^T: the same sums as a^T @ grad, laid out like the weight that b transposes, so the
        # weight's gradient arrives contiguous and its leaf can keep it without a copy.
        gb = matrix_product(grad.T, a).T if a is not None else None
        return grad, ga, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` over the last dim of ``input``; one Addmm node (a view around it for N-D input)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linear):
        return autocast_mode.run("linear", linear, input, weight, bias)
    if bias is None:
        return matmul(input, weight.t())
    wd, xd, bd = weight._data, input._data, bias._data
    if wd.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {wd.ndim}-D tensor")
    for first, a in (("self", bias), ("mat1", input)):
        if a._data.dtype != wd.dtype:
            raise RuntimeError(
                f"{first} and mat2 must have the same dtype, but got {a.dtype._scalar_name} and "
                f"{weight.dtype._scalar_name}"
            )
    rows = input if xd.ndim == 2 else input.reshape(-1, xd.shape[-1] if xd.ndim else 1)
    (n, k), (out, wk) = rows._data.shape, wd.shape
    if k != wk:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {wk}x{out})")
    shape = bd.shape
    if len(shape) > 2 or any(s not in (1, t) for s, t in zip(shape[::-1], (out, n))):
        raise RuntimeError(
            f"The expanded size of the tensor ({out}) must match the existing size "
            f"({shape[-1]}) at non-singleton dimension 1.  Target sizes: [{n}, {out}].  "
            f"Tensor sizes: {list(shape)}"
        )
    # the host registers a variant that splits the product over its threads (linalg_threads.py)
    res = backend.backend_of(wd).kernel(Addmm).apply(bias, rows, t(weight))
    return res if xd.ndim == 2 else res.reshape(tuple(xd.shape[:-1]) + (out,))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = input1 @ weight[k] @ input2 + bias[k] over the last dims: (*, in1) and (*, in2) -> (*, out)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(bilinear):
        return autocast_mode.run("bilinear", bilinear, input1, input2, weight, bias)
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, got {weight.ndim}")
    for dim, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {dim}: got {a} and {b}")
    for which, given, expected in ((1, input1.shape[-1], weight.shape[1]), (2, input2.shape[-1], weight.shape[2])):
        if given != expected:
            raise RuntimeError(
                f"bilinear(): input{which} size does not match weight size: got {given} but expected {expected}"
            )
    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias
