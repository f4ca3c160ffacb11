"""``minitorch.nn.functional``: torch's functional layer (activations, linear, conv, pooling, dropout, losses).

The differentiable work lives in ``minitorch.ops`` (``conv``, ``pool``, ``activation``,
``loss``, ``padding``); this module gives it torch's names and signatures.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import dtypes, ops
from ..autograd.grad_mode import no_grad
from ..ops.activation import dropout as _dropout
from ..ops.activation import log_softmax as _log_softmax
from ..ops.activation import softmax as _softmax
from ..ops.conv import conv2d
from ..ops.cross_entropy import cross_entropy, nll_loss
from ..ops.embedding import embedding as _embedding
from ..ops.embedding import embedding_renorm_ as _embedding_renorm_
from ..ops.linear import linear as _linear
from ..ops.loss import binary_cross_entropy, binary_cross_entropy_with_logits, l1_loss, mse_loss
from ..ops.padding import pad
from ..ops.pool import avg_pool2d, max_pool2d
from ..tensor import Tensor

__all__ = [
    "avg_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "l1_loss",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "relu_",
    "sigmoid",
    "softmax",
    "tanh",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0) elementwise.

    Args:
        input: any tensor.
        inplace: write the result into ``input`` and return it.
    """
    return input.relu_() if inplace else ops.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-input)) elementwise."""
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return ops.tanh(input)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` (one ``AddmmBackward0`` node, as in torch).

    Args:
        input: (*, in_features).
        weight: (out_features, in_features), or (in_features,) without bias for one output without that dim.
        bias: (out_features,) or None.
    """
    return _linear(input, weight, bias)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """exp(input) normalised along ``dim`` (stable: the max is subtracted first).

    Args:
        input: floating tensor.
        dim: the dimension that sums to 1 (None is deprecated; torch's implicit choice is used).
        dtype: cast ``input`` to this dtype first.
    """
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """log(softmax(input)) along ``dim``, computed without forming softmax.

    Args:
        input: floating tensor.
        dim: the dimension normalised over (None is deprecated; torch's implicit choice is used).
        dtype: cast ``input`` to this dtype first.
    """
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero elements with probability ``p`` (mask from minitorch's generator) and scale the rest by 1/(1-p).

    Args:
        input: floating tensor.
        p: probability of zeroing an element, in [0, 1].
        training: when False, ``input`` is returned unchanged.
        inplace: write the result into ``input``.
    """
    if inplace and training:
        if p < 0.0 or p > 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        return input._inplace(lambda s: _dropout(s, p, True))
    return _dropout(input, p, training)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding along a new last dim.

    Args:
        tensor: int64 class indices.
        num_classes: length of the new dim; -1 infers ``max(tensor) + 1``.
    """
    if tensor.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    data, xp = tensor._data, tensor._xp
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    if data.size:
        if int(data.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(data.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._wrap((data[..., None] == xp.arange(num_classes)).astype(xp.int64))


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
