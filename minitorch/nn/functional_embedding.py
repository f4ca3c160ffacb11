"""``embedding`` (torch.nn.functional's: indices first, ``max_norm``) and ``embedding_bag``: the sum, mean or max
of bags of embedding rows.

A composition of recorded ops: the rows are looked up by ``embedding`` (so ``max_norm`` renormalises them in
place and ``scale_grad_by_freq`` applies, as there), weighted by ``per_sample_weights``, and reduced into their
bags with ``index_add`` (sum, mean) or ``scatter_reduce``'s amax (max); which bag each index belongs to is a
constant worked out from the offsets. An empty bag gives zeros, as in torch.
"""

from __future__ import annotations

from .. import ops
from ..autograd.grad_mode import no_grad
from ..backend import array_module
from ..creation import zeros
from ..ops.embedding import embedding as _embedding
from ..ops.embedding import embedding_renorm_ as _embedding_renorm_
from ..tensor import Tensor

__all__ = ["embedding", "embedding_bag"]

_MODES = ("sum", "mean", "max")


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of ``weight`` at the indices ``input``: (*input.shape, embedding_dim).

    Args:
        input: int64 or int32 indices into the rows of ``weight``.
        weight: (num_embeddings, embedding_dim).
        padding_idx: a row that gets no gradient (negative counts from the end).
        max_norm: first renormalise, in place, each looked-up row whose ``norm_type``-norm exceeds it.
        norm_type: the p of that norm.
        scale_grad_by_freq: divide each row's gradient by how often its index occurs in ``input``.
        sparse: must be False (minitorch has no sparse gradients).
    """
    rows = weight.shape[0]
    if padding_idx is None:
        padding_idx = -1
    elif padding_idx > 0:
        if padding_idx >= rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = rows + padding_idx
    if max_norm is not None:
        with no_grad():
            _embedding_renorm_(weight, input, max_norm, norm_type)
    return _embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """(bags, embedding_dim): each bag's rows of ``weight`` reduced by ``mode``.

    Args:
        input: (B, N) indices, B bags of N each; or (L,) indices cut into bags by ``offsets``.
        weight: (num_embeddings, embedding_dim).
        offsets: with 1-D input, where each bag starts (the first at 0).
        max_norm, norm_type, scale_grad_by_freq: as ``embedding``'s.
        mode: "sum", "mean" or "max".
        sparse: must be False (minitorch has no sparse gradients).
        per_sample_weights: (L,) or (B, N) weights of the looked-up rows ("sum" only).
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: an index left out of every bag (not counted by "mean").
    """
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}'). Please open a feature request on GitHub."
        )
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then it must "
            f"have the same shape as the input ({tuple(input.shape)})"
        )
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {type(offsets)}"
            )
        bags, length = input.shape
        starts = array_module(input._data).arange(0, bags * length, max(length, 1), dtype="int64")[:bags]
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None or offsets.ndim != 1:
            raise ValueError(f"offsets has to be a 1D Tensor but got {None if offsets is None else offsets.ndim}")
        starts = offsets._data.astype("int64")
        if starts.size and int(starts[0]) != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
                f"However, got {int(starts[0])}"
            )
        if include_last_offset:
            starts = starts[:-1]
        bags = int(starts.shape[0])
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if sparse:
        raise NotImplementedError("minitorch has no sparse tensors: embedding_bag(sparse=True) is not supported")
    rows = embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.unsqueeze(-1)
    # Which bag each looked-up row belongs to, and which rows count (not padding, not past the last bag's end).
    xp = array_module(input._data)
    position = xp.arange(input.shape[0])
    bag_of = xp.searchsorted(starts, position, side="right") - 1
    keep = bag_of >= 0
    if include_last_offset and offsets is not None and offsets.shape[0]:
        keep &= position < int(offsets._data[-1])
    if padding_idx is not None:
        keep &= input._data != (padding_idx % weight.shape[0])
    chosen = Tensor._wrap(xp.nonzero(keep)[0])
    members = ops.index_select(rows, 0, chosen)
    into = Tensor._wrap(bag_of[keep].astype("int64"))
    out = zeros((bags, weight.shape[1]), dtype=weight.dtype, device=weight.device)
    if mode == "max":
        spread = ops.expand(into.unsqueeze(-1), (into.shape[0], weight.shape[1]))
        return ops.scatter_reduce(out, 0, spread, members, "amax", include_self=False)
    total = ops.index_add(out, 0, into, members)
    if mode == "sum":
        return total
    counts = xp.bincount(bag_of[keep], minlength=bags)[:bags].astype(weight._data.dtype)
    return total / Tensor._wrap(xp.maximum(counts, 1).reshape(-1, 1))
