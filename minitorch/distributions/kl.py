"""``kl_divergence(p, q)``: KL(p || q) in closed form, found by the pair of types; ``register_kl`` adds a pair."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from .. import linalg, ops
from ..tensor import Tensor
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis
from .normal import Normal
from .uniform import Uniform
from .utils import _sum_rightmost

__all__ = ["kl_divergence", "register_kl"]


def _at_least_as_specific(a: tuple, b: tuple) -> bool:
    """Whether pair ``a`` comes no later than ``b`` in the subclass order, compared element by element."""
    for x, y in zip(a, b):
        if not issubclass(x, y):
            return False
        if x is not y:
            break
    return True


def _most_specific(pairs: list) -> tuple:
    best = pairs[0]
    for pair in pairs[1:]:
        if pair != best and _at_least_as_specific(pair, best):
            best = pair
    return best


class KLRegistry:
    """The closed forms of KL(p || q) by the pair (type of p, type of q): ``register_kl`` adds to it, and
    ``kl_divergence`` looks up the most specific registered pair that the distributions' types match."""

    def __init__(self) -> None:
        self._functions: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}

    def register(self, type_p: type, type_q: type, fun: Callable[[Any, Any], Tensor]) -> None:
        self._functions[type_p, type_q] = fun

    def lookup(self, type_p: type, type_q: type) -> Callable[[Any, Any], Tensor] | None:
        """The function for the most specific pair matching (type_p, type_q); None where none matches."""
        matches = [(p, q) for p, q in self._functions if issubclass(type_p, p) and issubclass(type_q, q)]
        if not matches:
            return None
        # the most specific pair by p first, then by q first: when they disagree the choice is ambiguous
        left_p, left_q = _most_specific(matches)
        right_q, right_p = _most_specific([(q, p) for p, q in matches])
        fun = self._functions[left_p, left_q]
        if fun is not self._functions[right_p, right_q]:
            warnings.warn(
                f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). "
                f"Please register_kl({left_p.__name__}, {right_q.__name__})",
                RuntimeWarning,
                stacklevel=4,
            )
        return fun


_KL_FUNCTIONS = KLRegistry()


def register_kl(type_p: type, type_q: type) -> Callable[[Callable], Callable]:
    """A decorator that makes ``kl_divergence`` use the function for p of ``type_p`` and q of ``type_q``
    (subclasses included; the most specific registered pair wins).

    Args:
        type_p, type_q: subclasses of ``Distribution``.
    """
    for name, kind in (("type_p", type_p), ("type_q", type_q)):
        if not (isinstance(kind, type) and issubclass(kind, Distribution)):
            raise TypeError(f"Expected {name} to be a Distribution subclass but got {kind}")

    def decorator(fun: Callable) -> Callable:
        _KL_FUNCTIONS.register(type_p, type_q, fun)
        return fun

    return decorator


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) = E_p[log p(x) - log q(x)], of the broadcast batch shape.

    Args:
        p, q: distributions of a registered pair of types.

    Raises:
        NotImplementedError: when no function is registered for the pair.
    """
    fun = _KL_FUNCTIONS.lookup(type(p), type(q))
    if fun is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {type(p).__name__} and q type {type(q).__name__}"
        )
    return fun(p, q)


def _batch_trace_XXT(bmat: Tensor) -> Tensor:
    """trace(X X^T), the sum of X's squared entries, for each matrix X of ``bmat``."""
    return bmat.pow(2).sum((-2, -1))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    # the terms of the outcome p never shows are 0; those q never shows (but p does) are infinite
    ones = p.probs * (ops.softplus(-q.logits) - ops.softplus(-p.logits))
    ones = ops.where(p.probs == 0, 0.0, ops.where(q.probs == 0, math.inf, ones))
    zeros = (1 - p.probs) * (ops.softplus(q.logits) - ops.softplus(p.logits))
    zeros = ops.where(p.probs == 1, 0.0, ops.where(q.probs == 1, math.inf, zeros))
    return ones + zeros


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = ops.where(p.probs == 0, 0.0, ops.where(q.probs == 0, math.inf, t))
    return t.sum(-1)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return ops.where((q.low > p.low) | (q.high < p.high), math.inf, result)  # p reaches outside q


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two Multivariate Normals with different event shapes cannot be computed"
        )
    p_tril, q_tril = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_log_det_ratio = q._half_log_det() - p._half_log_det()
    n = p.event_shape[0]
    batch = tuple(ops.broadcast_shapes(tuple(q_tril.shape[:-2]), tuple(p_tril.shape[:-2])))
    # trace(Sigma_q^-1 Sigma_p) = |L_q^-1 L_p|^2 (Frobenius)
    trace = _batch_trace_XXT(
        linalg.solve_triangular(q_tril.expand(batch + (n, n)), p_tril.expand(batch + (n, n)), upper=False)
    )
    mahalanobis = _batch_mahalanobis(q_tril, q.loc - p.loc)
    return half_log_det_ratio + 0.5 * (trace + mahalanobis - n)
