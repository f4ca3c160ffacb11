"""``LogisticNormal(loc, scale)``: a Normal pushed onto the simplex by stick breaking (as torch builds it)."""

from __future__ import annotations

from typing import Any, cast

from ..tensor import Tensor
from . import constraints
from .independent import Independent
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms_vector import StickBreakingTransform

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """X on the simplex with log(X / (1 - X.cumsum(-1)))[..., :-1] ~ Normal(loc, scale): K-1 normals give K parts.

    Args:
        loc: the means of the base normal (a number or a tensor; its last dimension is K-1).
        scale: their standard deviations, positive.
        validate_args: check the parameters, and ``log_prob``'s values.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True
    base_dist: Independent

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        base_dist: Any = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:  # (stick breaking needs a vector)
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogisticNormal:
        new = self._get_checked_instance(LogisticNormal, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def loc(self) -> Tensor:
        return cast(Normal, self.base_dist.base_dist).loc

    @property
    def scale(self) -> Tensor:
        return cast(Normal, self.base_dist.base_dist).scale
