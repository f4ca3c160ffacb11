"""``ExponentialFamily``: distributions with density exp(<t(x), theta> - F(theta) + k(x)), whose entropy follows
from the log normaliser F by automatic differentiation."""

from __future__ import annotations

from typing import Any

from ..autograd.engine import grad
from ..tensor import Tensor
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """A distribution of an exponential family, given by its natural parameters ``theta`` and log normaliser ``F``.

    The generic ``entropy`` is F(theta) - <theta, grad F(theta)> - E[k(x)] (a Bregman divergence);
    subclasses may override it with a closed form.
    """

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """The natural parameters theta."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """F(theta)."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> float:
        """E[k(x)]."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        thetas = [p.detach().requires_grad_() for p in self._natural_params]
        log_normalizer = self._log_normalizer(*thetas)
        # create_graph: the entropy stays differentiable in theta
        slopes = grad(log_normalizer.sum(), thetas, create_graph=True)
        result: Any = log_normalizer - self._mean_carrier_measure
        for theta, slope in zip(thetas, slopes):
            result = result - (theta * slope).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result
