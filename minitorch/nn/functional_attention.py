"""Attention as torch's functional layer has it: ``scaled_dot_product_attention`` and the multi-head attention
that ``nn.MultiheadAttention`` and the Transformer layers run (``multi_head_attention_forward``).

Both are compositions of recorded ops (linear, matmul, softmax, dropout, masks as additive ``-inf``), so their
gradients, to any order, come from those ops; nothing here has a backward of its own. Masks follow torch's two
conventions: for ``scaled_dot_product_attention`` a boolean mask says where attention may go (True: attend),
for multi-head attention where it may not (True: masked out); a float mask is added to the scores either way.
"""

from __future__ import annotations

import math

from .. import dtypes, ops
from ..amp import autocast_mode
from ..creation import ones, zeros
from ..ops.activation import dropout, softmax
from ..ops.linear import linear
from ..ops.padding import pad
from ..tensor import Tensor

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]

_NEG_INF = float("-inf")


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, over the last two dimensions (..., L, E) and (..., S, E).

    Args:
        query, key, value: (..., L, E), (..., S, E) and (..., S, Ev); leading dimensions broadcast.
        attn_mask: (..., L, S), broadcastable: boolean (True: may attend) or float (added to the scores).
        dropout_p: dropout on the attention weights (applied whenever it is above 0, as in torch).
        is_causal: attend only to positions at or before the query's (a lower-triangular mask; no ``attn_mask``).
        scale: the scores' factor (default 1 / sqrt(E)).
        enable_gqa: let key and value have fewer heads (dimension -3) than query, shared by groups of heads.

    A query row that may attend to nothing gives zeros, as torch's reference implementation does.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(scaled_dot_product_attention):
        return autocast_mode.run(
            "scaled_dot_product_attention",
            scaled_dot_product_attention,
            query,
            key,
            value,
            attn_mask,
            dropout_p,
            is_causal,
            scale,
            enable_gqa,
        )
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    L, S = query.shape[-2], key.shape[-2]
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key, value = _repeat_heads(query, key, value)
    factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = ops.matmul(query, key.transpose(-2, -1)) * factor
    allowed = None  # where a query may attend
    if is_causal:
        allowed = ones((L, S), dtype=dtypes.bool_, device=query.device).tril()
    elif attn_mask is not None:
        if attn_mask.dtype is dtypes.bool_:
            allowed = attn_mask
        else:
            scores = scores + attn_mask
    if allowed is not None:
        scores = scores.masked_fill(allowed.logical_not(), _NEG_INF)
    weights = softmax(scores, dim=-1)
    # A row with every score -inf is NaN after softmax: torch gives it zeros (no position to attend to).
    weights = weights.masked_fill((scores == _NEG_INF).all(dim=-1, keepdim=True), 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return ops.matmul(weights, value)


def _repeat_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple:
    """key and value with each of their heads repeated for the group of query heads that shares it."""
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if heads % kv_heads or heads % value.shape[-3]:
        raise RuntimeError(
            "Number of heads in key and value must divide the number of heads in query"
            f" (query {heads}, key {kv_heads}, value {value.shape[-3]})"
        )
    return (
        key.repeat_interleave(heads // kv_heads, dim=-3),
        value.repeat_interleave(heads // value.shape[-3], dim=-3),
    )


def _canonical_mask(mask: Tensor | None, name: str, like: Tensor) -> Tensor | None:
    """A mask as an additive float mask of ``like``'s dtype: a boolean one's True becomes -inf (masked out)."""
    if mask is None:
        return None
    if mask.dtype is dtypes.bool_:
        return zeros(tuple(mask.shape), dtype=like.dtype, device=like.device).masked_fill(mask, _NEG_INF)
    if not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple:
    """Multi-head attention on sequence-first inputs (L, N, E) (or unbatched (L, E)), as ``nn.MultiheadAttention``.

    Args:
        query, key, value: (L, N, E), (S, N, kdim), (S, N, vdim), or the same without N.
        embed_dim_to_check: E, checked against the query's last dimension.
        num_heads: heads the embedding is split into (E divisible by it).
        in_proj_weight, in_proj_bias: the packed (3E, E) projection of query, key and value and its bias.
        bias_k, bias_v: (1, 1, E) rows appended to the projected keys and values, or None.
        add_zero_attn: append a zero row to keys and values (after ``bias_k``/``bias_v``).
        dropout_p: dropout on the attention weights while ``training``.
        out_proj_weight, out_proj_bias: the output projection.
        training: whether dropout applies.
        key_padding_mask: (N, S) (or (S,)): True (or -inf) for keys to ignore.
        need_weights: also return the attention weights.
        attn_mask: (L, S) or (N * num_heads, L, S): True (or -inf) where a query may not attend.
        use_separate_proj_weight: project with ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` (key and
            value dimensions other than E) instead of ``in_proj_weight``.
        static_k, static_v: (N * num_heads, S, E / num_heads) keys and values used as they are.
        average_attn_weights: return the weights averaged over the heads (else per head).
        is_causal: a hint that ``attn_mask`` is the causal mask (which must then be given).

    Returns:
        (output (L, N, E), weights (N, L, S) or (N, num_heads, L, S), or None without ``need_weights``).
    """
    batched = query.ndim == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query)
    attn_mask = _canonical_mask(attn_mask, "attn_mask", query)

    q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                       (q_proj_weight, k_proj_weight, v_proj_weight))  # fmt: skip
    if attn_mask is not None:
        attn_mask = _batched_attn_mask(attn_mask, tgt_len, key.shape[0], bsz * num_heads)
    if bias_k is not None and bias_v is not None:
        k = ops.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ops.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))

    # (L, N, E) -> (N * heads, L, head_dim): each head of each batch element one matrix
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v
    if add_zero_attn:
        k = ops.cat([k, zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype, device=k.device)], dim=1)
        v = ops.cat([v, zeros((bsz * num_heads, 1, head_dim), dtype=v.dtype, device=v.device)], dim=1)
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(
                f"expecting key_padding_mask shape of {(bsz, src_len)}, but got {tuple(key_padding_mask.shape)}"
            )
        padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        padding = padding.reshape(bsz * num_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0
    if not need_weights:  # torch's path without the weights: scaled_dot_product_attention (a fully masked row: 0)
        if attn_mask is not None:  # one mask for all (1, L, S), or one per batch element and head
            attn_mask = (
                attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else attn_mask.reshape(bsz, num_heads, -1, src_len)
            )
        heads = (bsz, num_heads, -1, head_dim)
        out = scaled_dot_product_attention(q.reshape(heads), k.reshape(heads), v.reshape(heads), attn_mask, dropout_p)
        out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        return (out if batched else out.squeeze(1)), None

    # torch's path that returns the weights: a plain softmax (a fully masked row is NaN there, as in torch)
    scores = ops.bmm(q * math.sqrt(1.0 / head_dim), k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    out = ops.bmm(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    return (out, weights) if batched else (out.squeeze(1), weights.squeeze(0))


def _project(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    separate: bool,
    separate_weights: tuple,
) -> tuple:
    """The query, key and value projections: rows 0..E, E..2E and 2E..3E of the packed weight (and bias), or the
    three separate weights (key and value of other widths)."""
    embed_dim = query.shape[-1]
    biases: tuple = (None, None, None) if bias is None else tuple(bias.chunk(3))
    if separate:
        q_w, k_w, v_w = separate_weights
        if q_w is None or k_w is None or v_w is None:
            raise AssertionError(
                "use_separate_proj_weight is True but q_proj_weight, k_proj_weight or v_proj_weight is None"
            )
    else:
        if weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q_w, k_w, v_w = weight[:embed_dim], weight[embed_dim : 2 * embed_dim], weight[2 * embed_dim :]
    return linear(query, q_w, biases[0]), linear(key, k_w, biases[1]), linear(value, v_w, biases[2])


def _batched_attn_mask(mask: Tensor, tgt_len: int, src_len: int, heads_times_batch: int) -> Tensor:
    """An attention mask as (1 or N * heads, L, S), with torch's errors for other shapes."""
    if mask.ndim == 2:
        if tuple(mask.shape) != (tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {tuple(mask.shape)}, but should be {(tgt_len, src_len)}."
            )
        return mask.unsqueeze(0)
    if mask.ndim == 3:
        if tuple(mask.shape) != (heads_times_batch, tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {tuple(mask.shape)}, but should be "
                f"{(heads_times_batch, tgt_len, src_len)}."
            )
        return mask
    raise RuntimeError(f"attn_mask's dimension {mask.ndim} is not supported")
