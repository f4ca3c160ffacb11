"""Embedding lookups: rows of a weight matrix picked by integer indices, and torch's in-place row renormalisation."""

from __future__ import annotations

from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .base import Op
from .regions import IndexRegion, ReadRegion

__all__ = ["embedding", "embedding_renorm_"]


class Embedding(Op):
    """weight[indices]; backward adds each looked-up row's gradient into its row (none into ``padding_idx``'s),
    divided by how often the index occurs in the batch with ``scale_grad_by_freq``. Saves only the indices."""

    @staticmethod
    def forward(ctx: Context, weight: Array, indices: Array, padding_idx: int, scale_grad_by_freq: bool) -> Array:
        ctx.indices, ctx.rows = indices, weight.shape[0]
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return array_module(weight).take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        g = EmbeddingDenseBackward.call(grad, ctx.indices, ctx.rows, ctx.padding_idx, ctx.scale_grad_by_freq)
        return g, None, None, None


def add_rows(target: Array, index: Array, rows: Array) -> None:
    """target[index[i]] += rows[i] for each i in turn (a repeated index adds each of its rows, in order)."""
    backend_of(target).scatter_add(target, index, rows)


class EmbeddingDenseBackward(Op):
    """embedding's weight gradient: each looked-up row's gradient added into its row (none into
    ``padding_idx``'s), divided by the index's count in the batch with ``scale_grad_by_freq``.

    A piece of its own because torch differentiates it as its own op: the gradient of this map is the
    lookup of the rows (padding zeroed) *without* the division by the counts, as torch's
    ``embedding_dense_double_backward`` has it."""

    @staticmethod
    def forward(ctx: Context, grad: Array, indices: Array, rows: int, padding_idx: int, scale: bool) -> Array:
        xp = array_module(grad)
        index = indices.reshape(-1)
        ctx.index, ctx.padding_idx, ctx.shape = index, padding_idx, grad.shape
        picked = grad.reshape(index.size, grad.shape[-1])
        if padding_idx >= 0:
            picked = picked * (index != padding_idx)[:, None]
        if scale:
            counts = xp.bincount(index, minlength=rows)
            picked = picked / counts[index][:, None].astype(grad.dtype)
        out = xp.zeros((rows, grad.shape[-1]), dtype=grad.dtype)
        backend_of(out).kernel(add_rows)(out, index, picked)  # (the host's numba variant: embedding_numba.py)
        return out

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        picked = ReadRegion.call(gg, IndexRegion((ctx.index,)))  # the rows looked up again: differentiable
        if ctx.padding_idx >= 0:
            picked = picked * (ctx.index != ctx.padding_idx)[:, None]
        return picked.reshape(tuple(ctx.shape)), None, None, None, None


def _check_indices(weight: Tensor, indices: Tensor) -> None:
    if indices.dtype.name not in ("int64", "int32"):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {indices.dtype._tensor_type} instead (while checking arguments for embedding)"
        )
    data = indices._data
    if data.size and (int(data.min()) < 0 or int(data.max()) >= weight.shape[0]):
        raise IndexError("index out of range in self")


def embedding(
    weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False
) -> Tensor:
    """The rows of ``weight`` (num_embeddings, dim) at ``indices`` (any shape): (*indices.shape, dim).

    torch's ``torch.embedding`` (``nn.functional.embedding`` takes the indices first and adds max_norm).

    Args:
        weight: the embedding matrix.
        indices: int64 or int32 row numbers.
        padding_idx: a row that receives no gradient (-1: none).
        scale_grad_by_freq: divide each row's gradient by how many times its index occurs in ``indices``.
        sparse: must be False (minitorch has no sparse gradients).
    """
    if sparse:
        raise NotImplementedError("minitorch has no sparse tensors: embedding(sparse=True) is not supported")
    if weight.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D, got {weight.ndim}-D")
    _check_indices(weight, indices)
    return Embedding.apply(weight, indices._data, int(padding_idx), bool(scale_grad_by_freq))


def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Scale the rows of ``input`` that ``indices`` picks, in place, so that none has a ``norm_type``-norm
    above ``max_norm`` (a row above it is multiplied by max_norm / (norm + 1e-7)), as torch does."""
    input._check_inplace()
    _check_indices(input, indices)
    xp, w = array_module(input._data), input._data
    rows = xp.unique(indices._data.reshape(-1))
    picked = w[rows]
    if norm_type == float("inf"):
        norms = xp.abs(picked).max(axis=1)
    elif norm_type == 0:
        norms = (picked != 0).sum(axis=1).astype(w.dtype)
    else:
        norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    over = norms > max_norm
    if bool(over.any()):
        scale = max_norm / (norms[over].astype("float64") + 1e-7)  # in double, as torch, then applied in w's dtype
        w[rows[over]] = picked[over] * scale[:, None].astype(w.dtype)
        input._bump_version()
    return input
