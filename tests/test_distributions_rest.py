"""The distributions that complete torch.distributions' ``__all__`` against torch: Pareto, HalfCauchy, Weibull,
Kumaraswamy, InverseGamma, LogisticNormal, FisherSnedecor, NegativeBinomial, Multinomial, GeneralizedPareto,
VonMises, Wishart and LKJCholesky, with torch's KL pairs among them. Densities, moments, CDFs and KL divergences
with their gradients (float64 tight, float32); reparameterised gradients against torch's for the same samples;
sample statistics (fixed seeds, five standard errors); shapes, expand, reprs, warnings and errors."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests import parity

F64 = {"dtype": np.float64, "rtol": 1e-10, "atol": 1e-12}
F32 = {"dtype": np.float32, "rtol": 1e-5, "atol": 1e-5}
# torch's trigamma (digamma's gradient) is accurate to about 5e-10 only: float64 gradients through digamma allow it
F64_DIGAMMA = {"dtype": np.float64, "rtol": 1e-8, "atol": 1e-10}
WITH_DIGAMMA = (F64_DIGAMMA, F32)
# factorisations (cholesky, slogdet, cholesky_solve) round differently in float32 in the two libraries
WITH_MATRICES = ({**F64, "rtol": 1e-9}, {**F32, "rtol": 1e-4, "atol": 1e-4})

RNG = np.random.default_rng(23)
POS = RNG.uniform(0.5, 4.0, size=(2, 3))  # positive parameters
POS2 = RNG.uniform(0.5, 4.0, size=(2, 3))
LOC = RNG.normal(size=(2, 3))
XPOS = RNG.uniform(0.1, 3.0, size=(4, 2, 3))  # values on the positive half-line
U = RNG.uniform(0.05, 0.95, size=(4, 2, 3))  # probabilities, values in the unit interval
COUNTS = RNG.integers(0, 6, size=(4, 2, 3)).astype(np.float64)
SIMPLEX = RNG.dirichlet(np.ones(4), size=(5, 2))
ANGLES = RNG.uniform(-6.0, 6.0, size=(4, 2, 3))


def both(fn: Callable[..., Any], *inputs: Any, dtypes: tuple = (F64, F32)) -> None:
    """Outputs and every input's gradient equal torch's, in float64 (tight) and float32."""
    for tol in dtypes:
        parity.check_parity(fn, *inputs, **tol)


def _moments(d: Any) -> tuple:
    return d.mean, d.mode, d.variance, d.stddev


def test_torch_distributions_all_is_covered():
    D = minitorch.distributions
    assert set(torch.distributions.__all__) - set(dir(D)) == set()
    assert set(torch.distributions.transforms.__all__) - set(dir(D.transforms)) == set()
    for module in ("pareto", "half_cauchy", "weibull", "kumaraswamy", "inverse_gamma", "logistic_normal",
                   "fishersnedecor", "negative_binomial", "multinomial", "generalized_pareto", "von_mises",
                   "wishart", "lkj_cholesky"):  # fmt: skip
        names = getattr(torch.distributions, module).__all__
        assert all(getattr(getattr(D, module), n) is getattr(D, n) for n in names), module


# --- densities, moments, CDFs and their gradients ------------------------------------------------------------


def test_pareto_halfcauchy_weibull_match_torch():
    def fn(lib, a, b, xpos, q):
        D = lib.distributions
        pa, hc, we = D.Pareto(a * 0.1, b), D.HalfCauchy(a), D.Weibull(a, b)
        out = (pa.log_prob(xpos + 0.4), pa.cdf(xpos + 0.4), pa.icdf(q), pa.entropy()) + _moments(pa)
        out += (hc.log_prob(xpos), hc.cdf(xpos), hc.icdf(q), hc.entropy()) + _moments(hc)
        return out + (we.log_prob(xpos), we.cdf(xpos), we.icdf(q), we.entropy()) + _moments(we)

    both(fn, POS, POS2, XPOS, U)


def test_pareto_moments_at_small_alpha_are_infinite_like_torch():
    def fn(lib, alpha):
        d = lib.distributions.Pareto(lib.ones_like(alpha), alpha)
        return d.mean, d.variance

    both(fn, np.array([0.5, 1.0, 1.5, 2.0, 3.0]))


def test_kumaraswamy_inverse_gamma_match_torch():
    def fn(lib, a, b, q, xpos):
        D = lib.distributions
        k, ig = D.Kumaraswamy(a, b), D.InverseGamma(a, b)
        out = (k.log_prob(q), k.cdf(q), k.icdf(q), k.entropy()) + _moments(k)
        return out + (ig.log_prob(xpos), ig.entropy()) + _moments(ig)

    # (concentrations on both sides of 1 and 2: modes and moments that do not exist are NaN or infinite)
    a = np.array([[0.5, 1.5, 2.5], [3.0, 0.8, 1.2]])
    both(fn, a, POS2, U, XPOS, dtypes=WITH_DIGAMMA)


def test_logistic_normal_matches_torch():
    def fn(lib, loc, scale, simplex):
        D = lib.distributions
        d, scalar = D.LogisticNormal(loc, scale), D.LogisticNormal(loc[0, 0], scale[0, 0])
        return (
            d.log_prob(simplex),
            d.loc,
            d.scale,
            scalar.log_prob(simplex[..., 0, :2] / simplex[..., 0, :2].sum(-1, True)),
        )

    both(fn, LOC, POS, SIMPLEX)


def test_fisher_snedecor_matches_torch():
    def fn(lib, df1, df2, xpos):
        d = lib.distributions.FisherSnedecor(df1, df2)
        return (d.log_prob(xpos),) + _moments(d)

    # df on both sides of 2 and 4: the mean, mode and variance are NaN below them
    df = np.array([[0.5, 2.0, 3.0], [4.5, 6.0, 10.0]])
    both(fn, df, df[::-1] + 0.5, XPOS)


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_negative_binomial_matches_torch(given):
    def fn(lib, total, param, counts):
        d = lib.distributions.NegativeBinomial(total, **{given: param})
        return d.log_prob(counts), d.probs, d.logits, d.mean, d.mode, d.variance, d.stddev

    param = RNG.uniform(0.1, 0.9, size=(2, 3)) if given == "probs" else LOC
    both(fn, POS * 2, param, COUNTS)


def test_negative_binomial_of_zero_failures_is_certain_zero_like_torch():
    def fn(lib, p, counts):
        return lib.distributions.NegativeBinomial(lib.zeros_like(p), p).log_prob(counts)

    both(fn, np.array([0.2, 0.5, 0.7]), np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 0.0]]))


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_multinomial_matches_torch(given):
    def fn(lib, param, counts):
        d = lib.distributions.Multinomial(7, **{given: param})
        return d.log_prob(counts), d.entropy(), d.probs, d.logits, d.mean, d.variance

    param = RNG.uniform(0.5, 3.0, size=(2, 3)) if given == "probs" else LOC
    counts = np.array([[[2.0, 0.0, 5.0], [1.0, 3.0, 3.0]], [[7.0, 0.0, 0.0], [0.0, 4.0, 3.0]]])
    # (the entropy's lgamma(n + 1) is taken of an integer tensor: float32 in both, even for float64 parameters)
    both(fn, param, counts, dtypes=({**F64, "rtol": 1e-7, "atol": 1e-6}, F32))


def test_multinomial_log_prob_of_impossible_categories_like_torch():
    def fn(lib, probs, counts):
        return lib.distributions.Multinomial(3, probs=probs).log_prob(counts)

    both(
        fn, np.array([0.0, 0.5, 0.5]), np.array([[0.0, 1.0, 2.0], [1.0, 2.0, 0.0]]), dtypes=({**F64, "rtol": 1e-7}, F32)
    )


@contextlib.contextmanager
def torch_default_dtype(dtype: Any) -> Iterator[None]:
    """torch's GeneralizedPareto compares the concentration with ``torch.tensor(0.0)``, which fails for parameters
    not of the default dtype (minitorch's works in any): float64 runs make float64 torch's default."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64 if dtype == np.float64 else torch.float32)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def test_generalized_pareto_matches_torch():
    def fn(lib, loc, scale, conc, x, q):
        d = lib.distributions.GeneralizedPareto(loc, scale, conc)
        out = (d.log_prob(x), d.log_survival_function(x), d.log_cdf(x), d.cdf(x), d.icdf(q), d.entropy())
        return out + (d.mean, d.mode, d.variance, d.support.upper_bound)

    # c > 0, c = 0 (exponential), c < 0 (bounded support) and c past the moments (>= 1/2 and >= 1)
    conc = np.array([[0.3, 0.0, -0.2], [0.6, 1.2, -1.0]])
    x = np.array([[0.5, 1.0, 1.2], [2.0, 0.1, 0.4]]) + np.array([[0.1, 0.2, 0.3], [0.0, 0.0, 0.0]])
    loc = np.array([[0.0, 0.1, 0.2], [-0.3, 0.0, 0.0]])
    scale = np.array([[1.0, 2.0, 1.5], [0.5, 1.0, 1.0]])
    for tol in (F64, F32):
        with torch_default_dtype(tol["dtype"]):
            parity.check_parity(fn, loc, scale, conc, np.stack([x, x * 0.5 + 0.1]), U[:2], **tol)


def test_von_mises_matches_torch():
    def fn(lib, loc, conc, x):
        d = lib.distributions.VonMises(loc, conc)
        return d.log_prob(x), d.mean, d.mode, d.variance

    # concentrations on both sides of 3.75, where the Bessel approximations switch
    conc = np.array([[0.01, 1.0, 3.7], [3.8, 10.0, 50.0]])
    both(fn, LOC, conc, ANGLES)


def _spd(lib: Any, m: Any) -> Any:
    """A positive definite matrix from any square ``m`` (so gradients reach ``m``)."""
    n = m.shape[-1]
    return m @ m.transpose(-2, -1) + lib.eye(n, dtype=m.dtype)


WISHART_DF = np.array([3.5, 6.0])
WISHART_M = RNG.normal(size=(2, 3, 3)) * 0.5
WISHART_VALUE = RNG.normal(size=(4, 2, 3, 3)) * 0.5


@pytest.mark.parametrize("given", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_wishart_matches_torch(given):
    def fn(lib, df, m, v):
        matrix = _spd(lib, m)
        param = lib.linalg.cholesky(matrix) if given == "scale_tril" else matrix
        d = lib.distributions.Wishart(df, **{given: param})
        moments = (d.mean, d.mode, d.variance)
        return (d.log_prob(_spd(lib, v)), d.entropy(), d.covariance_matrix, d.precision_matrix, d.scale_tril) + moments

    both(fn, WISHART_DF, WISHART_M, WISHART_VALUE, dtypes=({**F64_DIGAMMA, "rtol": 1e-8}, WITH_MATRICES[1]))


def test_wishart_with_a_number_df_and_broadcast_batch_matches_torch():
    def fn(lib, df, m, v):
        D = lib.distributions
        number = D.Wishart(4.0, scale_tril=lib.linalg.cholesky(_spd(lib, m[0])))
        broadcast = D.Wishart(df.reshape(2, 1), covariance_matrix=_spd(lib, m))  # batch (2, 2)
        return number.log_prob(_spd(lib, v)), broadcast.log_prob(_spd(lib, v).unsqueeze(-3)), broadcast.mean

    both(fn, WISHART_DF, WISHART_M, WISHART_VALUE, dtypes=WITH_MATRICES)


def test_lkj_cholesky_matches_torch():
    corr = np.array([[1.0, 0.3, 0.1, -0.2], [0.3, 1.0, -0.2, 0.4], [0.1, -0.2, 1.0, 0.25], [-0.2, 0.4, 0.25, 1.0]])
    factors = np.stack([np.linalg.cholesky(corr), np.linalg.cholesky(corr * 0.5 + np.eye(4) * 0.5)])

    def fn(lib, conc, value):
        d2, d4 = lib.distributions.LKJCholesky(2, conc), lib.distributions.LKJCholesky(4, conc)
        return d4.log_prob(value), d2.log_prob(value[:, :2, :2] / value[:, :2, :2].norm(dim=-1, keepdim=True))

    both(fn, np.array([0.5, 1.0]), factors, dtypes=({**F64, "rtol": 1e-9}, F32))


# --- KL divergences ---------------------------------------------------------------------------------------------


def test_kl_pairs_are_the_ones_torch_registers():
    def pairs(lib):
        D = lib.distributions
        registry = D.kl._KL_REGISTRY if lib is torch else D.kl._KL_FUNCTIONS._functions
        return {(p.__name__, q.__name__) for p, q in registry}

    assert pairs(minitorch) == pairs(torch)


def _families(lib: Any, loc: Any, scale: Any, pos: Any) -> dict:
    D = lib.distributions
    return {
        "pareto": D.Pareto(scale, pos + 2.5),  # (alpha > 2: every closed form finite)
        "heavy pareto": D.Pareto(scale * 0.5, pos * 0.4),  # (alpha below 1 and 2 in places: infinite)
        "normal": D.Normal(loc, scale),
        "exponential": D.Exponential(pos),
        "gamma": D.Gamma(pos, scale),
        "beta": D.Beta(pos, scale.expand(2, 3)),
        "uniform": D.Uniform(pos, pos + scale),
        "straddling uniform": D.Uniform(scale * 0.5, scale * 2),
        "gumbel": D.Gumbel(loc, scale),
        "laplace": D.Laplace(loc, scale),
        "continuous bernoulli": D.ContinuousBernoulli(logits=loc + 1),
        "half cauchy": D.HalfCauchy(scale * pos),
        "inverse gamma": D.InverseGamma(pos, scale),
        "logistic normal": D.LogisticNormal(loc, pos),
    }


KL_PAIRS = [
    ("pareto", "pareto"), ("heavy pareto", "pareto"), ("pareto", "heavy pareto"), ("pareto", "exponential"),
    ("heavy pareto", "exponential"), ("pareto", "gamma"), ("heavy pareto", "gamma"), ("pareto", "normal"),
    ("heavy pareto", "normal"), ("pareto", "beta"), ("pareto", "uniform"), ("pareto", "continuous bernoulli"),
    ("uniform", "pareto"), ("straddling uniform", "pareto"), ("normal", "pareto"), ("exponential", "pareto"),
    ("gamma", "pareto"), ("beta", "pareto"), ("gumbel", "pareto"), ("laplace", "pareto"),
    ("continuous bernoulli", "pareto"), ("half cauchy", "half cauchy"), ("inverse gamma", "inverse gamma"),
    ("logistic normal", "logistic normal"),
]  # fmt: skip


@pytest.mark.parametrize("pair", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_pairs_match_torch(pair):
    def fn(lib, loc, scale, pos, loc2, scale2, pos2):
        p = _families(lib, loc, scale, pos)[pair[0]]
        q = _families(lib, loc2, scale2, pos2)[pair[1]]
        return lib.distributions.kl_divergence(p, q)

    scale = RNG.uniform(0.5, 2.0, size=(3,))
    both(fn, LOC, scale, POS, LOC[::-1] * 0.7, scale[::-1] * 1.3, POS[::-1] * 0.8, dtypes=WITH_DIGAMMA)


def test_kl_wishart_wishart_by_the_exponential_family_matches_torch():
    def fn(lib, df, m, df2, m2):
        D = lib.distributions
        p = D.Wishart(df, covariance_matrix=_spd(lib, m))
        q = D.Wishart(df2, precision_matrix=_spd(lib, m2))
        single = D.Wishart(df[0], scale_tril=lib.linalg.cholesky(_spd(lib, m[0])))
        return D.kl_divergence(p, q), D.kl_divergence(single, D.Wishart(df2[1], covariance_matrix=_spd(lib, m2[1])))

    m2 = RNG.normal(size=(2, 3, 3)) * 0.5
    both(fn, WISHART_DF, WISHART_M, WISHART_DF[::-1] + 1, m2, dtypes=({**F64_DIGAMMA, "rtol": 1e-8}, WITH_MATRICES[1]))


# --- transforms ---------------------------------------------------------------------------------------------------


def test_transforms_the_new_distributions_use_match_torch():
    def fn(lib, x, a, m):
        T = lib.distributions.transforms
        chain = T.ComposeTransform([T.PowerTransform(a.reciprocal()), T.AffineTransform(1.0, -1.0)])
        pd = T.PositiveDefiniteTransform()
        out = []
        for t, v in ((chain, x.exp().sigmoid()), (T.PowerTransform(-a.new_ones(())), x.exp()), (pd, m)):
            y = t(v)
            out += [y, t.inv(y)]
            if t is not pd:  # (torch's PositiveDefiniteTransform has no log-determinant)
                out.append(t.log_abs_det_jacobian(v, y))
        return out

    both(fn, LOC, POS[0], WISHART_M, dtypes=(F64, WITH_MATRICES[1]))


def test_biject_to_the_new_supports_like_torch():
    def fn(lib, x, scale, loc):
        D = lib.distributions
        out = []
        for d in (D.Pareto(scale, 2.0), D.GeneralizedPareto(loc, scale, -0.5), D.Weibull(scale, 2.0)):
            t = D.biject_to(d.support)
            out += [t(x), t.log_abs_det_jacobian(x, t(x))]
        return out

    both(fn, LOC, POS, LOC[::-1])


# --- reparameterised sample gradients ---------------------------------------------------------------------------


def _implicit_gradients(make: Callable, value: np.ndarray, params: list) -> list:
    """d x / d theta of samples x = F^-1(u; theta) at fixed u: -(d F / d theta) / f(x), summed over the samples,
    from torch's CDF and density at minitorch's samples."""
    t_params = [torch.tensor(p, requires_grad=True) for p in params]
    d = make(torch.distributions, *t_params)
    x = torch.tensor(value)
    (-(d.cdf(x) / d.log_prob(x).exp().detach()).sum()).backward()
    return [None if p.grad is None else p.grad.numpy() for p in t_params]


@pytest.mark.parametrize(
    "make",
    [
        lambda D, a, b: D.Pareto(a, b),
        lambda D, a, b: D.HalfCauchy(a),
        lambda D, a, b: D.Weibull(a, b),
        lambda D, a, b: D.Kumaraswamy(a, b),
        lambda D, a, b: D.GeneralizedPareto(a - 1.0, a, b - 1.0),
    ],
    ids=["pareto", "half cauchy", "weibull", "kumaraswamy", "generalized pareto"],
)
def test_rsample_gradients_are_the_implicit_ones(make):
    a, b = np.array([0.5, 1.5, 2.0]), np.array([1.2, 0.7, 3.0])
    m_a, m_b = (minitorch.tensor(v, requires_grad=True) for v in (a, b))
    minitorch.manual_seed(8)
    value = make(minitorch.distributions, m_a, m_b).rsample((30,))
    value.sum().backward()
    with torch_default_dtype(np.float64):
        want = _implicit_gradients(make, value.detach().numpy(), [a, b])
    for got, expected in zip((m_a.grad, m_b.grad), want):
        assert (got is None) == (expected is None)  # (HalfCauchy has one parameter)
        if got is not None:
            np.testing.assert_allclose(got.numpy(), expected, rtol=1e-7, atol=1e-10)


def test_inverse_gamma_rsample_gradients_follow_the_gamma_sample():
    conc = minitorch.tensor([0.6, 2.0, 7.0], dtype=minitorch.float64, requires_grad=True)
    rate = minitorch.tensor([0.5, 1.0, 3.0], dtype=minitorch.float64, requires_grad=True)
    minitorch.manual_seed(9)
    value = minitorch.distributions.InverseGamma(conc, rate).rsample((100,))
    value.sum().backward()
    x, a, r = value.detach().numpy(), conc.detach().numpy(), rate.detach().numpy()
    # x = rate / S for S ~ Gamma(a, 1): dx/d rate = x / rate, dx/da = -x^2 / rate * dS/da
    ds_da = torch._standard_gamma_grad(torch.tensor(a).expand(100, 3), torch.tensor(r / x)).numpy()
    np.testing.assert_allclose(rate.grad.numpy(), (x / r).sum(0), rtol=1e-10)
    np.testing.assert_allclose(conc.grad.numpy(), (-(x**2) / r * ds_da).sum(0), rtol=1e-9)


def test_wishart_rsample_gradients_follow_the_bartlett_factor():
    m = WISHART_M[0]
    tril_np = np.linalg.cholesky(m @ m.T + np.eye(3))
    df = minitorch.tensor(4.5, dtype=minitorch.float64, requires_grad=True)
    tril = minitorch.tensor(tril_np, requires_grad=True)
    weights = RNG.normal(size=(5, 3, 3))
    minitorch.manual_seed(10)
    sample = minitorch.distributions.Wishart(df, scale_tril=tril).rsample((5,))
    (sample * minitorch.tensor(weights)).sum().backward()
    # the Bartlett factor A of each sample (S = L A A^T L^T), then torch's gradient through it: A's diagonal is
    # sqrt(c) for c ~ Chi2(df - i) = 2 Gamma((df - i) / 2, 1), whose d c / d df is Gamma's implicit gradient
    s = sample.detach().numpy()
    inv = np.linalg.inv(tril_np)
    bartlett = np.linalg.cholesky(inv @ s @ inv.T)
    c = np.diagonal(bartlett, axis1=-2, axis2=-1) ** 2
    half_df = (4.5 - np.arange(3)) / 2
    dc_ddf = torch._standard_gamma_grad(torch.tensor(half_df).expand(5, 3), torch.tensor(c / 2)).numpy()
    t_df, t_tril = torch.tensor(4.5, requires_grad=True), torch.tensor(tril_np, requires_grad=True)
    diag = torch.sqrt(torch.tensor(c) + torch.tensor(dc_ddf) * (t_df - 4.5))
    a = torch.tensor(np.tril(bartlett, -1)) + torch.diag_embed(diag)
    chol = t_tril @ a
    ((chol @ chol.mT) * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(tril.grad.numpy(), t_tril.grad.numpy(), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(df.grad.numpy(), t_df.grad.numpy(), rtol=1e-7)


def test_fisher_snedecor_rsample_carries_gradients_to_both_dfs():
    df1 = minitorch.tensor([2.0, 5.0], dtype=minitorch.float64, requires_grad=True)
    df2 = minitorch.tensor([3.0, 8.0], dtype=minitorch.float64, requires_grad=True)
    minitorch.manual_seed(11)
    x = minitorch.distributions.FisherSnedecor(df1, df2).rsample((50,))
    assert x.requires_grad and bool((x > 0).all())
    x.sum().backward()
    assert bool((df1.grad != 0).all()) and bool((df2.grad != 0).all())


# --- sample statistics (fixed seeds; within five standard errors) -----------------------------------------------


N = 40000


def _check_moments(s: np.ndarray, mean: np.ndarray, var: np.ndarray, what: str) -> None:
    mean, var = np.broadcast_to(mean, s.shape[1:]), np.broadcast_to(var, s.shape[1:])
    assert (np.abs(s.mean(0) - mean) < 5 * np.sqrt(var / N)).all(), (what, s.mean(0), mean)
    # the sample variance's standard error, from the fourth central moment
    m4 = ((s - s.mean(0)) ** 4).mean(0)
    assert (np.abs(s.var(0) - var) < 5 * np.sqrt(np.maximum(m4 - var**2, 1e-12) / N)).all(), (what, s.var(0), var)


WISHART_COV = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 1.5]])

STATISTICS = {
    "pareto": lambda D, t: D.Pareto(t([1.0, 2.0]), t([5.0, 9.0])),  # (alpha > 4: a finite fourth moment)
    "weibull": lambda D, t: D.Weibull(t([1.0, 2.0]), t([0.8, 3.0])),
    "kumaraswamy": lambda D, t: D.Kumaraswamy(t([0.5, 2.0, 5.0]), t([0.5, 3.0, 1.0])),
    "inverse gamma": lambda D, t: D.InverseGamma(t([5.0, 9.0]), t([1.0, 3.0])),
    "fisher snedecor": lambda D, t: D.FisherSnedecor(t([3.0, 10.0]), t([10.0, 20.0])),
    "negative binomial": lambda D, t: D.NegativeBinomial(t([3.0, 0.5, 10.0]), t([0.3, 0.6, 0.1])),
    "multinomial": lambda D, t: D.Multinomial(10, t([[0.2, 0.3, 0.5], [0.7, 0.1, 0.2]])),
    "generalized pareto": lambda D, t: D.GeneralizedPareto(
        t([0.0, 1.0, -1.0]), t([1.0, 2.0, 0.5]), t([0.1, 0.0, -0.5])
    ),
    "wishart": lambda D, t: D.Wishart(t([4.0, 7.5]), covariance_matrix=t(WISHART_COV)),
}


@pytest.mark.parametrize("name", list(STATISTICS))
def test_sample_mean_and_variance(name):
    minitorch.manual_seed(30)

    def as_tensor(values):
        return minitorch.tensor(values, dtype=minitorch.float64)

    d = STATISTICS[name](minitorch.distributions, as_tensor)
    s = d.sample((N,)).numpy()
    assert bool(d.support.check(minitorch.tensor(s)).all())
    t = STATISTICS[name](torch.distributions, lambda v: torch.tensor(v, dtype=torch.float64))
    _check_moments(s, t.mean.numpy(), t.variance.numpy(), name)
    if d.has_rsample:
        _check_moments(d.rsample((N,)).detach().numpy(), t.mean.numpy(), t.variance.numpy(), name + " rsample")


def test_half_cauchy_quantiles():
    d = minitorch.distributions.HalfCauchy(2.0)
    minitorch.manual_seed(31)
    s = d.sample((N,)).numpy()
    assert (s >= 0).all()
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        below = (s < d.icdf(minitorch.tensor(q)).item()).mean()
        assert abs(below - q) < 5 * np.sqrt(q * (1 - q) / N)


def test_logistic_normal_samples_map_back_to_the_normal():
    loc, scale = np.array([0.5, -1.0, 0.0]), np.array([1.0, 0.5, 2.0])
    d = minitorch.distributions.LogisticNormal(minitorch.tensor(loc), minitorch.tensor(scale))
    minitorch.manual_seed(32)
    s = d.sample((N,))
    assert s.shape == (N, 4) and bool(d.support.check(s).all())
    back = minitorch.distributions.StickBreakingTransform().inv(s).numpy()
    _check_moments(back, loc, scale**2, "logistic normal")


@pytest.mark.parametrize("conc", [1e-6, 0.5, 4.0, 300.0])
def test_von_mises_circular_moments_and_range(conc):
    loc = np.array([0.5, -3.0, 3.1])
    d = minitorch.distributions.VonMises(minitorch.tensor(loc), minitorch.tensor(np.full(3, conc)))
    minitorch.manual_seed(33)
    s = d.sample((N,)).numpy()
    assert s.shape == (N, 3) and (s >= -math.pi).all() and (s < math.pi).all()
    t = torch.distributions.VonMises(torch.tensor(loc), torch.tensor(np.full(3, conc)))
    # E[cos(x - loc)] = I1(k) / I0(k) = 1 - circular variance; E[sin(x - loc)] = 0
    r = 1 - t.variance.numpy()
    cos, sin = np.cos(s - loc), np.sin(s - loc)
    assert (np.abs(cos.mean(0) - r) < 5 * np.maximum(cos.std(0), 1e-9) / np.sqrt(N) + 1e-9).all(), cos.mean(0)
    assert (np.abs(sin.mean(0)) < 5 * np.maximum(sin.std(0), 1e-9) / np.sqrt(N) + 1e-9).all(), sin.mean(0)


def test_von_mises_sampling_is_float64_inside_and_reproducible():
    d = minitorch.distributions.VonMises(minitorch.tensor([0.0, 1.0]), minitorch.tensor([1e-4, 2.0]))
    draws = []
    for _ in range(2):
        minitorch.manual_seed(34)
        draws.append(d.sample((1000,)))
    assert draws[0].dtype == minitorch.float32 and not draws[0].requires_grad
    np.testing.assert_array_equal(draws[0].numpy(), draws[1].numpy())


def test_lkj_cholesky_samples_give_correlations_of_the_lkj_marginal():
    eta, dim = np.array([0.5, 1.0, 4.0]), 4
    d = minitorch.distributions.LKJCholesky(dim, minitorch.tensor(eta))
    minitorch.manual_seed(35)
    s = d.sample((N,))
    assert bool(d.support.check(s).all())
    corr = (s @ s.mT).numpy()
    np.testing.assert_allclose(np.diagonal(corr, axis1=-2, axis2=-1), 1.0, rtol=1e-5)
    # each correlation is 2 Beta(a, a) - 1 with a = eta - 1 + dim / 2: mean 0, variance 1 / (2 a + 1) (torch's
    # sampler gets this right for row 1 only; rows 2 and 3 come out too correlated by 5 to 40 standard errors)
    var = 1 / (2 * (eta - 1 + dim / 2) + 1)
    for i, j in ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)):
        _check_moments(corr[..., i, j], np.zeros(3), var, f"LKJ r{i}{j}")


