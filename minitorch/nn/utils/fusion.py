"""Folding an evaluation-mode batch norm into the convolution or linear layer before it, as ``torch.nn.utils.fusion``.

In evaluation a batch norm is an affine map per channel, ``y = (x - mean) * w / sqrt(var + eps) + b``,
so the layer before it can absorb it: its weight scaled per output channel, its bias shifted. The
arithmetic is torch's, operation for operation, so the fused weights are the same floats.
"""

from __future__ import annotations

import copy
from typing import TypeVar

from ...creation import ones_like, zeros_like
from ...ops import rsqrt
from ...tensor import Tensor
from ..modules.batchnorm import _BatchNorm
from ..modules.conv import _ConvNd
from ..modules.linear import Linear
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]

ConvT = TypeVar("ConvT", bound=_ConvNd)
LinearT = TypeVar("LinearT", bound=Linear)


def _running_statistics(bn: _BatchNorm) -> tuple[Tensor, Tensor]:
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    return bn.running_mean, bn.running_var


def fuse_conv_bn_eval(conv: ConvT, bn: _BatchNorm, transpose: bool = False) -> ConvT:
    """A copy of ``conv`` that computes ``bn(conv(x))`` of the two layers in evaluation mode.

    Args:
        conv: a convolution (or transposed convolution, with ``transpose=True``), in eval mode.
        bn: the batch norm that follows it, in eval mode, with running statistics.
        transpose: the convolution's weight has its output channels second (a transposed convolution).
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    mean, var = _running_statistics(bn)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, mean, var, bn.eps, bn.weight, bn.bias, transpose
    )
    return fused


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of a convolution followed by a batch norm in evaluation mode, as new parameters.

    Args:
        conv_w: the convolution's weight.
        conv_b: its bias, or None.
        bn_rm: the batch norm's running mean.
        bn_rv: its running variance.
        bn_eps: its epsilon.
        bn_w: its weight (None: ones).
        bn_b: its bias (None: zeros).
        transpose: the weight has its output channels second (a transposed convolution).
    """
    weight_dtype = conv_w.dtype
    bias_dtype = conv_b.dtype if conv_b is not None else weight_dtype
    conv_b = zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = zeros_like(bn_rm) if bn_b is None else bn_b
    inv_std = rsqrt(bn_rv + bn_eps)
    rest = [1] * (conv_w.ndim - 2)
    shape = [1, -1, *rest] if transpose else [-1, 1, *rest]
    weight = (conv_w * (bn_w * inv_std).reshape(shape)).to(dtype=weight_dtype)
    bias = ((conv_b - bn_rm) * inv_std * bn_w + bn_b).to(dtype=bias_dtype)
    return Parameter(weight, conv_w.requires_grad), Parameter(bias, conv_b.requires_grad)


def fuse_linear_bn_eval(linear: LinearT, bn: _BatchNorm) -> LinearT:
    """A copy of ``linear`` that computes ``bn(linear(x))`` of the two layers in evaluation mode.

    Args:
        linear: a linear layer in eval mode.
        bn: the batch norm that follows it, in eval mode, with running statistics; its features equal the
            layer's outputs (or are 1, broadcast over them).
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(linear)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
            f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}"
        )
    mean, var = _running_statistics(bn)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, mean, var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor,
    bn_b: Tensor,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of a linear layer followed by a batch norm in evaluation mode, as new parameters.

    Args:
        linear_w: the layer's weight.
        linear_b: its bias, or None.
        bn_rm: the batch norm's running mean.
        bn_rv: its running variance.
        bn_eps: its epsilon.
        bn_w: its weight.
        bn_b: its bias.
    """
    weight_dtype = linear_w.dtype
    bias_dtype = linear_b.dtype if linear_b is not None else weight_dtype
    linear_b = zeros_like(bn_rm) if linear_b is None else linear_b
    scale = bn_w * rsqrt(bn_rv + bn_eps)
    weight = linear_w * scale.unsqueeze(-1).to(dtype=weight_dtype)
    bias = ((linear_b - bn_rm) * scale + bn_b).to(dtype=bias_dtype)
    return Parameter(weight, linear_w.requires_grad), Parameter(bias, linear_b.requires_grad)
