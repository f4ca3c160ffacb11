"""Every op's double backward against torch: second derivatives, gradgradcheck, third order.

One table, ``CASES``, holds a row per op (and per variant whose backward differs): a function
written against the torch API and a strategy for its float64 inputs. For each row,

- ``test_second_derivatives_match_torch``: ``assert_parity(..., order=2)``: the gradients taken with
  ``create_graph=True`` under random output gradients, projected on a random direction and
  differentiated again, with respect to the inputs and to the output gradients (rtol 1e-7);
- ``test_gradgradcheck``: minitorch's ``gradgradcheck`` (central differences of the gradients);
- ``test_every_op_is_in_the_table``: running the table reaches every ``Op`` of ``minitorch.ops`` in a
  forward graph or in the graph of a backward, so an op added without a row here fails it.

A few smooth rows also go to third order (``test_third_derivatives_match_torch``). Inputs stay off
the points where an op is not differentiable (as in the first-order tables).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import minitorch
from minitorch.ops.base import Op
from minitorch.testing import gradgradcheck
from minitorch.testing.parity import make_input
from tests import strategies as S
from tests.fake_device import fake_device
from tests.parity import check_parity

# gradgradcheck differentiates numerically over every input and output-gradient element: a few examples.
GRADGRAD = settings(max_examples=max(1, settings().max_examples // 12))
FIRST_EXAMPLE = settings(database=None, phases=[Phase.generate], derandomize=True)


# ------------------------------------------------------------------ input strategies
def real(a: np.ndarray) -> np.ndarray:
    return a


def positive(a: np.ndarray) -> np.ndarray:
    return np.abs(a) + 0.2


def nonzero(a: np.ndarray) -> np.ndarray:
    return S.away_from(a, (0.0,), margin=0.2)


def off(*points: float) -> Callable:
    return lambda a: S.away_from(a, points, margin=0.02)


def off_spread(*points: float) -> Callable:
    """``off`` with each value moved by its own few thousandths: no two values equal, so sums of products (a ReLU
    RNN's pre-activations with equal weights and opposite states) do not cancel onto a kink exactly."""
    return lambda a: S.away_from(a, points, 0.02) + 3e-3 * np.arange(1, a.size + 1).reshape(a.shape) / max(a.size, 1)


def grid(k: int) -> Callable:
    """Values on 0.03 * n + 0.01 * k: operands with different ``k`` never tie."""
    return lambda a: np.round(a / 0.03) * 0.03 + 0.01 * k


def regular(a: np.ndarray) -> np.ndarray:
    """A batch of square matrices made diagonally dominant: invertible and well-conditioned."""
    return a + (a.shape[-1] + 0.5) * np.eye(a.shape[-1])


def separated(a: np.ndarray) -> np.ndarray:
    """0.1 * ``a`` plus 1, 2, ... on the diagonal and small dense values: distinct singular values (and eigenvalues,
    made symmetric), and no column exactly zero below its diagonal (where Householder's QR jumps)."""
    rows, cols = np.indices(a.shape[-2:])
    out = 0.1 * a + 0.05 / (1 + rows + 2 * cols)
    k = min(out.shape[-2:])
    out[..., range(k), range(k)] += np.arange(1, k + 1)
    return out


def rolled(a: np.ndarray) -> np.ndarray:
    """``separated`` with its rows rolled by one: an LU factorisation that swaps rows, its pivots far apart."""
    return np.roll(separated(a), 1, axis=-2)


def probabilities(a: np.ndarray) -> np.ndarray:
    return 0.1 + 0.8 * (a + 1) / 2


def arrays(*shapes: Any, domains: Any = real, max_side: int = 3) -> st.SearchStrategy:
    """Float arrays of the given shapes (or shape strategies), each through its domain."""
    domains = domains if isinstance(domains, tuple) else (domains,) * len(shapes)
    return st.tuples(*(S.arrays(s) for s in shapes)).map(
        lambda arrs: tuple(np.asarray(d(a)) for d, a in zip(domains, arrs))
    )


def broadcast(n: int, domains: Any = real) -> st.SearchStrategy:
    """``n`` float arrays whose shapes broadcast together (at most 3 dims of at most 3)."""
    return S.broadcastable_shapes(n, max_dims=3, max_side=3).flatmap(lambda shapes: arrays(*shapes, domains=domains))


def one(domain: Callable = real, min_dims: int = 0) -> st.SearchStrategy:
    return arrays(S.shapes(min_dims, 3, 1, 3), domains=domain)


def distinct(shape: tuple) -> st.SearchStrategy:
    """Values in [-1, 1] no two closer than 1/n (no ties for max and max-pooling)."""
    n = int(np.prod(shape))
    return st.permutations(list(range(n))).map(
        lambda order: ((np.array(order, dtype=np.float64) / max(n - 1, 1) * 2 - 1).reshape(shape),)
    )


def _distinct_magnitudes(a: np.ndarray) -> np.ndarray:
    """``a`` with no two elements of the same magnitude (no ties for an inf-norm), signs kept."""
    flat = np.asarray(a, dtype=np.float64).reshape(-1)
    magnitudes = 0.2 + 0.8 * (np.argsort(np.argsort(np.abs(flat) + np.arange(flat.size) * 1e-9)) + 1) / (flat.size + 1)
    return (np.where(flat < 0, -1.0, 1.0) * magnitudes).reshape(np.shape(a))


def two_distinct(shape: tuple) -> st.SearchStrategy:
    """Two arrays of distinct values, none shared between them either (offset by a third of the gap)."""
    n = int(np.prod(shape))
    return st.tuples(distinct(shape), distinct(shape)).map(lambda ab: (ab[0][0], ab[1][0] + 1 / (3 * max(n - 1, 1))))


def with_(*parts: st.SearchStrategy) -> st.SearchStrategy:
    """The arrays of several strategies, as one tuple."""
    return st.tuples(*parts).map(lambda groups: tuple(a for g in groups for a in (g if isinstance(g, tuple) else (g,))))


def F(lib: Any) -> Any:
    """torch.nn.functional or minitorch's (short, for the long rows)."""
    return lib.nn.functional


def setitem(lib: Any, x: Any, v: Any) -> Any:
    y = x * 1
    y[1:, [0, 2]] = v * v
    return y


def through_view(lib: Any, x: Any) -> Any:
    y = x * 1
    row = y[1]
    row.mul_(3)  # in place through a view of a non-leaf: CopySlices on the base, the view re-derived
    return y * y, row * row


def dropout_p0(lib: Any, x: Any) -> Any:
    return lib.nn.functional.dropout(x * x, p=0.0)


TARGET = np.array([2, 0, 1, 1])
SIGNS = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])
TARGET_2D = np.array([[0, 2], [1, 1]])

