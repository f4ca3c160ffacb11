"""Functions whose training-mode output is random beyond dropout's mask: ``rrelu`` (a random negative slope per
element), ``alpha_dropout`` and ``feature_alpha_dropout`` (dropout that keeps a SELU network's zero mean and unit
variance) and ``gumbel_softmax`` (a differentiable sample of a categorical distribution).

Every draw comes from minitorch's generator (on the host) through ``minitorch.random``, so ``manual_seed`` makes
them repeatable; the values follow torch's formulas, and the draws follow its distributions (not its bits).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import dtypes
from ..creation import empty_like, zeros, zeros_like
from ..ops.activation import Dropout
from ..random import sample_uniform
from ..tensor import Tensor

__all__ = ["alpha_dropout", "feature_alpha_dropout", "gumbel_softmax", "rrelu", "rrelu_"]

# -scale * alpha of SELU: the value SELU saturates to for very negative inputs, which alpha dropout sets dropped
# elements to (before its affine correction).
_SELU_SATURATION = 1.7580993408473766


class RreluWithNoise(Dropout):
    """x * noise with noise a constant array of slopes (dropout's op, under the node name torch's rrelu records)."""

    node_name = "RreluWithNoiseBackward0"


class RreluWithNoiseInplace(RreluWithNoise):
    """``rrelu_``'s node: the same op under torch's name for the in-place variant."""

    node_name = "RreluWithNoiseBackward1"


def _rrelu_noise(x: Tensor, lower: float, upper: float, training: bool) -> Any:
    """The slope of each element: U(lower, upper) where x <= 0 when training, (lower + upper) / 2 where x <= 0 in
    evaluation (torch's leaky_relu), 1 elsewhere."""
    data, xp = x._data, x._xp
    if training:
        slopes = sample_uniform(x.shape, lower, upper, x.dtype, None, x.device)
        return xp.where(data <= 0, slopes, 1).astype(data.dtype)
    return xp.where(data > 0, 1, (lower + upper) / 2).astype(data.dtype)


def _check_rrelu(input: Tensor, lower: float, upper: float, training: bool) -> None:
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    supported = (dtypes.float32, dtypes.float64) if training else None
    if not input.dtype.is_floating_point or (supported is not None and input.dtype not in supported):
        kernel = "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._scalar_name}'")


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False
) -> Tensor:
    """Randomized leaky ReLU: x where x > 0, else x times a slope drawn from U(lower, upper) per element when
    training (the gradient is that slope), or times (lower + upper) / 2 in evaluation.

    Args:
        input: floating tensor.
        lower, upper: the range of the random slopes.
        training: draw random slopes (default False, as torch's functional form).
        inplace: write the result into ``input``.
    """
    _check_rrelu(input, lower, upper, training)
    if inplace:
        return input._inplace(lambda s: RreluWithNoiseInplace.apply(s, _rrelu_noise(s, lower, upper, training)))
    return RreluWithNoise.apply(input, _rrelu_noise(input, lower, upper, training))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input.numel() == 0:  # torch hands the input itself back, and draws nothing
        return input
    if p == 1:  # everything dropped: zeros (torch multiplies by a zero, so the gradient is zero too)
        zero = zeros((), dtype=input.dtype, device=input.device)
        return input._inplace(lambda s: s * zero) if inplace else input * zero
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input.dtype._scalar_name}")
    # Kept elements become a * x + c, dropped ones a * (-alpha) + c (alpha the SELU saturation), where a and c
    # restore a zero-mean, unit-variance input's mean and variance (torch's formula).
    scale = 1.0 / math.sqrt((_SELU_SATURATION**2 * p + 1) * (1 - p))
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    keep = (sample_uniform(shape, 0.0, 1.0, dtypes.float64, None, input.device) < 1 - p).astype(input._data.dtype)
    shift = Tensor._wrap((keep - 1) * (_SELU_SATURATION * scale) + _SELU_SATURATION * scale * p)
    factor = Tensor._wrap(keep * scale)
    if inplace:
        return input._inplace(lambda s: s * factor + shift)
    return input * factor + shift


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped elements take SELU's saturation value and the result is scaled and shifted
    so that a zero-mean, unit-variance input keeps its mean and variance.

    Args:
        input: floating tensor.
        p: probability of dropping an element, in [0, 1].
        training: when False (the default, as torch's), ``input`` is returned unchanged.
        inplace: write the result into ``input``.
    """
    return _alpha_dropout(input, p, training, inplace, feature=False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels (dim 1 of an (N, C, ...) input; one draw per sample and channel).

    Args:
        input: floating tensor of at least 2 dimensions.
        p: probability of dropping a channel, in [0, 1].
        training: when False (the default, as torch's), ``input`` is returned unchanged.
        inplace: write the result into ``input``.
    """
    return _alpha_dropout(input, p, training, inplace, feature=True)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with g Gumbel(0, 1) noise.

    With ``hard`` the result is the one-hot vector of the sample's largest entry, while the gradient is the soft
    sample's (straight-through: ``one_hot - soft.detach() + soft``).

    Args:
        logits: unnormalised log-probabilities.
        tau: the temperature (small: close to one-hot).
        hard: return one-hot samples.
        eps: deprecated, unused (torch warns when it is given).
        dim: the dimension of the categories.
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    noise = -empty_like(logits).exponential_().log()  # Gumbel(0, 1): minus the log of an Exp(1) draw
    soft = ((logits + noise) / tau).softmax(dim)
    if not hard:
        return soft
    one_hot = zeros_like(logits).scatter_(dim, soft.argmax(dim, keepdim=True), 1.0)
    return one_hot - soft.detach() + soft