# --- shapes, expand, properties, reprs ----------------------------------------------------------------------------


def _make_all(lib: Any) -> dict:
    """One of each distribution, its float parameters requiring grad."""
    D = lib.distributions
    g = {"requires_grad": True}
    pos = lib.full((2, 3), 1.5, **g)
    cov = lib.tensor(WISHART_COV, dtype=lib.float32).requires_grad_()
    return {
        "pareto": D.Pareto(pos, lib.full((3,), 2.5, **g)),
        "pareto numbers": D.Pareto(1.0, 2.0),
        "half cauchy": D.HalfCauchy(pos),
        "weibull": D.Weibull(pos, lib.full((3,), 2.0, **g)),
        "kumaraswamy": D.Kumaraswamy(pos, pos),
        "inverse gamma": D.InverseGamma(pos, 2.0),
        "logistic normal": D.LogisticNormal(lib.zeros(2, 3, **g), pos),
        "logistic normal numbers": D.LogisticNormal(0.0, 1.0),
        "fisher snedecor": D.FisherSnedecor(pos, 3.0),
        "fisher snedecor numbers": D.FisherSnedecor(2.0, 3.0),
        "negative binomial": D.NegativeBinomial(pos, logits=lib.zeros(2, 3, **g)),
        "negative binomial probs": D.NegativeBinomial(3.0, probs=lib.full((3,), 0.4, **g)),
        "multinomial": D.Multinomial(5, lib.full((2, 3), 0.5, **g)),
        "multinomial logits": D.Multinomial(logits=lib.zeros(4, **g)),
        "generalized pareto": D.GeneralizedPareto(lib.zeros(3, **g), pos, lib.full((3,), 0.2, **g)),
        "generalized pareto numbers": D.GeneralizedPareto(0.0, 1.0, -0.5),
        "von mises": D.VonMises(lib.zeros(3, **g), pos),
        "wishart": D.Wishart(lib.tensor([4.0, 5.0], **g), covariance_matrix=cov),
        "wishart precision": D.Wishart(4.0, precision_matrix=cov),
        "wishart scale_tril": D.Wishart(lib.tensor(4.0), scale_tril=lib.linalg.cholesky(cov).expand(2, 3, 3)),
        "lkj": D.LKJCholesky(3, pos),
        "lkj number": D.LKJCholesky(2, 0.5),
    }


