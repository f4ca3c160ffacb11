"""Helpers the distributions share, as ``torch.distributions.utils``: broadcasting parameters, moving between
probabilities and logits, and ``lazy_property`` (a parameter derived from the other on first read)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .. import ops
from ..autograd.grad_mode import enable_grad
from ..creation import arange, randn, tensor, zeros_like
from ..dtypes import get_default_dtype
from ..size import Size
from ..tensor import Tensor
from ..type_info import finfo

__all__ = [
    "broadcast_all",
    "clamp_probs",
    "lazy_property",
    "logits_to_probs",
    "probs_to_logits",
    "tril_matrix_to_vec",
    "vec_to_tril_matrix",
]

euler_constant = 0.57721566490153286060  # the Euler-Mascheroni constant


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number)


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """``values`` (tensors and numbers) as tensors broadcast to one shape.

    Numbers become tensors of the first tensor's dtype and device (of the default dtype when all are numbers).

    Args:
        values: tensors or Python numbers.
    """
    if not all(isinstance(v, Tensor) or _is_number(v) for v in values):
        raise ValueError(
            "Input arguments must all be instances of Number, torch.Tensor or objects implementing __torch_function__."
        )
    first = next((v for v in values if isinstance(v, Tensor)), None)
    options: dict[str, Any] = (
        {"dtype": get_default_dtype()} if first is None else {"dtype": first.dtype, "device": first.device}
    )
    as_tensors = [v if isinstance(v, Tensor) else tensor(v, **options) for v in values]
    try:
        shape = tuple(ops.broadcast_shapes(*(tuple(t.shape) for t in as_tensors)))
    except RuntimeError:
        ops.broadcast_tensors(*as_tensors)  # raises torch's words for tensors that do not broadcast
        raise
    # as torch: a tensor already of the shape is returned itself (a Normal's loc *is* the tensor given)
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in as_tensors)


def _standard_normal(shape: Sequence[int], dtype: Any, device: Any) -> Tensor:
    """N(0, 1) noise of ``shape`` from minitorch's generator (the noise of a reparameterised sample)."""
    return randn(tuple(shape), dtype=dtype, device=device)


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[: value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: the sigmoid of log-odds (``is_binary``), else a softmax over the last dimension.

    Args:
        logits: log-odds, or unnormalised log-probabilities along the last dimension.
        is_binary: whether ``logits`` are the log-odds of one event each.
    """
    return ops.sigmoid(logits) if is_binary else ops.softmax(logits, -1)


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped to [eps, 1 - eps] (eps of its dtype), so that their logs and log-odds are finite.

    Args:
        probs: probabilities.
    """
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities (clamped first): log-odds (``is_binary``), else log-probabilities.

    Args:
        probs: probabilities.
        is_binary: whether each of ``probs`` is the probability of one event (giving log-odds).
    """
    clamped = clamp_probs(probs)
    if is_binary:
        return ops.log(clamped) - ops.log1p(-clamped)
    return ops.log(clamped)


class lazy_property:
    """A value computed on first read and then kept on the instance (it replaces the descriptor there).

    A distribution given ``probs`` derives ``logits`` this way and the other way round; ``__dict__``
    tells which were given, which is what validation and ``expand`` look at. The value is computed
    with gradients enabled, so that it stays differentiable even when first read under ``no_grad``.

    Args:
        wrapped: the method computing the value.
    """

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _tril_mask(n: int, diag: int, device: Any) -> Tensor:
    rows = arange(n, device=device)
    return rows < rows.reshape(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower triangle (from diagonal ``diag``) of each matrix in ``mat``, row by row, as a vector.

    Args:
        mat: a (batch of) square matrices.
        diag: the highest diagonal kept (0: the main one; -1: strictly below it).
    """
    n = mat.shape[-1]
    if not -n <= diag < n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The inverse of ``tril_matrix_to_vec``: lower-triangular matrices filled row by row from ``vec``.

    Args:
        vec: a (batch of) vectors whose length is a triangle number for ``diag``.
        diag: the highest diagonal filled.
    """
    m = vec.shape[-1]
    b = 1 + 2 * diag  # n solves n**2 + b*n - |diag|*(diag+1) - 2*m = 0
    n = (-b + (b * b + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > finfo(vec.dtype).eps:
        raise ValueError(
            f"The size of last dimension is {m} which cannot be expressed as "
            "the lower triangular part of a square D x D matrix."
        )
    size = round(n)
    slots = sum(min(max(row + diag + 1, 0), size) for row in range(size))  # the triangle's entries
    if slots != m:  # (n rounded down to a smaller triangle)
        raise RuntimeError(
            f"shape mismatch: value tensor of shape [{m}] cannot be broadcast to indexing result of shape [{slots}]"
        )
    mask = _tril_mask(size, diag, vec.device).reshape(-1)
    # scatter by gathering: each flat position reads its vector slot (or a padded zero off the triangle)
    source = ops.where(mask, ops.cumsum(mask.long(), 0) - 1, m)
    padded = ops.cat([vec, zeros_like(vec[..., :1])], -1)
    flat = padded.index_select(-1, source)
    return flat.reshape(tuple(vec.shape[:-1]) + (size, size))


class BinaryProbsLogits:
    """A binary parameter given as ``probs`` or ``logits``: each derived lazily from the other, and the one given
    (``_param``) setting the parameter's shape (Bernoulli, Binomial, NegativeBinomial, LogitRelaxedBernoulli)."""

    _param: Tensor

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.size()