# (name, fn(lib, *tensors), inputs): one row per op and per variant with its own backward.
CASES: list = [
    # one tensor, elementwise
    ("neg", lambda lib, x: -x, one()),
    ("abs", lambda lib, x: x.abs() * x, one(off(0.0))),
    ("exp", lambda lib, x: lib.exp(x), one()),
    ("log", lambda lib, x: lib.log(x), one(positive)),
    ("sqrt", lambda lib, x: lib.sqrt(x), one(positive)),
    ("sin_cos", lambda lib, x: lib.sin(x) * lib.cos(x), one()),
    ("tanh", lambda lib, x: lib.tanh(x) + lib.nn.functional.tanh(x * 2), one()),
    ("sigmoid", lambda lib, x: lib.sigmoid(x) * lib.nn.functional.sigmoid(-x), one()),
    ("relu", lambda lib, x: lib.relu(x) * x + lib.nn.functional.relu(-x) ** 2, one(off(0.0))),
    ("reciprocal", lambda lib, x: lib.reciprocal(x), one(nonzero)),
    ("square", lambda lib, x: lib.square(x), one()),
    (
        "sign_floor_ceil_round",
        lambda lib, x: lib.sign(x) * x + lib.floor(x * 2) * x + lib.ceil(x) * x + lib.round(x * 3) * x,
        one(off(0.0, 0.5, -0.5, 1.0, -1.0, 1 / 6, -1 / 6, 5 / 6, -5 / 6)),  # the jumps of each rounding
    ),
    ("trunc_fix", lambda lib, x: lib.trunc(x * 2) * x + (x * 3).fix() * x, one(off(*(k / 6 for k in range(-6, 7))))),
    # elementary.py
    ("sinh_cosh", lambda lib, x: lib.sinh(x * 2) + x.cosh() * x, one()),
    ("tan", lambda lib, x: lib.tan(x), one()),
    ("asin_acos", lambda lib, x: lib.asin(x * 0.9) * x + (x * 0.8).acos(), one()),
    ("atan", lambda lib, x: lib.atan(x * 3), one()),
    (
        "asinh_acosh_atanh",
        lambda lib, x: lib.asinh(x * 3) + (x.abs() + 1.2).acosh() + lib.atanh(x * 0.9),
        one(off(0.0)),
    ),
    ("log2_log10_log1p", lambda lib, x: lib.log2(x) * lib.log10(x + 1) + x.log1p(), one(positive)),
    ("exp2_expm1", lambda lib, x: lib.exp2(x) * x.expm1(), one()),
    ("rsqrt", lambda lib, x: lib.rsqrt(x), one(positive)),
    ("erf", lambda lib, x: lib.erf(x * 2) * x, one()),
    ("erfc_erfinv", lambda lib, x: lib.erfc(x * 2) * lib.erfinv(x * 0.9), one()),
    ("gamma", lambda lib, x: lib.lgamma(x) * lib.digamma(x) + lib.polygamma(2, x), one(positive)),
    ("zeta", lambda lib, q: lib.special.zeta(lib.full_like(q, 2.5), q + 1.5) * q, one()),
    ("ldexp", lambda lib, x, y: lib.ldexp(x * x, y) * x, broadcast(2)),
    ("mvlgamma", lambda lib, x: lib.mvlgamma(x + 1.2, 3) * x, one(positive)),
    (
        "special",
        lambda lib, x: (
            lib.special.entr(x) * lib.special.ndtri(x * 0.3) + lib.special.log_ndtr(x * 2) * lib.special.ndtr(x)
        ),
        one(positive),
    ),
    ("frac", lambda lib, x: lib.frac(x * 3) * x, one(off(*(k / 3 for k in range(-3, 4))))),
    ("deg2rad_rad2deg", lambda lib, x: lib.deg2rad(x * x) * x.rad2deg(), one()),
    ("atan2", lambda lib, x, y: lib.atan2(x, y) * x, broadcast(2, (nonzero, nonzero))),
    ("hypot", lambda lib, x, y: lib.hypot(x, y) * y, broadcast(2, (real, nonzero))),
    ("logaddexp", lambda lib, x, y: lib.logaddexp(x, y * 2) * x, broadcast(2)),
    ("fmax_fmin", lambda lib, x, y: lib.fmax(x, y) * lib.fmin(y, x * 2) * x, broadcast(2, (grid(0), grid(1)))),
    ("copysign", lambda lib, x, y: lib.copysign(x, y) * x + x.copysign(2.0) * y, broadcast(2, (off(0.0), nonzero))),
    ("sinc", lambda lib, x: lib.sinc(x * 2) * x, one(off(0.0))),
    ("nansum_nanmean", lambda lib, x: lib.nansum(x * x, 0) + lib.nanmean(x * x * x), arrays((2, 3))),
    ("cross", lambda lib, x, y: lib.linalg.cross(x, y) * x, arrays((2, 3), (1, 3))),
    ("addr", lambda lib, x, y: lib.addr(x * y, x[:, 0], y[0], beta=0.5, alpha=2) * x, arrays((3, 2), (1, 2))),
    ("block_diag", lambda lib, x, y: lib.block_diag(x * x, y, x[0]) ** 2, arrays((2, 3), (2, 2))),
    ("rot90", lambda lib, x: lib.rot90(x * x, 1, (2, 0)) * lib.rot90(x, -1, (2, 0)), arrays((2, 3, 2))),
    ("unfold", lambda lib, x: (x * x).unfold(1, 2, 1) * x.unfold(1, 2, 1), arrays((2, 4))),
    (
        "index_put_accumulate",
        lambda lib, x, y: (x * x).index_put((lib.tensor([1, 1, 0]),), y * y, accumulate=True) * x,
        arrays((2, 3), (3, 3)),
    ),
    (
        "addcmul_addcdiv",
        lambda lib, x, y: lib.addcmul(x, y, x, value=2) * lib.addcdiv(y, x, y, value=-0.5),
        broadcast(2, (real, nonzero)),
    ),
    ("xlogy", lambda lib, x, y: lib.xlogy(x, y) * x, broadcast(2, (real, positive))),
    (
        "logit_nan_to_num",
        lambda lib, x: lib.logit(x * 0.45 + 0.5) * lib.nan_to_num(x * x) + x.logit(eps=0.3),
        one(off(-0.4, 0.0, 0.3, 0.7, 1.0)),
    ),
    ("fmod_sgn", lambda lib, x, y: lib.fmod(x * 0.15, y) * y + lib.sgn(x) * x * x, broadcast(2, (off(0.0), nonzero))),
    (
        "diff_select_ravel",
        lambda lib, x: lib.diff(x * x, n=2) * 2 + lib.ravel(x.select(0, 0) ** 3).sum(),
        one(min_dims=2),
    ),
    # two tensors (or a tensor and a number)
    ("add_alpha", lambda lib, x, y: lib.add(x * x, y, alpha=2), broadcast(2)),
    ("sub_alpha", lambda lib, x, y: lib.sub(x, y * y, alpha=-0.5), broadcast(2)),
    ("rsub", lambda lib, x: 2 - x * x, one()),
    ("mul", lambda lib, x, y: x * y * x, broadcast(2)),
    ("div", lambda lib, x, y: x / y, broadcast(2, (real, nonzero))),
    ("rdiv", lambda lib, x: 2 / x, one(nonzero)),
    ("pow_tensor", lambda lib, x, y: x**y, broadcast(2, (positive, off(0.0)))),  # at y = 0: a convention
    ("pow_int", lambda lib, x: x**3, one()),
    ("pow_float", lambda lib, x: x**2.5, one(positive)),
    ("pow_negative", lambda lib, x: x**-2, one(nonzero)),
    ("pow_zero", lambda lib, x: x**0 * x, one()),
    ("rpow", lambda lib, x: 2**x, one()),
    ("maximum", lambda lib, x, y: lib.maximum(x, y) ** 2, broadcast(2, (grid(0), grid(1)))),
    ("minimum", lambda lib, x, y: lib.minimum(x, y) ** 2, broadcast(2, (grid(0), grid(1)))),
    ("where", lambda lib, x, y: lib.where(x > 0, x * x, y), broadcast(2, (off(0.0), real))),
    ("clamp", lambda lib, x: lib.clamp(x, -0.5, 0.5) * x, one(off(-0.5, 0.5))),
    ("clamp_min", lambda lib, x: x.clamp(min=-0.3) ** 2, one(off(-0.3))),
    (
        "clamp_tensor",
        lambda lib, x, lo, hi: lib.clamp(x, min=lo, max=hi + 0.5) ** 2,
        arrays((2, 3), (3,), (2, 1), domains=(grid(0), grid(1), grid(2))),  # torch fails to broadcast into x
    ),
    ("masked_fill", lambda lib, x: (x * x).masked_fill(x > 0, 0.5), one(off(0.0))),
    # reductions
    ("sum", lambda lib, x: (x * x).sum(), one()),
    ("std_var_mean", lambda lib, x: lib.std_mean(x * x, 0)[0] * lib.var_mean(x, 1, keepdim=True)[1], distinct((3, 4))),
    (
        "vector_norms",
        lambda lib, x: lib.linalg.vector_norm(x, 2, -1) * 2 + x.norm(3) + lib.linalg.vector_norm(x, 1.5) + x.norm(1),
        one(nonzero, min_dims=1),
    ),
    (
        "vector_norm_below_1",
        lambda lib, x: lib.linalg.vector_norm(x, 0.5) + lib.linalg.vector_norm(x, -2),
        one(nonzero),
    ),
    (
        "vector_norm_inf",
        lambda lib, x: lib.linalg.vector_norm(x, math.inf) * x.sum(),
        one(nonzero).map(lambda a: (_distinct_magnitudes(a[0]),)),
    ),
    (  # distinct positive values: no tie of the column sums, and off the zero matrix (no second derivative there)
        "matrix_norm_1",
        lambda lib, x: lib.linalg.matrix_norm(x * x, 1) + lib.linalg.matrix_norm(x, "fro"),
        distinct((2, 3)).map(lambda a: (a[0] + 1.3,)),
    ),
    ("sum_dim", lambda lib, x: (x * x).sum(-1, keepdim=True), one(min_dims=1)),
    ("mean", lambda lib, x: (x * x).mean(), one()),
    ("mean_dim", lambda lib, x: (x * x).mean((0, -1)), one(min_dims=2)),
    ("max_all", lambda lib, x: x.max() ** 2 + x.min() ** 3, distinct((2, 3))),
    ("max_dim", lambda lib, x: x.max(1)[0] ** 2 + x.min(1, keepdim=True)[0].sum() ** 3, distinct((3, 2))),
    ("amax", lambda lib, x: x.amax((0, 1)) ** 2, distinct((2, 2, 3))),
    ("var", lambda lib, x: x.var(1), distinct((2, 3))),
    ("std", lambda lib, x: x.std(0, correction=0) + x.std(), distinct((3, 2))),
    ("prod", lambda lib, x: x.prod(), one(off(0.0))),
    ("prod_dim", lambda lib, x: x.prod(1), arrays((2, 3), domains=off(0.0))),
    # one zero factor: the others' product by cumulative products (torch's prod_safe_zeros_backward)
    # (the one zero is the mask's: the factors drawn stay off 0, where a subnormal one divides the product by ~0)
    (
        "prod_one_zero",
        lambda lib, x: (x * lib.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])).prod(1),
        arrays((2, 3), domains=off(0.0)),
    ),
    (
        "prod_all_one_zero",
        lambda lib, x: (x * lib.tensor([[1.0, 0.0, 1.0]])).prod() * x.sum(),
        arrays((1, 3), domains=off(0.0)),
    ),
    # matrix products
    ("dot", lambda lib, x, y: lib.dot(x, y) * x, arrays((3,), (3,))),
    ("mv", lambda lib, a, v: lib.mv(a, v) ** 2, arrays((2, 3), (3,))),
    ("vec_matmul", lambda lib, v, b: (v @ b) ** 2, arrays((3,), (3, 2))),
    ("mm", lambda lib, a, b: lib.mm(a, b) ** 2, arrays((2, 3), (3, 2))),
    ("matmul_batched", lambda lib, a, b: (a @ b) ** 2, arrays((2, 1, 2, 3), (3, 3, 2))),
    ("bmm", lambda lib, a, b: lib.bmm(a, b) ** 2, arrays((2, 2, 3), (2, 3, 2))),
    ("linear", lambda lib, x, w, b: lib.nn.functional.linear(x, w, b) ** 2, arrays((4, 3), (2, 3), (2,))),
    ("linear_3d_no_bias", lambda lib, x, w: lib.nn.functional.linear(x, w) ** 2, arrays((2, 2, 3), (2, 3))),
    # factorisations (decompositions.py), on diagonally dominant matrices (invertible, well-conditioned)
    ("inv", lambda lib, a: lib.linalg.inv(a) * a, arrays((2, 3, 3), domains=regular)),
    (
        "det_slogdet_logdet",
        lambda lib, a: lib.linalg.det(a) + lib.linalg.slogdet(a)[1] * lib.logdet(a),
        arrays((3, 3), domains=regular),
    ),
    ("solve", lambda lib, a, b: lib.linalg.solve(a, b) * b, arrays((2, 3, 3), (3, 2), domains=(regular, real))),
    ("solve_vector", lambda lib, a, b: lib.linalg.solve(a, b) * b, arrays((3, 3), (3,), domains=(regular, real))),
    (
        "solve_right",
        lambda lib, a, b: lib.linalg.solve(a, b, left=False) * b,
        arrays((3, 3), (2, 3), domains=(regular, real)),
    ),
    (
        "cholesky",
        lambda lib, a: lib.linalg.cholesky(a @ a.mT + 3 * a.new_ones(3).diag(), upper=True) * a,
        arrays((3, 3)),
    ),
    # spectral.py, on matrices of distinct singular values and eigenvalues (functions of the vectors' signs left out)
    ("eigh", lambda lib, a: [p * p for p in lib.linalg.eigh(a + a.mT)], arrays((2, 3, 3), domains=separated)),
    ("eigvalsh", lambda lib, a: lib.linalg.eigvalsh(a + a.mT, UPLO="U") ** 2, arrays((3, 3), domains=separated)),
    ("svd", lambda lib, a: [p * p for p in lib.linalg.svd(a, full_matrices=False)], arrays((4, 3), domains=separated)),
    ("svdvals", lambda lib, a: lib.linalg.svdvals(a) ** 2, arrays((2, 3), domains=separated)),
    ("pinv", lambda lib, a: lib.linalg.pinv(a) * 2, arrays((3, 2), domains=separated)),
    # matrix_functions.py
    ("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a) * a, arrays((2, 3, 3))),
    # triangular.py
    ("qr", lambda lib, a: [p * p for p in lib.linalg.qr(a)], arrays((2, 4, 3), domains=separated)),
    ("qr_wide", lambda lib, a: [p * p for p in lib.linalg.qr(a)], arrays((2, 4), domains=separated)),
    (
        "solve_triangular",
        lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True, left=False) * b,
        arrays((3, 3), (2, 3), domains=(regular, real)),
    ),
    # lu.py, on matrices whose rows are rolled (the factorisation swaps) and pivots far apart
    ("lu_factor", lambda lib, a: lib.linalg.lu_factor(a).LU ** 2, arrays((2, 3, 3), domains=rolled)),
    ("lu_wide", lambda lib, a: [p * p for p in lib.linalg.lu(a)[1:]], arrays((2, 4), domains=rolled)),
    ("lu_tall", lambda lib, a: [p * p for p in lib.linalg.lu(a)[1:]], arrays((4, 2), domains=rolled)),
    (
        "lu_unpack",
        lambda lib, a: [p * p for p in lib.lu_unpack(*lib.linalg.lu_factor(a))[1:]],
        arrays((3, 2), domains=rolled),
    ),
    (
        "lu_solve",
        lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, adjoint=True) * b,
        arrays((3, 3), (3, 2), domains=(rolled, real)),
    ),
    # shapes and layouts
    ("view_reshape", lambda lib, x: (x * x).reshape(3, 2).view(-1) ** 2, arrays((2, 3))),
    ("unsafe_view", lambda lib, x: (x * x).t().reshape(6) ** 2, arrays((2, 3))),
    ("permute_transpose_t", lambda lib, x: (x * x).permute(2, 0, 1).transpose(0, 1)[0].t() ** 2, arrays((2, 3, 2))),
    ("squeeze_unsqueeze", lambda lib, x: (x * x).unsqueeze(1).squeeze().squeeze(-1).unsqueeze(0) ** 2, arrays((3, 1))),
    ("expand", lambda lib, x: (x * x).expand(2, 3, 2) ** 2, arrays((3, 1))),
    ("clone_contiguous", lambda lib, x: (x * x).t().contiguous().clone() ** 2, arrays((2, 3))),
    ("flip", lambda lib, x: (x * x).flip((0, 1)) ** 2, arrays((2, 3))),
    ("repeat", lambda lib, x: (x * x).repeat(2, 1, 2) ** 2, arrays((2, 3))),
    ("to_dtype", lambda lib, x: (x * x).float().double() * x, arrays((2, 3))),
    # joining and splitting
    ("cat", lambda lib, x, y: lib.cat([x * x, y, lib.zeros(0, dtype=lib.float64)], 1) ** 2, arrays((2, 3), (2, 2))),
    ("stack", lambda lib, x, y: lib.stack([x * x, y], 1) ** 2, arrays((2, 3), (2, 3))),
    ("split", lambda lib, x: [p**2 for p in lib.split(x * x, 2, 1)], arrays((2, 3))),
    ("split_sizes", lambda lib, x: [p**3 for p in lib.split(x * x, [1, 2], 0)], arrays((3, 2))),
    ("chunk_unbind", lambda lib, x: [p**2 for p in lib.unbind(x * x, 1)] + [lib.chunk(x, 2)[1] ** 3], arrays((3, 2))),
    (
        "narrow_hstack_vstack",
        lambda lib, x: lib.vstack([lib.hstack([x, x * x]), x.narrow(0, 1, 1).expand(2, 2)]) ** 2,
        arrays((2, 1)),
    ),
    # indexing
    ("index", lambda lib, x: (x * x)[[0, 1, 0], 1:] ** 2, arrays((2, 3))),
    ("index_mask", lambda lib, x: (x * x)[x > 0] ** 2, arrays((2, 3), domains=off(0.0))),
    ("slice_select", lambda lib, x: (x * x)[1:, ::2][0, 1] ** 2 + (x * x)[0] ** 3, arrays((2, 3))),
    ("setitem", setitem, arrays((3, 3), (2, 1))),
    ("inplace_through_view", through_view, arrays((2, 3))),
    ("gather", lambda lib, x: (x * x).gather(1, lib.tensor([[0, 0, 2], [1, 2, 1]])) ** 2, arrays((2, 3))),
    ("index_select", lambda lib, x: lib.index_select(x * x, 1, lib.tensor([2, 0, 2])) ** 2, arrays((2, 3))),
    # convolution and pooling (stride 1 takes the flat-row kernel, other strides the general path)
    (
        "conv2d_flat",
        lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1) ** 2,
        arrays((2, 2, 3, 3), (2, 2, 2, 2), (2,)),
    ),
    (
        "conv2d_flat_groups_dilation",
        lambda lib, x, w: lib.nn.functional.conv2d(x, w, groups=2, dilation=(1, 2)) ** 2,
        arrays((1, 2, 3, 4), (4, 1, 2, 2)),
    ),
    (
        "conv2d_general",
        lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, stride=2, padding=1) ** 2,
        arrays((1, 2, 4, 3), (2, 2, 2, 2), (2,)),
    ),
    ("max_pool2d_tiled", lambda lib, x: lib.nn.functional.max_pool2d(x * 2, 2) ** 2, distinct((1, 2, 4, 4))),
    (
        "max_pool2d_general",
        lambda lib, x: lib.nn.functional.max_pool2d(x * 2, 2, 1, 1, ceil_mode=True) ** 2,
        distinct((1, 2, 3, 3)),
    ),
    (
        "avg_pool2d",
        lambda lib, x: lib.nn.functional.avg_pool2d(x * x, 2, 1, 1, count_include_pad=False) ** 2,
        arrays((1, 2, 3, 3)),
    ),
    (
        "avg_pool2d_divisor",
        lambda lib, x: lib.nn.functional.avg_pool2d(x * x, 2, divisor_override=3) ** 2,
        arrays((2, 1, 4, 4)),
    ),
    # normalising activations, dropout
    ("softmax", lambda lib, x: lib.softmax(x, 1) * x, arrays((2, 3))),
    ("log_softmax", lambda lib, x: lib.log_softmax(x, 0) * x, arrays((2, 3))),
    ("dropout_p0", dropout_p0, arrays((2, 3))),
    # losses
    ("cross_entropy", lambda lib, x: lib.nn.functional.cross_entropy(x * x, lib.tensor(TARGET)), arrays((4, 3))),
    (
        "cross_entropy_sum",
        lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(TARGET), reduction="sum"),
        arrays((4, 3)),
    ),
    (
        "cross_entropy_weighted_smoothed",
        lambda lib, x: lib.nn.functional.cross_entropy(
            x * x,
            lib.tensor(TARGET),
            weight=lib.tensor([1.0, 2.0, 0.5], dtype=lib.float64),
            ignore_index=1,
            label_smoothing=0.2,
        ),
        arrays((4, 3)),
    ),
    (
        "cross_entropy_probabilities",
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, lib.softmax(t, 1), label_smoothing=0.1),
        arrays((2, 3, 2), (2, 3, 2)),
    ),
    (
        "cross_entropy_spatial",
        lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(TARGET_2D), reduction="none"),
        arrays((2, 3, 2)),
    ),
    (
        "nll_loss",
        lambda lib, x: lib.nn.functional.nll_loss(
            lib.log_softmax(x, 1), lib.tensor(TARGET), weight=lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        ),
        arrays((4, 3)),
    ),
    (
        "binary_cross_entropy",
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy(
            x, t, weight=lib.tensor([1.0, 2.0], dtype=lib.float64)
        ),
        arrays((3, 2), (3, 2), domains=probabilities),
    ),
    (
        "binary_cross_entropy_with_logits",
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(
            x, t, pos_weight=lib.tensor([1.5, 0.5], dtype=lib.float64)
        ),
        arrays((3, 2), (3, 2), domains=(real, probabilities)),
    ),
    ("mse_loss", lambda lib, x, t: lib.nn.functional.mse_loss(x * x, t), arrays((2, 3), (2, 3))),
    (
        "l1_loss",
        lambda lib, x, t: lib.nn.functional.l1_loss(x * x, -t, reduction="sum"),
        arrays((2, 3), (2, 3), domains=positive),
    ),
    # smooth nonlinearities
    ("elu_selu_celu", lambda lib, x: F(lib).elu(x, 0.7) * F(lib).selu(x) + F(lib).celu(x, 1.3), one(off(0.0))),
    ("gelu", lambda lib, x: F(lib).gelu(x) + F(lib).gelu(x * 2, approximate="tanh"), one()),
    ("silu_mish", lambda lib, x: F(lib).silu(x) * F(lib).mish(x), one()),
    ("softplus", lambda lib, x: F(lib).softplus(x * 3, beta=2.0, threshold=4.0), one(off(2 / 3))),
    ("logsigmoid", lambda lib, x: F(lib).logsigmoid(x * 2), one()),
    (
        "softmin_softsign_tanhshrink",
        lambda lib, x: F(lib).softmin(x, 1) + F(lib).softsign(x) * F(lib).tanhshrink(x),
        arrays((2, 3), domains=off(0.0)),
    ),
    # piecewise-linear nonlinearities (their second derivatives vanish: the first ones still depend on grad)
    ("leaky_relu", lambda lib, x: F(lib).leaky_relu(x, 0.2) ** 2, one(off(0.0))),
    (
        "hardtanh_relu6",
        lambda lib, x: F(lib).hardtanh(x, -0.5, 0.5) ** 2 + F(lib).relu6(x * 8),
        one(off(-0.5, 0.5, 0.0, 0.75)),
    ),
    ("hardswish", lambda lib, x: F(lib).hardswish(x * 4) ** 2, one(off(-0.75, 0.75))),  # hardsigmoid: below
    ("threshold", lambda lib, x: F(lib).threshold(x, 0.1, -2.0) ** 2, one(off(0.1))),
    (
        "hardshrink_softshrink",
        lambda lib, x: F(lib).hardshrink(x, 0.3) ** 2 + F(lib).softshrink(x, 0.2) ** 2,
        one(off(-0.3, 0.3, -0.2, 0.2)),
    ),
    ("prelu", lambda lib, x, w: F(lib).prelu(x, w) ** 2, arrays((2, 3, 2), (3,), domains=(off(0.0), real))),
    ("prelu_one_weight", lambda lib, x, w: F(lib).prelu(x, w) ** 2, arrays((2, 3), (1,), domains=(off(0.0), real))),
    # pointwise, reductions, running reductions
    ("lerp", lambda lib, a, b: lib.lerp(a * a, b, 0.3) ** 2, broadcast(2)),
    ("lerp_tensor_weight", lambda lib, a, b, w: lib.lerp(a, b, w) ** 2, broadcast(3)),
    ("logsumexp", lambda lib, x: lib.logsumexp(x * 2, 1) + lib.logsumexp(x, (0, 1), keepdim=True), arrays((2, 3))),
    ("amin", lambda lib, x: x.amin(1) ** 2, distinct((2, 3))),
    ("cumsum", lambda lib, x: (x * x).cumsum(1) ** 2, arrays((2, 3))),
    ("cumprod", lambda lib, x: x.cumprod(0) ** 2, arrays((3, 2), domains=off(0.0))),
    ("cummax_cummin", lambda lib, x: x.cummax(1)[0] ** 2 + x.cummin(0)[0] ** 3, distinct((2, 3))),
    # (torch's formula takes log |grad|: at a zero output gradient its second derivatives are NaN or wrong)
    ("logcumsumexp", lambda lib, x: lib.logcumsumexp(x * 2, 1).sigmoid(), arrays((2, 3))),
    # sorting and picking
    (
        "sort",
        lambda lib, x: lib.sort(x, 1, descending=True)[0] ** 2 + lib.sort(x, dim=0, stable=True)[0],
        distinct((2, 3)),
    ),
    ("topk_kthvalue", lambda lib, x: lib.topk(x, 2, 1)[0] ** 2 + lib.kthvalue(x, 2, 1)[0] ** 3, distinct((2, 3))),
    ("median_mode", lambda lib, x: lib.median(x) ** 2 + lib.median(x, 1)[0] ** 3 + lib.mode(x, 0)[0], distinct((3, 3))),
    # writing along a dimension
    # (a src larger than the index: torch's double backward fails on its own shape check)
    ("scatter", lambda lib, x, v: lib.scatter(x * x, 1, lib.tensor([[0, 2], [1, 0]]), v) ** 2, arrays((2, 3), (2, 2))),
    ("scatter_value", lambda lib, x: lib.scatter(x * x, 1, lib.tensor([[0, 2], [1, 0]]), 0.5) ** 2, arrays((2, 3))),
    (
        "scatter_add",
        lambda lib, x, v: lib.scatter_add(x, 1, lib.tensor([[0, 0], [1, 2]]), v * v) ** 2,
        arrays((2, 3), (2, 2)),
    ),
    *[
        (
            f"scatter_reduce_{reduce}{'' if keep else '_excluding_self'}",
            lambda lib, x, v, reduce=reduce, keep=keep: (
                lib.scatter_reduce(x * x, 1, lib.tensor([[0, 0, 2], [1, 2, 1]]), v, reduce, include_self=keep) ** 2
            ),
            two_distinct((2, 3)) if reduce in ("amax", "amin") else arrays((2, 3), (2, 3), domains=off(0.0)),
        )
        for reduce in ("sum", "prod", "mean", "amax", "amin")
        for keep in (True, False)
    ],
    (
        "index_add",
        lambda lib, x, v: lib.index_add(x, 1, lib.tensor([2, 0, 2]), v * v, alpha=2) ** 2,
        arrays((2, 3), (2, 3)),
    ),
    ("index_fill", lambda lib, x: lib.index_fill(x * x, 1, lib.tensor([0, 2]), -1.0) ** 2, arrays((2, 3))),
    (
        "index_fill_tensor",
        lambda lib, x, v: lib.index_fill(x * x, 1, lib.tensor([0, 2]), v.sum()) ** 2,
        arrays((2, 3), (2,)),
    ),
    ("index_copy", lambda lib, x, v: lib.index_copy(x * x, 0, lib.tensor([1, 0]), v) ** 2, arrays((3, 2), (2, 2))),
    (
        "masked_scatter",
        lambda lib, x, v: (x * x).masked_scatter(x > 0, v) ** 2,
        arrays((2, 3), (8,), domains=(off(0.0), real)),
    ),
    ("take_along_dim", lambda lib, x: lib.take_along_dim(x * x, lib.tensor([[0, 2], [1, 1]]), 1) ** 2, arrays((2, 3))),
    # parts of matrices and moving elements
    ("tril_triu", lambda lib, x: lib.tril(x * x, -1) ** 2 + lib.triu(x, 1) ** 3, arrays((3, 3))),
    (
        "diagonal_diag_trace",
        lambda lib, x: (lib.diagonal(x * x, 1) ** 2).sum() + (lib.diag(x) ** 3).sum() + lib.trace(x * x),
        arrays((3, 3)),
    ),
    (
        "diag_embed",
        lambda lib, x: (lib.diag_embed(x * x, -1) ** 2).sum() + (lib.diag(x[0] * x[1]) ** 2).sum(),
        arrays((2, 3)),
    ),
    (
        "roll_movedim",
        lambda lib, x: (lib.movedim(lib.roll(x * x, (1, -1), (0, 2)), 0, -1) ** 2).sum() + (lib.roll(x, 2) ** 2).sum(),
        arrays((2, 3, 2)),
    ),
    ("fliplr_tile_kron", lambda lib, x: lib.kron(lib.fliplr(x * x), x) + lib.tile(x, (2,)).sum(), arrays((2, 2))),
    # products
    ("addmv", lambda lib, b, a, v: lib.addmv(b, a, v, beta=0.5, alpha=2) ** 2, arrays((2,), (2, 3), (3,))),
    ("baddbmm", lambda lib, b, a, c: lib.baddbmm(b, a, c, alpha=-1) ** 2, arrays((2, 2), (2, 2, 3), (2, 3, 2))),
    ("addbmm", lambda lib, b, a, c: lib.addbmm(b, a, c, beta=2) ** 2, arrays((2, 2), (2, 2, 3), (2, 3, 2))),
    (
        "einsum",
        lambda lib, a, b: lib.einsum("ij,jk->ik", a * a, b) ** 2 + lib.einsum("ii->i", a[:, :2] * b[:2]),
        arrays((2, 3), (3, 2)),
    ),
    ("outer", lambda lib, a, b: lib.outer(a * a, b) ** 2, arrays((3,), (2,))),
    # norms, distances, embeddings, normalisation
    (
        "normalize_cosine_pairwise",
        lambda lib, a, b: (
            F(lib).normalize(a, dim=1) * F(lib).cosine_similarity(a, b).reshape(-1, 1)
            + F(lib).pairwise_distance(a, b, p=3).reshape(-1, 1)
        ),
        arrays((2, 3), (2, 3), domains=(lambda v: grid(1)(nonzero(v)), grid(2))),  # off the norms' kinks at 0
    ),
    (
        "pairwise_distance_p1_inf",  # b's values (offset from a's grid) have distinct magnitudes: no tie in the max
        lambda lib, a, b: F(lib).pairwise_distance(a, b, p=1) * F(lib).pairwise_distance(b, a * 0, p=float("inf")),
        two_distinct((2, 3)),
    ),
    ("embedding", lambda lib, w: F(lib).embedding(lib.tensor([[1, 0], [2, 1]]), w * w) ** 2, arrays((3, 2))),
    (
        "embedding_padding_freq",
        lambda lib, w: F(lib).embedding(lib.tensor([1, 0, 2, 1]), w * w, padding_idx=0, scale_grad_by_freq=True) ** 2,
        arrays((3, 2)),
    ),
    (
        "batch_norm_train",
        lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True, eps=1e-3) ** 2,
        arrays((3, 2, 2), (2,), (2,)),
    ),
    (
        "batch_norm_eval",
        lambda lib, x, w: (
            F(lib).batch_norm(
                x, lib.tensor([0.1, -0.2], dtype=lib.float64), lib.tensor([1.5, 0.5], dtype=lib.float64), w, None
            )
            ** 2
        ),
        arrays((3, 2, 2), (2,)),
    ),
    ("layer_norm", lambda lib, x, w, b: F(lib).layer_norm(x, (3,), w, b, eps=1e-3) ** 2, arrays((2, 3), (3,), (3,))),
    ("group_norm", lambda lib, x, w, b: F(lib).group_norm(x, 2, w, b, eps=1e-3) ** 2, arrays((2, 4, 2), (4,), (4,))),
    # more losses
    (
        "smooth_l1_huber",
        lambda lib, x, t: F(lib).smooth_l1_loss(x, t, beta=0.5) + F(lib).huber_loss(x * 2, t, delta=0.7),
        arrays((2, 3), (2, 3), domains=(grid(0), lambda a: grid(0)(a) + 0.013)),  # no difference at a kink
    ),
    (
        "kl_div",
        lambda lib, x, t: F(lib).kl_div(x, t, reduction="batchmean") + F(lib).kl_div(x, t.log(), log_target=True),
        arrays((2, 3), (2, 3), domains=(real, positive)),
    ),
    (
        "poisson_gaussian_nll",
        lambda lib, x, t, v: F(lib).poisson_nll_loss(x, t) + F(lib).gaussian_nll_loss(x, t, v),
        arrays((2, 3), (2, 3), (2, 3), domains=(real, positive, positive)),
    ),
    ("soft_margin", lambda lib, x: F(lib).soft_margin_loss(x * 2, lib.tensor(SIGNS)), arrays((2, 3))),
    (
        "margin_losses",
        lambda lib, a, b, t: (
            # (a - b is 0.03 n - 0.01: a margin of 0.115 is never reached exactly, where the loss has its kink)
            F(lib).margin_ranking_loss(a, b, t.sign(), margin=0.115)
            + F(lib).hinge_embedding_loss(a, t.sign(), margin=0.5)
            + F(lib).multilabel_soft_margin_loss(a, (t > 0).double())
        ),
        arrays((6,), (6,), (6,), domains=(grid(0), grid(1), off(0.0))),
    ),
    (
        "cosine_embedding_triplet",
        lambda lib, a, p, n: (
            F(lib).cosine_embedding_loss(a, p, lib.tensor([1, -1]), margin=-1.0)
            + F(lib).triplet_margin_loss(a, p, n, margin=2.0)
        ),
        arrays((2, 3), (2, 3), (2, 3), domains=(grid(1), grid(2), grid(0))),  # no zero vector, no equal pair
    ),
    # more windows: transposed and 1-d convolutions, 1-d and adaptive pooling, upsampling
    (
        "conv_transpose2d",
        lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1) ** 2,
        arrays((1, 2, 2, 3), (2, 2, 2, 2), (2,)),
    ),
    (
        "conv_transpose2d_dilated",
        lambda lib, x, w: F(lib).conv_transpose2d(x, w, dilation=3, output_padding=1, stride=1) ** 2,
        arrays((1, 2, 2, 2), (2, 1, 2, 2)),
    ),
    (
        "conv1d_conv_transpose1d",
        lambda lib, x, w: (
            F(lib).conv1d(x, w, padding=1) ** 2 + F(lib).conv_transpose1d(x, w.transpose(0, 1), stride=2).sum()
        ),
        arrays((1, 2, 4), (2, 2, 2)),
    ),
    (
        "pool1d",
        lambda lib, x: (F(lib).max_pool1d(x * 2, 2) ** 2).sum() + F(lib).avg_pool1d(x * x, 3, 1, 1).sum(),
        distinct((1, 2, 4)),
    ),
    (
        "adaptive_avg_pool",
        lambda lib, x: F(lib).adaptive_avg_pool2d(x * x, (2, 3)) ** 2 + F(lib).adaptive_avg_pool1d(x[0], 3).sum(),
        arrays((1, 2, 3, 4)),
    ),
    (
        "adaptive_max_pool",
        lambda lib, x: F(lib).adaptive_max_pool2d(x * 2, (2, 3)) ** 2 + F(lib).adaptive_max_pool1d(x[0], 3).sum(),
        distinct((1, 2, 3, 4)),
    ),
    (
        "interpolate",
        lambda lib, x: (
            F(lib).interpolate(x * x, scale_factor=2, mode="nearest") ** 2
            + F(lib).interpolate(x, size=(3, 5), mode="bilinear", align_corners=False).sum()
        ),
        arrays((1, 2, 2, 3)),
    ),
    ("dropout1d_2d_p0", lambda lib, x: F(lib).dropout1d(x * x, 0.0) ** 2 + F(lib).dropout2d(x, 0.0), arrays((2, 3, 2))),
    # recurrent layers (their time loops: under create_graph, run again differentiably and differentiated)
    (
        "lstm_projected",
        lambda lib, x, h, c, wi, wh, bi, bh, wr: lib.lstm(
            x, (h, c), [wi, wh, bi, bh, wr], True, 1, 0.0, True, False, False
        ),
        arrays((2, 2, 3), (1, 2, 1), (1, 2, 2), (8, 3), (8, 1), (8,), (8,), (1, 2)),
    ),
    (
        "lstm_cell",
        lambda lib, x, h, c, wi, wh: lib.lstm_cell(x, (h, c), wi, wh),
        arrays((2, 3), (2, 2), (2, 2), (8, 3), (8, 2)),
    ),
    (
        "gru_bidirectional",
        lambda lib, x, h, wi, wh, bi, bh: lib.gru(x, h, [wi, wh, bi, bh] * 2, True, 1, 0.0, True, True, True),
        arrays((2, 2, 3), (2, 2, 2), (6, 3), (6, 2), (6,), (6,)),
    ),
    (
        "rnn_tanh_packed",
        lambda lib, x, h, wi, wh: lib.rnn_tanh(x, lib.tensor([2, 1]), h, [wi, wh] * 2, False, 1, 0.0, True, True),
        arrays((3, 3), (2, 2, 2), (2, 3), (2, 2)),
    ),
    (
        "rnn_relu_two_layers",
        lambda lib, x, h, wi, wh, wi2: lib.rnn_relu(x, h, [wi, wh, wi2, wh], False, 2, 0.0, True, False, False),
        arrays((2, 2, 3), (2, 2, 2), (2, 3), (2, 2), (2, 2), domains=off_spread(0.0)),
    ),
    # whole-tensor writes and rounded division
    ("fill_tensor", lambda lib, x, v: lib.fill(x * x, (v * v).sum()) * x, arrays((2, 3), (1,))),
    (
        "fill__zero_",
        lambda lib, x: (x * x).fill_(0.5) * x + (x * 2).zero_() * x + lib.fill(x * x, 2.0) * x,
        arrays((2, 3)),
    ),
    ("fill__tensor", lambda lib, x, v: (x * x).fill_((v * v).sum()) * x, arrays((2, 3), (1,))),
    ("copy_", lambda lib, x, y: (x * 1).copy_(y * y * x) ** 2, arrays((2, 3), (2, 3))),
    (
        "remainder_rounded_div",  # values where the quotients stay off their jumps (a off 0)
        lambda lib, a, b: (
            ((a * 0.25) % (b + 3)) ** 2 + (a * 0.25) % 0.3 * a + lib.div(a, b * 0 + 7, rounding_mode="trunc") * a
        ),
        arrays((2, 3), (2, 3), domains=(off(0.0), real)),
    ),
    # padding
    ("pad_constant", lambda lib, x: lib.nn.functional.pad(x * x, (1, -1, 2, 0), value=0.5) ** 2, arrays((2, 3, 3))),
    ("pad_reflect", lambda lib, x: lib.nn.functional.pad(x * x, (2, 1), mode="reflect") ** 2, arrays((2, 3))),
    (
        "pad_replicate",
        lambda lib, x: lib.nn.functional.pad(x * x, (1, 2, 0, 1), mode="replicate") ** 2,
        arrays((1, 2, 2)),
    ),
    ("pad_circular", lambda lib, x: lib.nn.functional.pad(x * x, (1, 1), mode="circular") ** 2, arrays((1, 2, 3))),
    # strided views, special series, neighbours
    ("as_strided", lambda lib, x: (x * x).as_strided((2, 2), (1, 1), 1) ** 2, arrays((2, 3))),
    ("as_strided_", lambda lib, x: (x * x).as_strided_((2, 2), (2, 1), 1) ** 2, arrays((2, 3))),
    ("i0", lambda lib, x: lib.i0(x * 3), one()),
    (
        "igamma_igammac",
        lambda lib, x: (
            (lib.igamma(lib.full_like(x, 1.5), x.abs() + 0.5) - lib.igammac(lib.full_like(x, 0.7), x * x + 0.2)) * x
        ),
        one(off(0.0)),
    ),
    ("nextafter", lambda lib, x, y: lib.nextafter(x * x, y) ** 2, two_distinct((2, 3))),
    # a Cholesky factor's solves: torch's dense gradient for the factor (its other triangle read as zeros)
    (
        "cholesky_solve_inverse",
        lambda lib, a, b: (
            lib.cholesky_solve(b, (a @ a.mT + 3 * a.new_ones(3).diag()).tril(), upper=False) ** 2,
            lib.cholesky_inverse((a @ a.mT + 3 * a.new_ones(3).diag()).triu(), upper=True),
        ),
        arrays((3, 3), (3, 2)),
    ),
    ("channel_shuffle", lambda lib, x: lib.nn.functional.channel_shuffle(x * x, 2) ** 2, arrays((1, 4, 2))),
    # a comparison written in place into a float tensor of the graph: a zero gradient, at every order
    ("comparison_in_place", lambda lib, x: (x * 2).gt_(0.1) * x**2 + (x * 3).le_(x) * x, one(off(0.05, 0.0))),
]
IDS = [c[0] for c in CASES]

