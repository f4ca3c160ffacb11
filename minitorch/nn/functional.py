"""``minitorch.nn.functional``: torch's functional layer (activations, linear, conv, pooling, dropout, losses).

The differentiable work lives in ``minitorch.ops`` (``conv``, ``pool``, ``activation``,
``loss``, ``padding``); this module gives it torch's names and signatures.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import dtypes, ops
from ..ops.activation import dropout as _dropout
from ..ops.activation import dropout1d, dropout2d
from ..ops.activation import log_softmax as _log_softmax
from ..ops.activation import softmax as _softmax
from ..ops.conv import conv2d
from ..ops.conv1d import conv1d, conv_transpose1d
from ..ops.conv3d import conv3d, conv_transpose3d
from ..ops.conv_transpose import conv_transpose2d
from ..ops.cross_entropy import cross_entropy, nll_loss
from ..ops.ctc import functional_ctc_loss as ctc_loss
from ..ops.distance import cosine_similarity, normalize, pairwise_distance
from ..ops.linear import bilinear
from ..ops.linear import linear as _linear
from ..ops.loss import binary_cross_entropy, binary_cross_entropy_with_logits, l1_loss, mse_loss
from ..ops.loss_margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from ..ops.loss_multiclass import multi_margin_loss, multilabel_margin_loss
from ..ops.loss_regression import gaussian_nll_loss, huber_loss, kl_div, poisson_nll_loss, smooth_l1_loss
from ..ops.movement import pixel_shuffle, pixel_unshuffle
from ..ops.nonlinearity import (
    celu,
    elu,
    gelu,
    glu,
    logsigmoid,
    mish,
    selu,
    silu,
    softmin,
    softplus,
    softsign,
    tanhshrink,
)
from ..ops.normalization import batch_norm, group_norm, layer_norm
from ..ops.normalization_composed import instance_norm, local_response_norm, rms_norm
from ..ops.padding import pad
from ..ops.piecewise import (
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    prelu,
    relu6,
    softshrink,
    threshold,
)
from ..ops.piecewise import threshold as _threshold
from ..ops.pool import avg_pool2d, max_pool2d
from ..ops.pool1d import avg_pool1d, max_pool1d
from ..ops.pool3d import avg_pool3d, max_pool3d
from ..ops.pool3d_adaptive import adaptive_avg_pool3d, adaptive_max_pool3d
from ..ops.pool_adaptive import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d
from ..ops.upsample import interpolate
from ..tensor import Tensor
from .functional_attention import multi_head_attention_forward, scaled_dot_product_attention
from .functional_channels import channel_shuffle, native_channel_shuffle
from .functional_distance import pdist, triplet_margin_with_distance_loss
from .functional_embedding import embedding, embedding_bag
from .functional_random import alpha_dropout, feature_alpha_dropout, gumbel_softmax, rrelu, rrelu_
from .functional_vision import affine_grid, fold, grid_sample, max_unpool1d, max_unpool2d, unfold
from .functional_volumetric import (
    adaptive_max_pool3d_with_indices,
    dropout3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool3d_with_indices,
    max_unpool3d,
)

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "affine_grid",
    "alpha_dropout",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "celu_",
    "channel_shuffle",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cosine_embedding_loss",
    "cosine_similarity",
    "cross_entropy",
    "ctc_loss",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
    "elu_",
    "embedding",
    "embedding_bag",
    "feature_alpha_dropout",
    "fold",
    "gaussian_nll_loss",
    "gelu",
    "glu",
    "grid_sample",
    "group_norm",
    "gumbel_softmax",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "hinge_embedding_loss",
    "huber_loss",
    "instance_norm",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "leaky_relu_",
    "linear",
    "local_response_norm",
    "log_softmax",
    "logsigmoid",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "margin_ranking_loss",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "mish",
    "mse_loss",
    "multi_head_attention_forward",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "native_channel_shuffle",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss",
    "prelu",
    "relu",
    "relu6",
    "relu_",
    "rms_norm",
    "rrelu",
    "rrelu_",
    "scaled_dot_product_attention",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
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


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """In-place ``selu``."""
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return _threshold(input, threshold, value, inplace=True)


def max_pool1d_with_indices(input: Tensor, *args: Any, **kwargs: Any) -> tuple:
    """``max_pool1d`` returning (values, indices)."""
    kwargs["return_indices"] = True
    return max_pool1d(input, *args, **kwargs)


def max_pool2d_with_indices(input: Tensor, *args: Any, **kwargs: Any) -> tuple:
    """``max_pool2d`` returning (values, indices)."""
    kwargs["return_indices"] = True
    return max_pool2d(input, *args, **kwargs)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> tuple:
    """``adaptive_max_pool1d`` returning (values, indices)."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> tuple:
    """``adaptive_max_pool2d`` returning (values, indices)."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def upsample(
    input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest", align_corners: bool | None = None
) -> Tensor:
    """Deprecated spelling of ``interpolate`` (warns, as torch's does)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated spelling of ``interpolate(..., mode='nearest')`` (warns, as torch's does)."""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated spelling of ``interpolate(..., mode='bilinear', align_corners=True)`` (warns, as torch's does)."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


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
