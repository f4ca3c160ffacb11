"""The Transformer (``nn.Transformer``) and its parts: encoder and decoder layers and their stacks, as in torch.

A layer is self-attention (and, in the decoder, attention over the encoder's output) plus a two-layer
feed-forward block, each with dropout, a residual connection and layer normalisation, after the block
(default) or before it (``norm_first``). A stack repeats deep copies of one layer. Masks are given as torch
takes them (``generate_square_subsequent_mask`` makes the causal one); a mask equal to the causal mask is
recognised as such, as torch does, which changes nothing in the result.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ...creation import full
from ...tensor import Tensor
from .. import functional as F
from .. import init
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]


def _activation(activation: str | Callable) -> Callable:
    """The feed-forward block's activation: "relu", "gelu" or a callable."""
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if callable(activation):
        return activation
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _square_subsequent_mask(size: int, device: Any = None, dtype: Any = None) -> Tensor:
    """(size, size) float mask: -inf above the diagonal (later positions), 0 on and below it."""
    return full((size, size), float("-inf"), dtype=dtype, device=device).triu(diagonal=1)


def _is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int | None) -> bool:
    """torch's ``_detect_is_causal_mask``: the hint if given, else whether ``mask`` is the causal mask."""
    if is_causal is True:
        return True
    if is_causal is None and mask is not None:
        size = size if size is not None else mask.shape[-2]
        causal = _square_subsequent_mask(size, device=mask.device, dtype=mask.dtype)
        if tuple(mask.shape) == tuple(causal.shape):
            return bool((mask == causal).all())
    return False


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: self-attention, the feed-forward block, their layer
    normalisations and dropouts, registered in torch's order (``_cross``: the decoder's attention over the
    encoder's output, with a third normalisation and dropout).

    Args:
        d_model: the width of the input and output.
        nhead: attention heads.
        dim_feedforward: the feed-forward block's hidden width.
        dropout: dropout after attention, inside and after the feed-forward block.
        activation: "relu", "gelu" or a callable.
        layer_norm_eps: the layer normalisations' epsilon.
        batch_first: inputs as (N, S, E) instead of (S, N, E).
        norm_first: normalise before each block instead of after its residual sum.
        bias: biases in the linear layers and layer normalisations.
        device, dtype: where and of what type the parameters are created.
    """

    _cross = False

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        made = {"device": device, "dtype": dtype}
        blocks = 3 if self._cross else 2
        for name in ("self_attn", "multihead_attn")[: blocks - 1]:
            setattr(
                self,
                name,
                MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **made),
            )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **made)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **made)
        self.norm_first = norm_first
        for i in range(1, blocks + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **made))
        for i in range(1, blocks + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation)

    def _sa_block(self, x: Tensor, mask: Tensor | None, padding: Tensor | None, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding, need_weights=False, is_causal=is_causal)[
            0
        ]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        last = self.dropout3 if self._cross else self.dropout2
        return last(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention and a feed-forward block, each with dropout, a residual connection and layer normalisation
    (arguments: ``_TransformerLayer``'s)."""

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """The layer on ``src`` (S, N, E); ``src_mask`` (S, S) where positions may not attend, ``src_key_padding_mask``
        (N, S) the padding to ignore; ``is_causal``: a hint that ``src_mask`` is the causal mask."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention, attention over the encoder's output (``memory``) and a feed-forward block, each with
    dropout, a residual connection and layer normalisation (arguments: ``_TransformerLayer``'s)."""

    _cross = True

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """The layer on ``tgt`` (T, N, E) attending to ``memory`` (S, N, E), with their masks as torch takes them."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _mha_block(
        self, x: Tensor, memory: Tensor, mask: Tensor | None, padding: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.multihead_attn(
            x, memory, memory, attn_mask=mask, key_padding_mask=padding, is_causal=is_causal, need_weights=False
        )[0]
        return self.dropout2(x)


def _stack_is_causal(layers: ModuleList, x: Tensor, mask: Tensor | None, is_causal: bool | None) -> bool:
    """Whether a stack's self-attention mask is the causal one for ``x``'s sequence length (the hint if given)."""
    first = layers[0] if len(layers) else None
    batch_first = getattr(getattr(first, "self_attn", None), "batch_first", False)
    return _is_causal_mask(mask, is_causal, x.shape[1 if batch_first and x.ndim == 3 else 0])


def _clones(module: Module, n: int) -> ModuleList:
    """``n`` independent deep copies of ``module`` (each with parameters of its own)."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` in sequence, then ``norm`` if given.

    Args:
        encoder_layer: the layer copied (``TransformerEncoderLayer``).
        num_layers: how many copies.
        norm: a final normalisation (a ``LayerNorm``), or None.
        enable_nested_tensor, mask_check: accepted for torch's signature (nested tensors are torch's fast path).
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Each layer in turn on ``src``, with ``mask`` and ``src_key_padding_mask``; ``is_causal`` None: whether
        ``mask`` is the causal mask is found out."""
        causal = _stack_is_causal(self.layers, src, mask, is_causal)
        out = src
        for mod in self.layers:
            out = mod(out, src_mask=mask, is_causal=causal, src_key_padding_mask=src_key_padding_mask)
        return self.norm(out) if self.norm is not None else out


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` in sequence, then ``norm`` if given."""

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Each layer in turn on ``tgt``, attending to ``memory``; ``tgt_is_causal`` None: found out from ``tgt_mask``."""
        causal = _stack_is_causal(self.layers, tgt, tgt_mask, tgt_is_causal)
        out = tgt
        for mod in self.layers:
            out = mod(
                out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask, tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=causal,
                memory_is_causal=memory_is_causal,
            )  # fmt: skip
        return self.norm(out) if self.norm is not None else out


class Transformer(Module):
    """An encoder-decoder Transformer ("Attention Is All You Need"), torch's ``nn.Transformer``.

    Args:
        d_model: the model's width.
        nhead: attention heads.
        num_encoder_layers, num_decoder_layers: depth of each stack.
        dim_feedforward: the feed-forward blocks' hidden width.
        dropout: dropout throughout.
        activation: "relu", "gelu" or a callable.
        custom_encoder, custom_decoder: modules used instead of the stacks built here.
        layer_norm_eps: the layer normalisations' epsilon.
        batch_first: inputs as (N, S, E) instead of (S, N, E).
        norm_first: normalise before each block.
        bias: biases in the linear layers and layer normalisations.
        device, dtype: where and of what type the parameters are created.
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = F.relu,
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        made = {"device": device, "dtype": dtype}
        layer_args = (
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(*layer_args, **made)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **made)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(*layer_args, **made)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **made)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self) -> None:
        """torch's initialisation: Xavier-uniform for every matrix."""
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    @staticmethod
    def generate_square_subsequent_mask(size: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The causal mask: (size, size) floats, -inf above the diagonal (future positions) and 0 elsewhere."""
        return _square_subsequent_mask(size, device=device, dtype=dtype)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src`` (S, N, E), decode ``tgt`` (T, N, E) attending to the encoding; the masks as the layers
        take them (``tgt_mask``: usually ``generate_square_subsequent_mask(T)``)."""
        batched = src.ndim == 3
        if batched and src.shape[0 if self.batch_first else 1] != tgt.shape[0 if self.batch_first else 1]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask, tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )  # fmt: skip