THIRD_ORDER = [
    "exp",
    "tanh",
    "sigmoid",
    "sin_cos",
    "div",
    "pow_tensor",
    "softmax",
    "log_softmax",
    "mm",
    "conv2d_flat",
    "conv2d_general",
    "max_pool2d_tiled",
    "index",
    "cross_entropy",
]


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=IDS)
@given(data=st.data())
def test_second_derivatives_match_torch(
    name: str, fn: Callable, inputs: st.SearchStrategy, data: st.DataObject
) -> None:
    check_parity(fn, *data.draw(inputs), dtype=np.float64, order=2)


# The rows the host's registered variants (numba kernels, threaded products) take: again on their plain twins.
ON_VARIANTS = [c for c in CASES if any(k in c[0] for k in ("conv", "pool", "linear", "mm", "matmul", "lstm", "gru"))]


@pytest.mark.parametrize("name,fn,inputs", ON_VARIANTS, ids=[c[0] for c in ON_VARIANTS])
@pytest.mark.usefixtures("plain_host_kernels")
@GRADGRAD
@given(data=st.data())
def test_plain_twins_second_derivatives_match_torch(
    name: str, fn: Callable, inputs: st.SearchStrategy, data: st.DataObject
) -> None:
    check_parity(fn, *data.draw(inputs), dtype=np.float64, order=2)


