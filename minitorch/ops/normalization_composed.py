"""rms_norm, instance_norm and local_response_norm: normalisations composed of recorded ops (instance_norm
through batch_norm's kernel, as torch computes it), so their gradients, to any order, come from those ops."""

from __future__ import annotations

import math
from typing import Any

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ..type_info import finfo
from .base import require_floating
from .normalization import batch_norm
from .padding import pad

__all__ = ["instance_norm", "local_response_norm", "rms_norm"]


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing dims of shape ``normalized_shape``, times ``weight``.

    Args:
        normalized_shape: an int or a sequence of ints: the input's last dims.
        weight: of shape ``normalized_shape``, or None.
        eps: added to the mean square (default: the machine epsilon of the input's dtype).
    """
    shape = [int(normalized_shape)] if isinstance(normalized_shape, int) else [int(n) for n in normalized_shape]
    k = len(shape)
    if weight is not None and list(weight.shape) != shape:
        raise RuntimeError(
            f"Expected weight to be of same shape as normalized_shape, but got weight of shape {list(weight.shape)} "
            f"and normalized_shape = {shape}"
        )
    if input.ndim < k or list(input.shape[input.ndim - k :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={shape}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    require_floating(input, "rms_norm")
    dims = tuple(range(input.ndim - k, input.ndim))
    eps = finfo(input.dtype).eps if eps is None else eps
    out = input * ((input * input).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample of a (N, C, *) input over its spatial dims, then scale and shift.

    Args:
        running_mean, running_var: (C,) running statistics, updated in place (averaged over the batch) when
            ``use_input_stats``; used to normalise otherwise.
        weight, bias: (C,) or None.
        use_input_stats: normalise by each instance's own statistics.
        momentum: the running statistics' update factor.
        eps: added to the variance.
    """
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    n, c = input.shape[0], input.shape[1]
    # One batch of N * C channels: each instance's channel normalised by its own statistics.
    flat = input.reshape(1, n * c, *input.shape[2:])
    stats = [None if s is None else s.repeat(n) for s in (running_mean, running_var)]
    out = batch_norm(
        flat, stats[0], stats[1],
        None if weight is None else weight.repeat(n), None if bias is None else bias.repeat(n),
        use_input_stats, momentum, eps,
    )  # fmt: skip
    with no_grad():
        for running, repeated in zip((running_mean, running_var), stats):
            if running is not None and repeated is not None and use_input_stats:
                running.copy_(repeated.reshape(n, c).mean(0))
    return out.reshape(input.shape)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta (AlexNet's normalisation), the
    window over channels zero-padded by size // 2 before and (size - 1) // 2 after, as torch's.

    Args:
        input: (N, C, *) with at least one dimension after the channels.
        size: channels in the window.
        alpha, beta, k: the formula's constants.
    """
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    squares = (input * input).movedim(1, -1)  # channels last: one window per position
    padded = pad(squares, (size // 2, (size - 1) // 2))
    average = padded.unfold(-1, size, 1).mean(-1).movedim(-1, 1)
    return input / (average * alpha + k).pow(beta)