@pytest.mark.parametrize("name", list(_make_all(torch)))
@pytest.mark.parametrize("sample_shape", [(), (5,), [2, 3]])
def test_sample_shapes_dtypes_and_graph_like_torch(name, sample_shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's Wishart warns of singular samples on every draw)
        t_dist, m_dist = _make_all(torch)[name], _make_all(minitorch)[name]
        assert (m_dist.batch_shape, m_dist.event_shape) == (t_dist.batch_shape, t_dist.event_shape)
        t_s, m_s = t_dist.sample(sample_shape), m_dist.sample(sample_shape)
        assert m_s.shape == t_s.shape and str(m_s.dtype) == str(t_s.dtype) and not m_s.requires_grad
        assert m_dist.log_prob(m_s).shape == t_dist.log_prob(t_s).shape
        assert bool(m_dist.support.check(m_s).all())
        assert m_dist.has_rsample == t_dist.has_rsample
        if t_dist.has_rsample:
            t_r, m_r = t_dist.rsample(sample_shape), m_dist.rsample(sample_shape)
            assert m_r.shape == t_r.shape and m_r.requires_grad == t_r.requires_grad
        else:
            with pytest.raises(NotImplementedError):
                m_dist.rsample()


@pytest.mark.parametrize("name", [n for n in _make_all(torch) if "number" not in n])
def test_expand_like_torch(name):
    t_d, m_d = _make_all(torch)[name], _make_all(minitorch)[name]
    shape = (4,) + tuple(t_d.batch_shape)
    t_e, m_e = t_d.expand(shape), m_d.expand(shape)
    assert type(m_e) is type(m_d) and m_d.batch_shape != m_e.batch_shape
    assert (m_e.batch_shape, m_e.event_shape, m_e._validate_args) == (t_e.batch_shape, t_e.event_shape, True)
    assert sorted(k for k in m_e.__dict__ if not k.startswith("_")) == sorted(
        k for k in t_e.__dict__ if not k.startswith("_")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = t_e.sample()
        assert m_e.sample((2,)).shape == t_e.sample((2,)).shape
    got, want = m_e.log_prob(minitorch.tensor(value.numpy())), t_e.log_prob(value)
    parity.assert_close(got, want.detach(), 1e-4, 1e-4, "log_prob")


def test_properties_and_reprs_like_torch():
    def described(lib):
        rows = []
        for name, d in _make_all(lib).items():
            constraints = {k: repr(v) for k, v in d.arg_constraints.items()}
            rows.append((name, repr(d), repr(d.support), constraints, d.has_rsample, d.has_enumerate_support))
            rows.append((d.support.is_discrete, d.support.event_dim))
        D = lib.distributions
        for cls in (D.Pareto, D.Multinomial, D.GeneralizedPareto, D.Weibull, D.Wishart, D.LKJCholesky, D.VonMises):
            rows.append((repr(cls.support), lib.distributions.constraints.is_dependent(cls.support)))
        return rows

    for m, t in zip(described(minitorch), described(torch), strict=True):
        assert m == t


def test_derived_parameters_like_torch():
    for lib in (torch, minitorch):
        D = lib.distributions
        p = lib.tensor([0.2, 0.5], requires_grad=True)
        nb = D.NegativeBinomial(lib.tensor([2, 3]), p)
        assert nb.probs is p and nb.total_count.dtype == lib.float32 and "logits" not in nb.__dict__
        assert nb.logits.requires_grad and "logits" in nb.__dict__ and nb.param_shape == (2,)
        m = D.Multinomial(4, logits=lib.tensor([0.0, 1.0]))
        assert m.param_shape == (2,) and m.total_count == 4 and abs(m.probs.sum().item() - 1) < 1e-6
        w = D.Wishart(lib.tensor([4.0]), scale_tril=lib.eye(2))
        assert "covariance_matrix" not in w.__dict__ and w.covariance_matrix.shape == (1, 2, 2)
        assert w._batch_dims == [-1] and w.df.shape == (1,)
        lkj = D.LKJCholesky(3, 2.0)
        assert lkj.dim == 3 and lkj.batch_shape == () and lkj._beta.batch_shape == (3,)
        assert isinstance(D.VonMises(0.0, 1.0).expand((2,)), D.VonMises)


# --- warnings and errors like torch -------------------------------------------------------------------------------


def _warned(lib: Any, make: Callable[[Any], Any]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make(lib)
    return [str(w.message) for w in caught]


def test_wishart_warns_of_low_df_like_torch():
    def make(lib):
        return lib.distributions.Wishart(lib.tensor([2.5, 4.0]), covariance_matrix=lib.eye(3))

    assert (
        _warned(minitorch, make)
        == _warned(torch, make)
        == ["Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df < ndim."]
    )


def test_wishart_redraws_singular_samples_with_a_warning():
    # float32 and df barely above p - 1: the Bartlett factor's last diagonal entry is often below eps, and the
    # sample not positive definite; redrawn ones replace them (whole sample indices), up to max_try_correction
    with pytest.warns(UserWarning, match="Low df values detected"):
        d = minitorch.distributions.Wishart(minitorch.tensor(2.0001), covariance_matrix=minitorch.eye(3) * 1e-12)
    singular = []
    for tries in (0, 1, 10):
        minitorch.manual_seed(36)
        with pytest.warns(UserWarning, match="Singular sample detected."):
            s = d.rsample((200,), max_try_correction=tries)
        singular.append(int((~d.support.check(s)).sum()))
    assert singular[0] > singular[1] > singular[2] == 0, singular
    fine = minitorch.distributions.Wishart(minitorch.tensor(6.0), covariance_matrix=minitorch.eye(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no warning when every sample is positive definite)
        assert bool(fine.support.check(fine.rsample((200,))).all())


def _d(lib: Any) -> Any:
    return lib.distributions


ERRORS = [
    (lambda lib: _d(lib).Pareto(1.0, -1.0), "Expected parameter rate"),  # (the base Exponential's, first)
    (lambda lib: _d(lib).Pareto(-1.0, 1.0), "Expected parameter scale"),
    (lambda lib: _d(lib).Pareto(lib.tensor([2.0]), 1.0).log_prob(lib.tensor([1.0])), "GreaterThanEq(lower_bound"),
    (lambda lib: _d(lib).HalfCauchy(lib.tensor([-1.0])), "Expected parameter scale"),
    (lambda lib: _d(lib).HalfCauchy(1.0).log_prob(lib.tensor(-1.0)), "GreaterThanEq(lower_bound=0.0)"),
    (lambda lib: _d(lib).Weibull(1.0, 0.0), "Expected parameter concentration"),
    (lambda lib: _d(lib).Weibull(1.0, 2.0).log_prob(lib.tensor(-1.0)), "GreaterThan(lower_bound=0.0)"),
    (lambda lib: _d(lib).Kumaraswamy(-1.0, 2.0), "Expected parameter concentration1"),
    (lambda lib: _d(lib).Kumaraswamy(1.0, 2.0).log_prob(lib.tensor(1.5)), "Interval(lower_bound=0.0"),
    (lambda lib: _d(lib).InverseGamma(1.0, -2.0), "Expected parameter rate"),
    (lambda lib: _d(lib).LogisticNormal(0.0, -1.0), "Expected parameter scale"),
    (lambda lib: _d(lib).LogisticNormal(lib.zeros(2), 1.0).log_prob(lib.tensor([0.5, 0.6, 0.1])), "Simplex()"),
    (lambda lib: _d(lib).FisherSnedecor(lib.tensor([-1.0]), 2.0), "Expected parameter"),
    (lambda lib: _d(lib).FisherSnedecor(1.0, 2.0).log_prob(lib.tensor(-1.0)), "GreaterThan(lower_bound=0.0)"),
    (lambda lib: _d(lib).NegativeBinomial(3.0), "Either `probs` or `logits` must be specified, but not both."),
    (lambda lib: _d(lib).NegativeBinomial(3.0, lib.tensor([1.0])), "Expected parameter probs"),
    (lambda lib: _d(lib).NegativeBinomial(lib.tensor([-1.0]), lib.tensor([0.5])), "Expected parameter total_count"),
    (lambda lib: _d(lib).NegativeBinomial(3.0, lib.tensor([0.5])).log_prob(lib.tensor([0.5])), "IntegerGreaterThan"),
    (lambda lib: _d(lib).Multinomial(lib.tensor(3), lib.ones(3)), "inhomogeneous total_count is not supported"),
    (lambda lib: _d(lib).Multinomial(3), "Either `probs` or `logits` must be specified, but not both."),
    (lambda lib: _d(lib).Multinomial(-1, lib.ones(3)), "Expected parameter total_count"),
    (lambda lib: _d(lib).Multinomial(3, lib.ones(3)).log_prob(lib.tensor([2.0, 2.0, 0.0])), "Multinomial()"),
    (lambda lib: _d(lib).Multinomial(3, lib.tensor(1.0)), "`probs` parameter must be at least one-dimensional."),
    (lambda lib: _d(lib).GeneralizedPareto(0.0, -1.0, 0.5), "Expected parameter scale"),
    (lambda lib: _d(lib).GeneralizedPareto(0.0, 1.0, -0.5).log_prob(lib.tensor(3.0)), "Interval(lower_bound=0.0"),
    (lambda lib: _d(lib).VonMises(lib.tensor(0.0), lib.tensor(-1.0)), "Expected parameter concentration"),
    (lambda lib: _d(lib).Wishart(3.0), "Exactly one of covariance_matrix or precision_matrix or scale_tril"),
    (
        lambda lib: _d(lib).Wishart(3.0, covariance_matrix=lib.eye(2), scale_tril=lib.eye(2)),
        "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.",
    ),
    (lambda lib: _d(lib).Wishart(3.0, scale_tril=lib.ones(2)), "scale_tril must be at least two-dimensional"),
    (lambda lib: _d(lib).Wishart(1.5, covariance_matrix=lib.eye(3)), "expected to be greater than ndim - 1 = 2."),
    (lambda lib: _d(lib).Wishart(3.0, covariance_matrix=-lib.eye(2)), "Expected parameter covariance_matrix"),
    (lambda lib: _d(lib).Wishart(3.0, scale_tril=lib.ones(2, 2)), "Expected parameter scale_tril"),
    (lambda lib: _d(lib).Wishart(3.0, covariance_matrix=lib.eye(2)).log_prob(-lib.eye(2)), "PositiveDefinite()"),
    (lambda lib: _d(lib).LKJCholesky(1), "Expected dim to be an integer greater than or equal to 2. Found dim=1."),
    (lambda lib: _d(lib).LKJCholesky(2, -1.0), "Expected parameter concentration"),
    (lambda lib: _d(lib).LKJCholesky(2).log_prob(lib.eye(2) * 2), "CorrCholesky()"),
    (lambda lib: _d(lib).kl_divergence(_d(lib).Pareto(1.0, 2.0), _d(lib).Laplace(0.0, 1.0)), "No KL(p || q)"),
    (
        lambda lib: _d(lib).kl_divergence(_d(lib).Weibull(1.0, 2.0), _d(lib).Weibull(1.0, 3.0)),
        "",
    ),
]  # fmt: skip


@pytest.mark.parametrize("make,gist", ERRORS)
def test_errors_like_torch(make, gist):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity.raises_like(make, gist)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: _d(lib).Pareto(lib.tensor([1.0, -2.0]), 1.0),
        lambda lib: _d(lib).NegativeBinomial(3.0, lib.tensor([0.5, 1.0])),
        lambda lib: _d(lib).Weibull(2.0, 3.0).log_prob(lib.tensor([0.5, -1.5])),
    ],
)
def test_validation_messages_are_torch_s_word_for_word(make):
    parity.raises_like(make, exact=True)


# --- devices ---------------------------------------------------------------------------------------------------


NO_ENTROPY = ("LogisticNormal", "FisherSnedecor", "NegativeBinomial", "VonMises", "LKJCholesky")  # (nor in torch)


def test_new_distributions_sample_and_score_on_the_parameters_device(device):
    D = minitorch.distributions
    rng = np.random.default_rng(5)
    pos, loc = rng.uniform(0.5, 3.0, size=(2, 3)), rng.normal(size=(2, 3))

    def build(on: str) -> list:
        a, m = minitorch.tensor(pos, device=on), minitorch.tensor(loc, device=on)
        cov = minitorch.tensor(WISHART_COV, device=on)
        return [
            D.Pareto(a, a + 2),
            D.HalfCauchy(a),
            D.Weibull(a, a + 1),
            D.Kumaraswamy(a, a.flip(0)),
            D.InverseGamma(a + 1, a),
            D.LogisticNormal(m, a),
            D.FisherSnedecor(a, a + 1),
            D.NegativeBinomial(a, logits=m),
            D.Multinomial(6, a),
            D.GeneralizedPareto(m, a, m * 0.1),
            D.VonMises(m, a),
            D.Wishart(a[0] + 3, covariance_matrix=cov),
            D.LKJCholesky(3, a),
        ]

    for here, there in zip(build("cpu"), build(device)):
        minitorch.manual_seed(6)
        s = there.rsample((5,)) if there.has_rsample else there.sample((5,))
        assert s.device == minitorch.device(device), type(here).__name__
        value = s.detach().cpu()
        got = there.log_prob(value.to(device))
        assert got.device == minitorch.device(device)
        parity.assert_close(got.cpu(), here.log_prob(value), 1e-10, 1e-12, f"{type(here).__name__} log_prob")
        if type(here).__name__ not in NO_ENTROPY:
            parity.assert_close(there.entropy().cpu(), here.entropy(), 1e-10, 1e-12, "entropy")