# Rows whose finite differences are too coarse to check: a trip through float32; and rows whose gradient is no
# derivative, by torch's design (scale_grad_by_freq divides it by the counts, torch's second order does not).
ROUGH = {"to_dtype", "embedding_padding_freq"}
CHECKED = [c for c in CASES if c[0] not in ROUGH]


@pytest.mark.parametrize("name,fn,inputs", CHECKED, ids=[c[0] for c in CHECKED])
@GRADGRAD
@given(data=st.data())
def test_gradgradcheck(name: str, fn: Callable, inputs: st.SearchStrategy, data: st.DataObject) -> None:
    tensors = [make_input(minitorch, a, np.float64, True) for a in data.draw(inputs)]
    assert gradgradcheck(lambda *xs: tuple(_flat(fn(minitorch, *xs))), tuple(tensors))


@pytest.mark.parametrize("name", THIRD_ORDER)
@GRADGRAD
@given(data=st.data())
def test_third_derivatives_match_torch(name: str, data: st.DataObject) -> None:
    _, fn, inputs = CASES[IDS.index(name)]
    check_parity(fn, *data.draw(inputs), dtype=np.float64, order=3)


def test_dropout_is_twice_differentiable_with_its_mask_held() -> None:
    x = minitorch.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)

    def fn(t: Any) -> Any:
        minitorch.manual_seed(0)  # the same mask on every evaluation
        return minitorch.nn.functional.dropout(t * t, p=0.5)

    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize(
    "expr, names",
    [
        ("lib.normal(m, 2.0)", "m"),
        ("lib.normal(1.0, s)", "s"),
        ("lib.normal(m, s)", "ms"),
        ("lib.bernoulli(q)", "q"),
        ("lib.poisson(q)", "q"),
    ],
)
def test_samples_have_zero_derivatives_of_every_order_like_torch(expr: str, names: str) -> None:
    """A sample's parameters get zero gradients (a random draw is no function of them), under create_graph too,
    where those zeros depend on nothing (torch's: they do not require grad)."""
    seen = []
    for lib in (torch, minitorch):
        params = {"m": lib.zeros(2, requires_grad=True), "s": lib.ones(2, requires_grad=True)}
        params["q"] = lib.full((2,), 0.5, requires_grad=True)
        out = eval(expr, {"lib": lib, **params})
        grads = lib.autograd.grad((out * out).sum(), [params[n] for n in names], create_graph=True)
        seen.append([(g.detach().numpy().tolist(), g.requires_grad) for g in grads])
    assert seen[0] == seen[1] and all(values == [0.0, 0.0] for values, _ in seen[1])


