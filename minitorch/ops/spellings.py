"""torch's other top-level spellings of what minitorch computes already: ``rsub``, ``trapz``, ``chain_matmul``,
``constant_pad_nd``, the deprecated ``frobenius_norm`` and ``nuclear_norm``, and ``binomial`` sampling."""

from __future__ import annotations

import warnings
from typing import Any

from ..backend import array_module
from ..random import Generator, sample_binomial
from ..tensor import Tensor
from .arithmetic import sub
from .base import broadcast_shape, check_broadcast
from .cumulative import trapezoid
from .matrix_functions import linalg_multi_dot
from .norms import matrix_norm, vector_norm
from .padding import pad as _pad  # constant_pad_nd takes an argument named pad

__all__ = ["binomial", "chain_matmul", "constant_pad_nd", "frobenius_norm", "nuclear_norm", "rsub", "trapz"]


def rsub(input: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """``other - alpha * input``: ``sub`` with its operands swapped.

    Args:
        input: the tensor subtracted.
        other: a tensor or number subtracted from.
        alpha: the multiplier of ``input``.
    """
    return sub(other, input, alpha=alpha)


def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """torch's older name of ``trapezoid``: the integral of ``y`` along ``dim`` by the trapezoid rule.

    Args:
        y: the values.
        x: the sample points (a tensor), or None for spacing ``dx``.
        dx: the spacing of the points (1 when neither is given).
        dim: the dimension integrated over.
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def chain_matmul(*matrices: Tensor) -> Tensor:
    """Deprecated (as in torch): the product of the 2-D ``matrices``, as ``linalg.multi_dot``.

    Args:
        *matrices: one or more 2-D tensors of matching inner sizes.
    """
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use torch.linalg.multi_dot "
        "instead, which accepts a list of two or more tensors rather than multiple parameters.",
        UserWarning,
        stacklevel=2,
    )
    if len(matrices) == 0:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        if matrices[0].ndim != 2:
            raise RuntimeError(f"Tensor dimension is {matrices[0].ndim}, expected 2 instead.")
        return matrices[0].clone()
    return linalg_multi_dot(list(matrices))


def constant_pad_nd(input: Tensor, pad: Any, value: float = 0) -> Tensor:
    """``input`` padded with ``value``: ``pad`` holds (before, after) pairs for the last dimensions, last first.

    Args:
        input: the tensor.
        pad: the amounts, as for ``nn.functional.pad`` (negative ones crop).
        value: the fill.
    """
    return _pad(input, pad, "constant", value)


def frobenius_norm(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """Deprecated (as in torch): the 2-norm over ``dim``, as ``linalg.vector_norm(input, 2, dim, keepdim)``.

    Args:
        input: a floating tensor.
        dim: the dimensions reduced.
        keepdim: keep them with size 1.
    """
    warnings.warn(
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
        "PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    return vector_norm(input, 2, dim, keepdim)


def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Deprecated (as in torch): the nuclear norm, as ``linalg.matrix_norm(input, 'nuc', dim, keepdim)``.

    Args:
        input: a floating tensor of at least 2 dimensions.
        dim: the two matrix dimensions (the last two when None); a bool here is ``keepdim``, as in torch.
        keepdim: keep them with size 1.
    """
    warnings.warn(
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
        "PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(dim, bool):  # torch's overload nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim)


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Binomial samples: ``count`` trials of success probability ``prob``, elementwise, in ``count``'s dtype.

    Args:
        count: the (floating) numbers of trials.
        prob: the success probabilities, of ``count``'s shape.
        generator: the random source (minitorch's default when None).
    """
    for name, t in (("count", count), ("prob", prob)):
        if not t.dtype.is_floating_point:
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: {t.dtype._scalar_name}")
    if prob.dtype != count.dtype:
        raise RuntimeError(f"Found dtype {prob.dtype._scalar_name} but expected {count.dtype._scalar_name}")
    check_broadcast(count, prob)
    shape = broadcast_shape(count.shape, prob.shape)
    xp = array_module(count._data)
    counts, probs = xp.broadcast_to(count._data, shape), xp.broadcast_to(prob._data, shape)
    drawn = sample_binomial(counts, probs, generator, count.device)
    # torch does not differentiate a sample: the result is outside the graph
    return Tensor._wrap(drawn.astype(count._data.dtype))
