"""``GeneralizedPareto(loc, scale, concentration)``: the generalised Pareto distribution (peaks over a threshold),
with reparameterised samples through its inverse CDF."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .. import ops
from ..creation import ones_like, rand, zeros_like
from ..size import Size
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """The generalised Pareto distribution: survival (1 + c z)^(-1/c), z = (x - loc) / scale (exp(-z) at c = 0).

    Exponential (loc 0, c 0), Pareto (c > 0, loc = scale / c) and Uniform (c = -1) are special cases; for
    c < 0 the support ends at loc - scale / c.

    Args:
        loc: the lower end of the support (a number or a tensor).
        scale: the scale, positive.
        concentration: the shape c, real.
        validate_args: check the parameters, and ``log_prob``'s values.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(
        self,
        loc: Tensor | float,
        scale: Tensor | float,
        concentration: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        numbers_only = all(isinstance(v, numbers.Number) for v in (loc, scale, concentration))
        super().__init__(Size() if numbers_only else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> GeneralizedPareto:
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        self._finish_expand(new, GeneralizedPareto, batch_shape)
        return new

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        return self.icdf(rand(shape, dtype=self.loc.dtype, device=self.loc.device))

    def _safe_concentration(self) -> tuple[Tensor, Tensor]:
        """Where c is (numerically) 0, and c with those entries set to 1 (their c = 0 formula is used instead)."""
        c = self.concentration
        eq_zero = ops.isclose(c, zeros_like(c))
        return eq_zero, ops.where(eq_zero, ones_like(c), c)

    def _z(self, x: Tensor) -> Tensor:
        return (x - self.loc) / self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_conc = self._safe_concentration()
        y = 1 / safe_conc + ones_like(z)
        where_nonzero = ops.where(y == 0, y, y * ops.log1p(safe_conc * z))
        return -self.scale.log() - ops.where(eq_zero, z, where_nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """log P(X > ``value``).

        Args:
            value: points in the support.
        """
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_conc = self._safe_concentration()
        return ops.where(eq_zero, -z, -ops.log1p(safe_conc * z) / safe_conc)

    def log_cdf(self, value: Tensor) -> Tensor:
        """log P(X <= ``value``).

        Args:
            value: points in the support.
        """
        return ops.log1p(-ops.exp(self.log_survival_function(value)))

    def cdf(self, value: Tensor) -> Tensor:
        return ops.exp(self.log_cdf(value))

    def icdf(self, value: Tensor) -> Tensor:
        eq_zero, safe_conc = self._safe_concentration()
        logu = ops.log1p(-value)
        where_nonzero = self.loc + self.scale / safe_conc * ops.expm1(-safe_conc * logu)
        where_zero = self.loc - self.scale * logu
        return ops.where(eq_zero, where_zero, where_nonzero)

    @property
    def mean(self) -> Tensor:
        valid = self.concentration < 1  # the mean is infinite from c = 1 on: torch gives NaN
        safe_conc = ops.where(valid, self.concentration, 0.5)
        return ops.where(valid, self.loc + self.scale / (1 - safe_conc), math.nan)

    @property
    def variance(self) -> Tensor:
        valid = self.concentration < 0.5
        safe_conc = ops.where(valid, self.concentration, 0.25)
        result = self.scale**2 / ((1 - safe_conc) ** 2 * (1 - 2 * safe_conc))
        return ops.where(valid, result, math.nan)

    def entropy(self) -> Tensor:
        return ops.broadcast_to(ops.log(self.scale) + self.concentration + 1, tuple(self._batch_shape))

    @property
    def mode(self) -> Tensor:
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        lower = self.loc
        upper = ops.where(self.concentration < 0, lower - self.scale / self.concentration, math.inf)
        return constraints.interval(lower, upper)