def test_hardsigmoid_is_once_differentiable_like_torch() -> None:
    # torch records hardsigmoid's gradient under create_graph (a NotImplemented node) and raises on differentiating it
    check_parity(lambda lib, x: lib.nn.functional.hardsigmoid(x * 4) ** 2, np.linspace(-1, 1, 7), order=1)
    for lib in (torch, minitorch):
        x = lib.tensor(np.linspace(-1, 1, 7), requires_grad=True)
        (g,) = lib.autograd.grad(lib.nn.functional.hardsigmoid(x).sum(), x, create_graph=True)
        assert type(g.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::hardsigmoid_backward is not implemented"):
            lib.autograd.grad(g.sum(), x)


def test_to_device_is_twice_differentiable() -> None:
    with fake_device():
        for lib, dev in ((torch, "cpu"), (minitorch, "fake")):
            x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
            y = (x.to(dev) * x.to(dev)).sin().to("cpu")
            (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
            (gg,) = lib.autograd.grad((g * g).sum(), x)
            if lib is torch:
                want = gg.numpy()
            else:
                assert gg.device.type == "cpu" and g.grad_fn is not None
                np.testing.assert_allclose(gg.numpy(), want, rtol=1e-12)


def test_a_backward_on_a_second_device_keeps_its_graph_there() -> None:
    with fake_device():
        want = None
        for lib, dev in ((torch, "cpu"), (minitorch, "fake")):
            x = lib.tensor(np.linspace(-1, 1, 32).reshape(1, 2, 4, 4), device=dev, requires_grad=True)
            w = lib.tensor(np.linspace(-0.5, 0.5, 16).reshape(2, 2, 2, 2), device=dev, requires_grad=True)
            out = lib.nn.functional.max_pool2d(lib.nn.functional.relu(lib.nn.functional.conv2d(x, w, padding=1)), 2)
            loss = lib.nn.functional.cross_entropy(out.reshape(1, -1)[:, :4] * 3, lib.tensor([1], device=dev))
            (gx, gw) = lib.autograd.grad(loss, (x, w), create_graph=True)
            (hx,) = lib.autograd.grad((gx * gx).sum() + (gw * gw).sum(), x)
            if lib is torch:
                want = hx.numpy()
            else:
                assert hx.device.type == "fake" and gx.device.type == "fake"
                np.testing.assert_allclose(hx.cpu().numpy(), want, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ modules and losses
MODULES = [
    ("Linear", lambda nn: nn.Linear(3, 2), (4, 3)),
    ("Conv2d", lambda nn: nn.Conv2d(2, 3, 2, stride=(1, 2), padding=1), (1, 2, 4, 4)),
    (
        "MaxPool2d_AvgPool2d",
        lambda nn: nn.Sequential(nn.MaxPool2d(2, 1), nn.AvgPool2d(2, ceil_mode=True)),
        (1, 2, 4, 4),
    ),
    ("activations", lambda nn: nn.Sequential(nn.Tanh(), nn.Linear(3, 3), nn.Sigmoid(), nn.Softmax(1)), (2, 3)),
    ("ReLU_LogSoftmax", lambda nn: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.LogSoftmax(dim=0)), (2, 3)),
    ("Flatten_Identity_Dropout", lambda nn: nn.Sequential(nn.Flatten(), nn.Identity(), nn.Dropout(0.0)), (2, 3, 2)),
]
LOSSES = [
    ("MSELoss", lambda nn: nn.MSELoss(), lambda lib, x: x.detach().sin()),
    ("L1Loss", lambda nn: nn.L1Loss(reduction="sum"), lambda lib, x: x.detach() + 2),
    ("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), lambda lib, x: lib.tensor([1, 0])),
    ("NLLLoss", lambda nn: nn.NLLLoss(), lambda lib, x: lib.tensor([2, 1])),
    ("BCELoss", lambda nn: nn.BCELoss(), lambda lib, x: x.detach().cos()),
    ("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(), lambda lib, x: x.detach() ** 2),
]


@pytest.mark.parametrize("name,make,shape", MODULES, ids=[m[0] for m in MODULES])
def test_modules_are_twice_differentiable_like_torch(name: str, make: Callable, shape: tuple) -> None:
    torch.manual_seed(0)
    theirs = make(torch.nn).double()
    ours = make(minitorch.nn).double()
    ours.load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).uniform(-1, 1, shape)
    check_parity(lambda lib, t: (theirs if lib is torch else ours)(t), x, dtype=np.float64, order=2)


@pytest.mark.parametrize("name,make,target", LOSSES, ids=[m[0] for m in LOSSES])
def test_losses_are_twice_differentiable_like_torch(name: str, make: Callable, target: Callable) -> None:
    x = np.random.default_rng(1).uniform(0.1, 0.9, (2, 3))
    check_parity(lambda lib, t: make(lib.nn)(t * t, target(lib, t)), x, dtype=np.float64, order=2)


# ------------------------------------------------------------------ coverage of the table
# Ops the table cannot reach, each with the test that covers its double backward instead.
KERNELS = "tests/test_cuda_kernels.py::test_kernels_are_twice_differentiable_like_their_twins"
ELSEWHERE = {
    "Dropout": "test_dropout_is_twice_differentiable_with_its_mask_held",
    "Sampled": "test_samples_have_zero_derivatives_of_every_order_like_torch",
    "NormalTensorFloat": "test_samples_have_zero_derivatives_of_every_order_like_torch",
    "NormalFloatTensor": "test_samples_have_zero_derivatives_of_every_order_like_torch",
    "NormalTensorTensor": "test_samples_have_zero_derivatives_of_every_order_like_torch",
    "Bernoulli": "test_samples_have_zero_derivatives_of_every_order_like_torch",
    "Poisson": "test_samples_have_zero_derivatives_of_every_order_like_torch",
    "ToDevice": "test_to_device_is_twice_differentiable",
    "Hardsigmoid": "test_hardsigmoid_is_once_differentiable_like_torch",
    "HardsigmoidBackward": "test_hardsigmoid_is_once_differentiable_like_torch",
    **dict.fromkeys(
        [
            "ReluCuda",
            "MaxPool2DTiledCuda",
            "MaxPool2DWithIndicesCuda",
            "ConvolutionCuda",
            "FlatConvolutionCuda",
            "CrossEntropyLossCuda",
            "LSTMLayerCuda",
            "GRULayerCuda",
            "BatchNormCuda",
        ],
        KERNELS,
    ),
    # The host's fast variants (numba, worker threads) hand create_graph to their plain twins' backward.
    **dict.fromkeys(
        ["FlatConvolutionNumba", "MaxPool2DTiledNumba", "MmThreads", "AddmmThreads"],
        "tests/test_ops_numba.py::test_the_fast_variants_differentiate_twice_as_torch",
    ),
    "ReluNumba": "tests/test_ops_numba.py::test_relu_variant_is_what_the_public_functions_run_and_it_differentiates_twice",
    "ClampNumba": "tests/test_ops_numba.py::test_clamp_variant_is_what_the_public_functions_run_and_it_differentiates_twice",
    "ClampMinNumba": "tests/test_ops_numba.py::test_clamp_variant_is_what_the_public_functions_run_and_it_differentiates_twice",
    "ClampMaxNumba": "tests/test_ops_numba.py::test_clamp_variant_is_what_the_public_functions_run_and_it_differentiates_twice",
    "BatchNormNumba": (
        "tests/test_ops_numba.py::test_batch_norm_variant_is_what_the_public_functions_run_and_it_differentiates_twice"
    ),
    **dict.fromkeys(
        ["LSTMLayerNumba", "GRULayerNumba"],
        "tests/test_ops_numba.py::test_recurrent_variants_are_what_the_layers_run_and_they_differentiate_twice",
    ),
    "CrossEntropyLossNumba": (
        "tests/test_ops_numba.py::test_cross_entropy_variant_leaves_other_calls_to_its_twin_and_differentiates_twice"
    ),
    "AsStridedScatter": "tests/test_ops_more_methods.py::test_as_strided_scatter_differentiates_twice_by_finite_differences",
    # once differentiable in torch too: the backward's own backward raises torch's error
    **dict.fromkeys(["CtcLoss", "CtcLossBackward"], "tests/test_nn_ctc.py::test_once_differentiable_like_torch"),
    **dict.fromkeys(
        ["Pdist", "PdistBackward"],
        "tests/test_nn_small_layers.py::test_pdist_node_and_its_backward_is_not_differentiable",
    ),
    **dict.fromkeys(
        ["StandardGammaGrad", "DirichletGrad", "StandardGamma", "SampleDirichlet"],
        "tests/test_distributions_more.py::test_sample_gradients_are_differentiable_once_like_torch",
    ),
    # random slopes: their double backward is the slope's (a constant), checked with the draws held
    **dict.fromkeys(
        ["RreluWithNoise", "RreluWithNoiseInplace"],
        "tests/test_nn_small_layers.py::test_rrelu_training_draws_a_slope_per_negative_element_which_is_its_gradient",
    ),
}
# Ops torch does not differentiate even once: their backward raises (tested with their first-order tables).
NOT_DIFFERENTIABLE = {
    "_NotDifferentiable",
    "Unique",
    "UniqueDim",
    "UniqueConsecutive",
    "Bincount",
    "ScatterWithReduce",
    "FloorDivide",
    "RRemainder",
    "Heaviside",  # torch has no derivative for it either (tests/test_ops_more_functions.py)
    "Histogram",  # counts (tests/test_ops_more_methods.py)
    "NativeChannelShuffle",  # tests/test_nn_small_layers.py::test_native_channel_shuffle_has_no_derivative
}


def _flat(x: Any) -> list:
    return [y for item in x for y in _flat(item)] if isinstance(x, (tuple, list)) else [x]


def _function_of(method: Any) -> Any:
    return getattr(method, "__func__", method)


def _all_ops() -> set:
    found, todo = set(), [Op]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("minitorch."):
                found.add(sub)
    return found


def _ops_in_graph(roots: list) -> set:
    seen, found, todo = set(), set(), [r.grad_fn for r in roots if r is not None and r.grad_fn is not None]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if getattr(node, "_function", None) is not None:
            found.add(node._function)
        todo.extend(child for child, _ in node.next_functions)
    return found


@pytest.mark.usefixtures("plain_host_kernels")  # the plain ops themselves; their fast variants are listed above
def test_every_op_is_in_the_table() -> None:
    reached = set()
    for _, fn, inputs in CASES:
        arrays = find(inputs, lambda _: True, settings=FIRST_EXAMPLE)
        xs = [make_input(minitorch, a, np.float64, True) for a in arrays]
        outs = [o for o in _flat(fn(minitorch, *xs)) if o.requires_grad]
        diff = [x for x in xs if getattr(x, "requires_grad", False)]
        seeds = [minitorch.ones(*o.shape, dtype=o.dtype, requires_grad=True) for o in outs]
        grads = list(minitorch.autograd.grad(outs, diff, seeds, create_graph=True, allow_unused=True))
        reached |= _ops_in_graph(outs + grads)
        for _ in range(2):  # the pieces of a backward's backward, and theirs (a piece's gradient is another piece)
            live = [g for g in grads if g is not None and g.requires_grad]
            if not live:
                break
            total = sum((g * g).sum() for g in live)
            grads = list(minitorch.autograd.grad(total, diff + seeds, create_graph=True, allow_unused=True))
            reached |= _ops_in_graph(grads)
    # A subclass that only renames a node or changes the forward shares its parent's backward: one row covers both
    # (a classmethod backward is compared by its function: a base class like AddProduct is never applied itself).
    backwards = {_function_of(op.backward) for op in reached}
    exempt = ELSEWHERE.keys() | NOT_DIFFERENTIABLE
    missing = sorted(
        op.__name__ for op in _all_ops() if _function_of(op.backward) not in backwards and op.__name__ not in exempt
    )
    assert not missing, f"ops whose backward no row of CASES reaches (add one): {missing}"
