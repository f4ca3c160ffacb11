"""``VonMises(loc, concentration)``: the circular normal distribution, sampled by Best and Fisher's rejection
method on whole arrays (every element redrawn until all are accepted)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import ops
from ..autograd.grad_mode import no_grad
from ..creation import rand, zeros
from ..dtypes import bool_, float64
from ..size import Size
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]

# Abramowitz & Stegun 9.8.1-9.8.4: polynomial approximations of I0 and I1 (as torch's, to its numbers) below
# x = 3.75 (in (x / 3.75)^2) and above it (of exp(x) / sqrt(x), in 3.75 / x)
_I0_COEF_SMALL = [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2]
_I0_COEF_LARGE = [
    0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2,
    -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2,
]  # fmt: skip
_I1_COEF_SMALL = [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3]
_I1_COEF_LARGE = [
    0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
    0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2,
]  # fmt: skip
_COEF_SMALL = (_I0_COEF_SMALL, _I1_COEF_SMALL)
_COEF_LARGE = (_I0_COEF_LARGE, _I1_COEF_LARGE)


def _eval_poly(y: Tensor, coef: Sequence[float]) -> Tensor:
    """sum_k coef[k] y^k, by Horner's rule (from the highest coefficient, as torch evaluates it)."""
    result: Any = coef[-1]
    for c in reversed(coef[:-1]):
        result = c + y * result
    return result


def _log_modified_bessel_fn(x: Tensor, order: int = 0) -> Tensor:
    """log I_order(x) for x > 0 and order 0 or 1, by the polynomial approximations.

    Args:
        x: positive values.
        order: 0 or 1.
    """
    if order not in (0, 1):
        raise AssertionError(f"order must be 0 or 1, got {order}")
    y = (x / 3.75) ** 2
    small = _eval_poly(y, _COEF_SMALL[order])
    if order == 1:
        small = x.abs() * small
    small = small.log()
    large = x - 0.5 * x.log() + _eval_poly(3.75 / x, _COEF_LARGE[order]).log()
    return ops.where(x < 3.75, small, large)


def _rejection_sample(loc: Tensor, concentration: Tensor, proposal_r: Tensor, shape: Size) -> Tensor:
    """Best & Fisher's wrapped-Cauchy envelope: each round draws three uniforms for every element, and keeps the
    first accepted angle of each; it ends when all are accepted. Angles are wrapped into [-pi, pi)."""
    x = zeros(tuple(shape), dtype=loc.dtype, device=loc.device)
    done = zeros(tuple(shape), dtype=bool_, device=loc.device)
    while not bool(done.all()):
        u1, u2, u3 = rand((3,) + tuple(shape), dtype=loc.dtype, device=loc.device).unbind()
        z = ops.cos(math.pi * u1)
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = concentration * (proposal_r - f)
        accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
        x = ops.where(accept & ~done, (u3 - 0.5).sign() * f.acos(), x)
        done = done | accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """The von Mises distribution on the circle: density exp(k cos(x - loc)) / (2 pi I0(k)), k = ``concentration``.

    ``loc`` and values may be any real numbers, read as angles modulo 2 pi; samples lie in [-pi, pi). The
    mean and variance are the circular ones.

    Args:
        loc: the mean angle, in radians (a number or a tensor).
        concentration: k, positive.
        validate_args: check the parameters, and ``log_prob``'s values.
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Tensor | float, concentration: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, Size(), validate_args)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.concentration * ops.cos(value - self.loc)
        return log_prob - math.log(2 * math.pi) - _log_modified_bessel_fn(self.concentration, order=0)

    @lazy_property
    def _loc(self) -> Tensor:
        return self.loc.to(float64)

    @lazy_property
    def _concentration(self) -> Tensor:
        return self.concentration.to(float64)

    @lazy_property
    def _proposal_r(self) -> Tensor:
        kappa = self._concentration
        tau = 1 + (1 + 4 * kappa**2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        proposal_r = (1 + rho**2) / (2 * rho)
        # (cancels for small kappa: its Taylor expansion there)
        return ops.where(kappa < 1e-5, 1 / kappa + kappa, proposal_r)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape``, drawn in float64 (in float32 the rejection loop can
        all but stall for a small concentration, as torch notes) and returned in the parameters' dtype.

        Args:
            sample_shape: how many samples, as a shape.
        """
        with no_grad():
            shape = self._extended_shape(sample_shape)
            angles = _rejection_sample(self._loc, self._concentration, self._proposal_r, shape)
            return angles.to(self.loc.dtype)

    def expand(self, batch_shape: Any, _instance: Any = None) -> VonMises:
        try:
            return super().expand(batch_shape)  # type: ignore[return-value]
        except NotImplementedError:
            # (as torch: a new instance from the expanded parameters, validation as this one was asked for)
            validate_args = self.__dict__.get("_validate_args")
            loc = self.loc.expand(batch_shape)
            concentration = self.concentration.expand(batch_shape)
            return type(self)(loc, concentration, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:
        log_ratio = _log_modified_bessel_fn(self.concentration, order=1) - _log_modified_bessel_fn(
            self.concentration, order=0
        )
        return 1 - log_ratio.exp()
