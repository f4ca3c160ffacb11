"""What ``HalfNormal`` and ``HalfCauchy`` share: |X| for X symmetric about 0, as a ``TransformedDistribution``.

The density, distribution function, quantiles and entropy of |X| follow from X's by the fold at 0 (twice the
density on the nonnegative half, 2 F(y) - 1, F^-1((p + 1) / 2), the entropy less log 2); each family adds its
base distribution and its own moments.
"""

from __future__ import annotations

import math
from typing import Any

from .. import ops
from ..creation import zeros_like
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms_pointwise import AbsTransform

__all__ = ["HalfSymmetric"]


class HalfSymmetric(TransformedDistribution):
    """Y = |X| for X = ``base(0, scale)``, a distribution symmetric about 0 (subclasses name ``base``)."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    base: Any  # the family of X, made as base(0, scale)
    base_dist: Any

    def __init__(self, scale: Tensor | float, validate_args: bool | None = None) -> None:
        base_dist: Distribution = self.base(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    def _value(self, value: Any) -> Any:
        """``log_prob``'s argument as the family takes it."""
        return value

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = self._value(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return ops.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
