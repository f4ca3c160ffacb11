"""Weight initialisation (``torch.nn.init``): in-place fills under no_grad from minitorch's generator.

Everything of torch's but ``sparse_``. The random fills draw from minitorch's own generator, so
they follow torch's distributions but not its numbers.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..creation import from_numpy
from ..random import sample_normal, sample_uniform
from ..tensor import Tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (e.g. sqrt(2) for relu, 5/3 for tanh).

    Args:
        nonlinearity: the function's name as in torch ('relu', 'leaky_relu', 'tanh', 'conv2d', ...).
        param: the negative slope of leaky_relu (default 0.01).
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple:
    """(fan_in, fan_out): input/output feature maps times the receptive field (kernel) size."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for n in tensor.shape[2:]:
        receptive *= n
    return tensor.size(1) * receptive, tensor.size(0) * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _no_op_if_empty(tensor: Tensor) -> bool:
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return True
    return False


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with U(a, b) samples."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with N(mean, std**2) samples."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros."""
    with no_grad():
        return tensor.zero_()


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def _copy_in(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Write host ``values`` into ``tensor`` (any device, cast to its dtype) without recording a graph."""
    with no_grad():
        tensor.copy_(from_numpy(values))
    return tensor


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator: Any = None
) -> Tensor:
    """Fill ``tensor`` with N(mean, std**2) samples truncated to [a, b] (redrawn until inside).

    Args:
        mean, std: the normal distribution before truncation.
        a, b: the bounds (in the tensor's precision, as torch compares them).
        generator: the random generator to draw from (default: minitorch's).
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
            "may be incorrect.",
            stacklevel=2,
        )
    np_dtype = tensor.dtype.np_dtype
    lo, hi = float(np.dtype(np_dtype).type(a)), float(np.dtype(np_dtype).type(b))
    shape = tuple(tensor.shape)
    mass = (math.erf((b - mean) / std / math.sqrt(2.0)) - math.erf((a - mean) / std / math.sqrt(2.0))) / 2
    if mass > 0.3:  # most normal draws land inside: redraw only those outside
        values = sample_normal(shape, mean, std, dtypes.float64, generator)
        outside = (values < lo) | (values > hi)
        while outside.any():
            values[outside] = sample_normal((int(outside.sum()),), mean, std, dtypes.float64, generator)
            outside = (values < lo) | (values > hi)
    else:  # a narrow or far window: uniform proposals on [a, b], accepted with the normal's relative density
        log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
        values = np.empty(shape)
        pending = np.ones(shape, dtype=bool)
        while pending.any():
            n = int(pending.sum())
            proposal = sample_uniform((n,), a, b, dtypes.float64, generator)
            log_ratio = -0.5 * ((proposal - mean) / std) ** 2 - log_peak
            accept = np.log(sample_uniform((n,), 0.0, 1.0, dtypes.float64, generator)) <= log_ratio
            idx = np.flatnonzero(pending)[accept]
            values.flat[idx] = proposal[accept]
            pending.flat[idx] = False
    return _copy_in(tensor, values.astype(np_dtype))


def eye_(tensor: Tensor) -> Tensor:
    """Fill the 2-D ``tensor`` with the identity matrix (ones on the main diagonal)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _copy_in(tensor, np.eye(*tensor.shape, dtype=tensor.dtype.np_dtype))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: the layer passes its input channels through.

    Args:
        groups: the convolution's groups; each keeps its own channels.
    """
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    channels = np.arange(min(per_group, sizes[1]))
    out_index = (np.arange(groups)[:, None] * per_group + channels[None, :]).ravel()
    values = np.zeros(sizes, dtype=tensor.dtype.np_dtype)
    values[(out_index, np.tile(channels, groups)) + tuple(s // 2 for s in sizes[2:])] = 1
    return _copy_in(tensor, values)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator: Any = None
) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan).

    Args:
        a: negative slope of the rectifier that follows (leaky_relu only).
        mode: 'fan_in' keeps the forward variance, 'fan_out' the backward one.
        nonlinearity: as in ``calculate_gain``.
    """
    if _no_op_if_empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator: Any = None
) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan)."""
    if _no_op_if_empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with a (semi-)orthogonal matrix: the Q of a Gaussian matrix's QR, scaled by ``gain``.

    Dimensions after the first are flattened; rows (or, when wider than tall, columns) are orthonormal.

    Args:
        gain: the scale factor.
        generator: the random generator to draw from (default: minitorch's).
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flat = sample_normal((rows, cols), 0.0, 1.0, dtypes.float64, generator)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # makes the factorisation unique, so Q is uniform over orthogonal matrices
    if rows < cols:
        q = q.T
    return _copy_in(tensor, (q * gain).reshape(tuple(tensor.shape)).astype(tensor.dtype.np_dtype))


def _deprecated(new: Callable) -> Callable:
    """torch's old name without the trailing underscore: warns, then does the same."""
    old = new.__name__[:-1]

    @functools.wraps(new)
    def old_name(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.", FutureWarning, stacklevel=2
        )
        return new(*args, **kwargs)

    old_name.__name__ = old_name.__qualname__ = old
    old_name.__doc__ = f"Deprecated: use ``{new.__name__}``."
    return old_name


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
