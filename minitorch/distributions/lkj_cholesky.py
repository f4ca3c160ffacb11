"""``LKJCholesky(dim, concentration)``: the LKJ distribution over Cholesky factors of correlation matrices,
sampled by the onion method (vectorised over rows, as torch does)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import ops
from ..creation import arange, randn
from ..size import Size
from ..tensor import Tensor
from ..type_info import finfo
from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """Lower Cholesky factors L of correlation matrices M = L L^T, with density proportional to
    det(M)^(concentration - 1) (uniform over correlation matrices at concentration 1).

    Args:
        dim: the matrices' size, at least 2.
        concentration: eta, positive (a number or a tensor: the batch).
        validate_args: check the parameter, and ``log_prob``'s values.
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration: Tensor | float = 1.0, validate_args: bool | None = None) -> None:
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        # row i's squared off-diagonal norm is Beta(i/2, eta + (dim - 2)/2 - (i - 1)/2) (Lewandowski et al. 3.2);
        # row 0 has none (its draw is unused): all rows in one vectorised Beta. (torch's first concentration is
        # i - 1/2, which is right for row 1 only: its samples for dim > 2 do not follow its own log_prob.)
        marginal_conc = self.concentration + 0.5 * (self.dim - 2)
        offset = arange(self.dim - 1, dtype=self.concentration.dtype, device=self.concentration.device)
        offset = ops.cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(0.5 * (offset + 1), marginal_conc.unsqueeze(-1) - 0.5 * offset)
        super().__init__(batch_shape, Size((dim, dim)), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LKJCholesky:
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        self._finish_expand(new, LKJCholesky, batch_shape, self.event_shape)
        return new

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Samples by the onion method: row i is sqrt(y_i) times a uniform direction in its first i coordinates,
        and the diagonal entry completes the row to unit norm.

        Args:
            sample_shape: how many samples, as a shape.
        """
        y = self._beta.sample(sample_shape).unsqueeze(-1)
        u_normal = randn(tuple(self._extended_shape(sample_shape)), dtype=y.dtype, device=y.device).tril(-1)
        u_hypersphere = u_normal / u_normal.norm(dim=-1, keepdim=True)
        first_row = arange(self.dim, device=y.device).unsqueeze(-1) == 0
        u_hypersphere = ops.where(first_row, 0.0, u_hypersphere)  # (row 0 is 0 / 0)
        w = ops.sqrt(y) * u_hypersphere
        diag_elems = ops.clamp(1 - ops.sum(w**2, dim=-1), min=finfo(w.dtype).tiny).sqrt()
        return w + ops.diag_embed(diag_elems)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        # p(M) ~ det(M)^(eta - 1) = prod L_ii^(2 (eta - 1)), and L -> M has Jacobian prod L_ii^(dim - i): L's
        # density is prod L_ii^(2 eta - 2 + dim - i) over rows i = 2..dim (1-based), normalised as on p. 1999
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = arange(2, self.dim + 1, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized_log_pdf = ops.sum(order * diag_elems.log(), dim=-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        denominator = ops.lgamma(alpha) * dm1
        numerator = ops.mvlgamma(alpha - 0.5, dm1)
        # the paper's pi constant is dim (dim - 1) / 4 log(pi), mvlgamma's (dim - 1)(dim - 2) / 4 log(pi)
        pi_constant = 0.5 * dm1 * math.log(math.pi)
        return unnormalized_log_pdf - (pi_constant + numerator - denominator)
