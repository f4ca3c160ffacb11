"""The rest of minitorch.distributions against torch.distributions: Exponential, Laplace, LogNormal, Poisson,
Geometric, Binomial, OneHotCategorical, Cauchy, HalfNormal, Gumbel, StudentT, Gamma, Chi2, Beta, Dirichlet,
ContinuousBernoulli, the relaxed distributions, MixtureSameFamily and TransformedDistribution; the transforms
and the biject_to/transform_to registries; the KL pairs torch registers between them. Densities, moments,
CDFs and KL divergences with their gradients (float64 tight, float32); reparameterised gradients against
torch's for the same samples (Gamma's and Dirichlet's implicit gradients op for op); sample statistics;
shapes, expand, enumerate_support, reprs and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests import parity

F64 = {"dtype": np.float64, "rtol": 1e-10, "atol": 1e-12}
F32 = {"dtype": np.float32, "rtol": 1e-5, "atol": 1e-5}
# torch's trigamma (digamma's gradient) is accurate to about 5e-10 only (minitorch's to 1e-15, by mpmath):
# float64 comparisons whose gradients pass through digamma allow for it
F64_DIGAMMA = {"dtype": np.float64, "rtol": 1e-8, "atol": 1e-10}
WITH_DIGAMMA = (F64_DIGAMMA, F32)

RNG = np.random.default_rng(11)
LOC = RNG.normal(size=(2, 3))
SCALE = RNG.uniform(0.5, 2.0, size=(3,))
POS = RNG.uniform(0.5, 4.0, size=(2, 3))  # positive parameters (rates, concentrations, df)
X = RNG.normal(size=(4, 2, 3))
XPOS = RNG.uniform(0.1, 3.0, size=(4, 2, 3))  # values on the positive half-line
U = RNG.uniform(0.05, 0.95, size=(4, 2, 3))  # probabilities, values in the unit interval
P = RNG.uniform(0.1, 0.9, size=(2, 3))
COUNTS = RNG.integers(0, 6, size=(4, 2, 3)).astype(np.float64)
LOGITS = RNG.normal(size=(2, 4))
WEIGHTS = RNG.uniform(0.5, 3.0, size=(2, 4))
SIMPLEX = RNG.dirichlet(np.ones(4), size=(5, 2))
ONE_HOT = np.eye(4)[RNG.integers(0, 4, size=(5, 2))]


def both(fn: Callable[..., Any], *inputs: Any, dtypes: tuple = (F64, F32)) -> None:
    """Outputs and every input's gradient equal torch's, in float64 (tight) and float32."""
    for tol in dtypes:
        parity.check_parity(fn, *inputs, **tol)


# --- densities, moments, CDFs and their gradients ------------------------------------------------------------


def _moments(d: Any) -> tuple:
    return d.mean, d.mode, d.variance, d.stddev


def test_exponential_laplace_cauchy_match_torch():
    def fn(lib, loc, scale, rate, x, xpos, q):
        D = lib.distributions
        e, la, c = D.Exponential(rate), D.Laplace(loc, scale), D.Cauchy(loc, scale)
        out = (e.log_prob(xpos), e.cdf(xpos), e.icdf(q), e.entropy()) + _moments(e)
        out += (la.log_prob(x), la.cdf(x), la.icdf(q), la.entropy()) + _moments(la)
        return out + (c.log_prob(x), c.cdf(x), c.icdf(q), c.entropy(), c.mean, c.mode, c.variance)

    both(fn, LOC, SCALE, POS, X, XPOS, U)


def test_lognormal_halfnormal_gumbel_match_torch():
    def fn(lib, loc, scale, x, xpos, q):
        D = lib.distributions
        ln, hn, g = D.LogNormal(loc, scale), D.HalfNormal(scale), D.Gumbel(loc, scale)
        out = (ln.log_prob(xpos), ln.cdf(xpos), ln.icdf(q), ln.entropy()) + _moments(ln)
        out += (hn.log_prob(xpos), hn.cdf(xpos), hn.icdf(q), hn.entropy()) + _moments(hn)
        return out + (g.log_prob(x), g.cdf(x), g.icdf(q), g.entropy()) + _moments(g)

    both(fn, LOC, SCALE, X, XPOS, U)


def test_gamma_chi2_studentt_match_torch():
    def fn(lib, conc, rate, loc, xpos, x):
        D = lib.distributions
        g, c, t = D.Gamma(conc, rate), D.Chi2(conc * 2), D.StudentT(conc + 2, loc, rate)
        out = (g.log_prob(xpos), g.entropy()) + _moments(g) + (c.log_prob(xpos), c.entropy(), c.df) + _moments(c)
        return out + (t.log_prob(x), t.entropy()) + _moments(t)

    both(fn, POS, SCALE, LOC, XPOS, X, dtypes=WITH_DIGAMMA)


def test_gamma_cdf_matches_torch_and_is_differentiable_in_the_value_only():
    # (concentrations below 20: there torch's own igamma is accurate to 1e-15; above it is off by ~1e-9)
    def fn(lib, rate, xpos):
        return lib.distributions.Gamma(lib.tensor([0.3, 2.5, 9.0], dtype=rate.dtype), rate).cdf(xpos)

    both(fn, SCALE, XPOS)
    parity.raises_like(
        lambda lib: lib.distributions.Gamma(lib.ones(2, requires_grad=True), 1.0).cdf(lib.ones(2)).sum().backward(),
        "the derivative for 'igamma: input' is not implemented",
    )


def test_studentt_moments_at_small_degrees_of_freedom():
    def fn(lib, df, loc, scale):
        d = lib.distributions.StudentT(df, loc, scale)
        return d.mean, d.variance, d.log_prob(loc + 1)

    both(fn, np.array([0.5, 1.0, 1.5, 2.0, 3.0]), LOC[0, 0] * np.ones(5), np.full(5, 2.0), dtypes=WITH_DIGAMMA)


def test_beta_dirichlet_match_torch():
    def fn(lib, a, b, weights, q, simplex):
        D = lib.distributions
        beta, dirichlet = D.Beta(a, b), D.Dirichlet(weights)
        out = (beta.log_prob(q), beta.entropy(), beta.concentration1, beta.concentration0) + _moments(beta)
        return out + (dirichlet.log_prob(simplex), dirichlet.entropy()) + _moments(dirichlet)

    both(fn, POS, POS[::-1] + 0.5, WEIGHTS, U, SIMPLEX, dtypes=WITH_DIGAMMA)


def test_dirichlet_mode_with_concentrations_below_one_is_a_corner_like_torch():
    def fn(lib, c):
        return lib.distributions.Dirichlet(c).mode, lib.distributions.Beta(c[..., 0], c[..., 1]).mode

    both(fn, np.array([[0.5, 0.3, 0.9], [2.0, 3.0, 0.5], [0.2, 0.9, 0.1]]))


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_poisson_geometric_binomial_match_torch(given):
    def fn(lib, rate, param, counts):
        D = lib.distributions
        po, ge = D.Poisson(rate), D.Geometric(**{given: param})
        bi = D.Binomial(lib.tensor(5.0, dtype=param.dtype), **{given: param})
        out = (po.log_prob(counts), po.mean, po.mode, po.variance)
        out += (ge.log_prob(counts), ge.entropy(), ge.probs, ge.logits) + _moments(ge)
        return out + (bi.log_prob(counts), bi.entropy(), bi.probs, bi.logits) + _moments(bi)

    both(fn, POS, P if given == "probs" else LOC, COUNTS)


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_one_hot_categorical_matches_torch(given):
    def fn(lib, param, value):
        d = lib.distributions.OneHotCategorical(**{given: param})
        return (d.log_prob(value), d.entropy(), d.probs, d.logits) + _moments(d)

    both(fn, WEIGHTS if given == "probs" else LOGITS, ONE_HOT)


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_continuous_bernoulli_matches_torch_on_both_sides_of_one_half(given):
    probs = np.array([0.05, 0.3, 0.4995, 0.5, 0.5004, 0.7, 0.95])

    def fn(lib, param, value):
        d = lib.distributions.ContinuousBernoulli(**{given: param})
        out = (d.log_prob(value), d.cdf(value), d.icdf(value), d.entropy(), d.mean, d.variance, d.stddev)
        return out + (lib.distributions.ExponentialFamily.entropy(d),)

    param = probs if given == "probs" else np.log(probs / (1 - probs))
    values = np.stack([np.full(7, 0.0), np.linspace(0.1, 0.9, 7), np.full(7, 1.0)])
    both(fn, param, values, dtypes=(F64, {**F32, "rtol": 1e-4}))


def test_relaxed_distributions_match_torch():
    def fn(lib, temp, p, logits, value, simplex):
        D = lib.distributions
        lrb = D.relaxed_bernoulli.LogitRelaxedBernoulli(temp, logits=logits)
        rb, rc = D.RelaxedBernoulli(temp, probs=p), D.RelaxedOneHotCategorical(temp, logits=logits[:, :2].repeat(1, 2))
        erc = D.relaxed_categorical.ExpRelaxedCategorical(temp, probs=p[:, :2].repeat(1, 2))
        return rb.log_prob(value), lrb.log_prob(value), rc.log_prob(simplex), erc.log_prob(simplex.log())

    both(fn, np.array([0.5]), P, LOC, U, SIMPLEX)


def test_mixture_same_family_matches_torch():
    def fn(lib, logits, loc, scale, x):
        D = lib.distributions
        mix = D.MixtureSameFamily(D.Categorical(logits=logits[:, :3]), D.Normal(loc, scale))
        vec = D.MixtureSameFamily(D.Categorical(logits=logits[0, :2]), D.Independent(D.Normal(loc, scale), 1))
        out = (mix.log_prob(x[..., 0]), mix.cdf(x[..., 0]), mix.mean, mix.variance)
        return out + (vec.log_prob(x), vec.mean, vec.variance)

    both(fn, LOGITS, LOC, SCALE, X)


@pytest.mark.parametrize("batched", ["loc", "factor"])
def test_lowrank_multivariate_normal_matches_torch(batched):
    factor = RNG.normal(size=(2, 3, 2)) if batched == "factor" else RNG.normal(size=(3, 2))
    loc = LOC[0] if batched == "factor" else LOC

    def fn(lib, loc, w, d, x):
        dist = lib.distributions.LowRankMultivariateNormal(loc, w, d)
        matrices = (dist.covariance_matrix, dist.precision_matrix, dist.scale_tril)
        return (dist.log_prob(x), dist.entropy(), dist.mean, dist.mode, dist.variance, dist.stddev) + matrices

    both(fn, loc, factor, SCALE, X)


def test_kl_lowrank_pairs_match_torch():
    def fn(lib, loc, w, d, w2, a):
        D = lib.distributions
        p, q = D.LowRankMultivariateNormal(loc, w, d), D.LowRankMultivariateNormal(loc[0] * 0.5, w2, d.flip(0))
        full = D.MultivariateNormal(loc[1], scale_tril=a.tril(-1) + lib.diag_embed(a.diagonal(dim1=-2, dim2=-1).exp()))
        kl = D.kl_divergence
        return kl(p, q), kl(q, p), kl(full, p), kl(p, full), kl(q, full)

    both(fn, LOC, RNG.normal(size=(3, 2)), SCALE, RNG.normal(size=(2, 3, 1)), RNG.normal(size=(3, 3)))


def test_transformed_distribution_matches_torch():
    def fn(lib, loc, scale, a, x):
        D, T = lib.distributions, lib.distributions.transforms
        chain = [T.AffineTransform(loc, scale), T.TanhTransform(), T.AffineTransform(0.5, 0.5 * a)]
        d = D.TransformedDistribution(D.Normal(lib.zeros_like(loc), 1.0), chain)
        logistic = D.TransformedDistribution(D.Uniform(0.0, 1.0), [T.SigmoidTransform().inv])
        y = 0.5 + 0.5 * a * x.tanh()
        return d.log_prob(y), d.cdf(y), d.icdf(x.sigmoid()), logistic.log_prob(x), logistic.cdf(x)

    both(fn, LOC, SCALE, -POS, X)


def test_generic_exponential_family_entropy_matches_torch():
    def fn(lib, rate, a):
        entropy = lib.distributions.ExponentialFamily.entropy
        return entropy(lib.distributions.Exponential(rate)), entropy(lib.distributions.Gamma(a, rate))

    both(fn, POS, POS[::-1], dtypes=WITH_DIGAMMA)
    # the others do not know E[k(x)] (torch defines none for them)
    for make in (lambda D: D.Beta(2.0, 3.0), lambda D: D.Dirichlet(minitorch.ones(2)), lambda D: D.Poisson(2.0)):
        with pytest.raises(NotImplementedError):
            minitorch.distributions.ExponentialFamily.entropy(make(minitorch.distributions))


# --- KL divergences ---------------------------------------------------------------------------------------------


def _continuous(lib: Any, loc: Any, scale: Any, pos: Any) -> dict:
    """One of each continuous family, built from the inputs (so gradients reach them)."""
    D = lib.distributions
    return {
        "normal": D.Normal(loc, scale),
        "exponential": D.Exponential(pos),
        "gamma": D.Gamma(pos, scale),
        "beta": D.Beta(pos, scale.expand(2, 3)),
        "uniform": D.Uniform(loc, loc + scale),
        "unit uniform": D.Uniform(0.1 + 0.1 * pos.sigmoid(), 0.8 + 0.1 * pos.sigmoid()),
        "wide uniform": D.Uniform(-pos, 1 + pos),
        "positive uniform": D.Uniform(pos, pos + scale),
        "gumbel": D.Gumbel(loc, scale),
        "laplace": D.Laplace(loc, scale),
        "continuous bernoulli": D.ContinuousBernoulli(logits=loc + 1),  # (float32 cancels near logits 0)
        "cauchy": D.Cauchy(loc, scale),
        "half normal": D.HalfNormal(scale * pos),
        "lognormal": D.LogNormal(loc, scale),
    }


KL_CONTINUOUS = [
    ("normal", "gumbel"), ("normal", "laplace"), ("normal", "beta"), ("normal", "exponential"),
    ("normal", "gamma"), ("normal", "uniform"), ("normal", "continuous bernoulli"),
    ("exponential", "exponential"), ("exponential", "gamma"), ("exponential", "gumbel"), ("exponential", "normal"),
    ("exponential", "beta"), ("exponential", "uniform"), ("exponential", "continuous bernoulli"),
    ("gamma", "gamma"), ("gamma", "exponential"), ("gamma", "gumbel"), ("gamma", "normal"), ("gamma", "beta"),
    ("gamma", "uniform"), ("gamma", "continuous bernoulli"),
    ("beta", "beta"), ("beta", "exponential"), ("beta", "gamma"), ("beta", "normal"), ("beta", "uniform"),
    ("beta", "wide uniform"), ("beta", "continuous bernoulli"),
    ("gumbel", "gumbel"), ("gumbel", "normal"), ("gumbel", "exponential"), ("gumbel", "uniform"),
    ("laplace", "laplace"), ("laplace", "normal"), ("laplace", "gamma"), ("laplace", "beta"),
    ("uniform", "normal"), ("uniform", "gumbel"), ("uniform", "exponential"), ("positive uniform", "exponential"),
    ("uniform", "gamma"), ("positive uniform", "gamma"), ("uniform", "beta"), ("unit uniform", "beta"),
    ("unit uniform", "continuous bernoulli"), ("uniform", "continuous bernoulli"),
    ("continuous bernoulli", "continuous bernoulli"), ("continuous bernoulli", "exponential"),
    ("continuous bernoulli", "normal"), ("continuous bernoulli", "uniform"),
    ("continuous bernoulli", "wide uniform"),
    ("cauchy", "cauchy"), ("half normal", "half normal"), ("lognormal", "lognormal"),
]  # fmt: skip


@pytest.mark.parametrize("pair", KL_CONTINUOUS, ids=[f"{p}-{q}" for p, q in KL_CONTINUOUS])
def test_kl_continuous_pairs_match_torch(pair):
    def fn(lib, loc, scale, pos, loc2, scale2, pos2):
        p = _continuous(lib, loc, scale, pos)[pair[0]]
        q = _continuous(lib, loc2, scale2, pos2)[pair[1]]
        return lib.distributions.kl_divergence(p, q)

    both(fn, LOC, SCALE, POS, LOC[::-1] * 0.7 + 0.2, SCALE[::-1] * 1.3, POS[::-1] * 0.8, dtypes=WITH_DIGAMMA)


def test_kl_discrete_and_simplex_pairs_match_torch():
    def fn(lib, p, p2, rate, rate2, weights, weights2):
        D = lib.distributions
        kl = D.kl_divergence
        five = lib.tensor(5.0, dtype=p.dtype)
        return (
            kl(D.Poisson(rate), D.Poisson(rate2)),
            kl(D.Geometric(p), D.Geometric(logits=p2)),
            kl(D.Binomial(five, p), D.Binomial(five, logits=p2)),
            kl(D.Binomial(five + 1, p), D.Binomial(five, logits=p2)),
            kl(D.Bernoulli(p), D.Poisson(rate)),
            kl(D.Poisson(rate), D.Bernoulli(p)),
            kl(D.Poisson(rate), D.Binomial(five, p)),
            kl(D.OneHotCategorical(weights), D.OneHotCategorical(logits=weights2)),
            kl(D.Dirichlet(weights), D.Dirichlet(weights2)),
            kl(D.Poisson(rate), D.Poisson(rate2)) - D.kl.kl_divergence(D.Poisson(rate), D.Poisson(rate2)),
        )

    both(fn, P, LOC, POS, POS[::-1], WEIGHTS, WEIGHTS[::-1], dtypes=WITH_DIGAMMA)


def _bregman(lib):
    """The function registered for (ExponentialFamily, ExponentialFamily): what serves unregistered pairs."""
    D = lib.distributions
    registry = D.kl._KL_REGISTRY if lib is torch else D.kl._KL_FUNCTIONS._functions
    return registry[D.ExponentialFamily, D.ExponentialFamily]


def test_kl_exponential_family_bregman_divergence_and_its_refusal_across_families():
    def fn(lib, rate, rate2, logits, logits2):
        D = lib.distributions
        bregman = _bregman(lib)
        return (
            bregman(D.Poisson(rate), D.Poisson(rate2)),
            bregman(D.Gamma(rate, rate2), D.Gamma(rate2, rate)),
            bregman(D.Exponential(rate), D.Exponential(rate2)),
            bregman(D.Bernoulli(logits=logits), D.Bernoulli(logits=logits2)),
            bregman(D.ContinuousBernoulli(logits=logits), D.ContinuousBernoulli(logits=logits2)),
        )

    both(fn, POS, POS[::-1], LOC, LOC[::-1], dtypes=WITH_DIGAMMA)
    for lib in (torch, minitorch):
        D = lib.distributions
        with pytest.raises(NotImplementedError, match="cross KL-divergence between different exponential"):
            _bregman(lib)(D.Gamma(2.0, 1.0), D.Exponential(1.0))


# --- transforms ---------------------------------------------------------------------------------------------------


def _transforms(lib: Any, a: Any) -> dict:
    T = lib.distributions.transforms
    return {
        "exp": T.ExpTransform(),
        "power": T.PowerTransform(a),
        "sigmoid": T.SigmoidTransform(),
        "softplus": T.SoftplusTransform(),
        "tanh": T.TanhTransform(),
        "affine": T.AffineTransform(a, -a * 2),
        "affine numbers": T.AffineTransform(0.5, -2.0),
        "affine event": T.AffineTransform(a, a + 1, event_dim=1),
        "inverse exp": T.ExpTransform().inv,
        "compose": T.ComposeTransform([T.AffineTransform(a, 2.0), T.ExpTransform(), T.PowerTransform(0.5)]),
        "independent": T.IndependentTransform(T.SigmoidTransform(), 1),
        "stick breaking": T.StickBreakingTransform(),
        "lower cholesky": T.LowerCholeskyTransform(),
        "corr cholesky": T.CorrCholeskyTransform(),
        "reshape": T.ReshapeTransform((3,), (3, 1)),
    }


@pytest.mark.parametrize("name", list(_transforms(torch, torch.ones(3))))
def test_transforms_forward_inverse_and_log_det_match_torch(name):
    x = RNG.normal(size=(2, 3, 3)) if name in ("lower cholesky",) else XPOS[:2] if name == "power" else X[:2]

    def fn(lib, x, a):
        t = _transforms(lib, a)[name]
        y = t(x)
        return (y, t.inv(y)) + ((t.log_abs_det_jacobian(x, y),) if t.bijective else ())

    both(fn, x, POS[0])


def test_slice_wise_and_cdf_transforms_match_torch():
    def fn(lib, x, a):
        D, T = lib.distributions, lib.distributions.transforms
        cat = T.CatTransform([T.ExpTransform(), T.AffineTransform(a[0], 2.0)], dim=-1, lengths=[2, 1])
        exp_vector = T.IndependentTransform(T.ExpTransform(), 1)
        rows = T.CatTransform([exp_vector, T.IndependentTransform(T.SigmoidTransform(), 1)], dim=0, lengths=[1, 1])
        summed = T.CatTransform([exp_vector, T.AffineTransform(0.0, a[:1], event_dim=1)], dim=-1, lengths=[2, 1])
        stack = T.StackTransform([T.ExpTransform(), T.SigmoidTransform(), T.TanhTransform()], dim=-1)
        cdf = T.CumulativeDistributionTransform(D.Normal(a, 2.0))
        out = []
        for t, v in ((cat, x), (rows, x[0]), (summed, x), (stack, x), (cdf, x)):
            y = t(v)
            out += [y, t.inv(y), t.log_abs_det_jacobian(v, y)]
        return out

    both(fn, X[:2], POS[0])


@pytest.mark.parametrize("name", ["abs", "softmax"])
def test_pseudo_inverse_transforms_match_torch(name):
    def fn(lib, x):
        T = lib.distributions.transforms
        t = T.AbsTransform() if name == "abs" else T.SoftmaxTransform()
        y = t(x)
        return y, t.inv(y)

    both(fn, X)


def test_transform_properties_like_torch():
    def described(lib):
        rows = []
        for name, t in _transforms(lib, lib.ones(3)).items():
            sign = None
            if name not in ("stick breaking", "lower cholesky", "corr cholesky", "reshape", "independent"):
                sign = t.sign if isinstance(t.sign, int) else t.sign.tolist()
            rows.append((name, repr(t), repr(t.domain), repr(t.codomain), t.bijective, sign))
            rows.append((t.domain.event_dim, t.codomain.event_dim, repr(t.inv), t.inv.inv is t, t == t.inv.inv))
            rows.append((tuple(t.forward_shape((5, 3))), tuple(t.inv.forward_shape(t.forward_shape((5, 3))))))
        T = lib.distributions.transforms
        rows.append((T.ExpTransform() == T.ExpTransform(), T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)))
        rows.append((T.PowerTransform(2.0) == T.PowerTransform(3.0), T.identity_transform.bijective))
        return rows

    assert described(minitorch) == described(torch)


def test_transform_caching_and_with_cache_like_torch():
    for lib in (torch, minitorch):
        T = lib.distributions.transforms
        x = lib.tensor([0.5, -1.0])
        cached = T.ExpTransform(cache_size=1)
        y = cached(x)
        assert cached(x) is y and cached.inv(y) is x and T.ExpTransform()(x) is not y
        assert T.ExpTransform().with_cache(1)._cache_size == 1 and T.AffineTransform(0.0, 2.0).with_cache()._cache_size
        compose = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], cache_size=1)
        z = compose(x)
        assert compose.inv(z) is x and all(p._cache_size == 1 for p in compose.parts)

        class Scaled(T.Transform):
            def __init__(self, k, cache_size=0):
                super().__init__(cache_size=cache_size)
                self.k = k

        with pytest.raises(NotImplementedError, match="with_cache is not implemented"):
            Scaled(2.0).with_cache(1)
    parity.raises_like(lambda lib: lib.distributions.transforms.ExpTransform(cache_size=2), "cache_size must be 0 or 1")


def _registered(lib: Any) -> list:
    """What biject_to and transform_to give for each constraint: the transform's repr, a point mapped into the
    region, whether it is inside, and the point mapped back."""
    c = lib.distributions.constraints
    x = lib.tensor([[-1.5, 0.0, 2.0]], dtype=lib.float64)
    cases = [
        c.real, c.positive, c.nonnegative, c.greater_than(1.0), c.greater_than_eq(-1.0), c.less_than(2.0),
        c.unit_interval, c.interval(-1.0, 3.0), c.half_open_interval(0.0, 2.0), c.real_vector,
        c.independent(c.positive, 1), c.simplex, c.cat([c.positive, c.real], lengths=[2, 1], dim=-1),
        c.stack([c.positive, c.real, c.unit_interval], dim=-1),
    ]  # fmt: skip
    rows = []
    for registry in (lib.distributions.biject_to, lib.distributions.transform_to):
        for con in cases:
            t = registry(con)
            y = t(x)
            rows.append((repr(t), y.numpy(), bool(con.check(y).all()), t.inv(y).numpy()))
    square = lib.tensor([[0.3, 0.0], [0.5, -0.2]], dtype=lib.float64)
    for con in (c.lower_cholesky, c.positive_definite, c.corr_cholesky):
        t = lib.distributions.transform_to(con)
        y = t(square if con is not c.corr_cholesky else square[0, :1])
        rows.append((repr(t), y.numpy(), bool(con.check(y).all()), y.numpy()))
    return rows


def test_constraint_registries_like_torch():
    for m, t in zip(_registered(minitorch), _registered(torch), strict=True):
        assert (m[0], m[2]) == (t[0], t[2])
        np.testing.assert_allclose(m[1], t[1], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m[3], t[3], rtol=1e-12, atol=1e-14)
    parity.raises_like(
        lambda lib: lib.distributions.transform_to(lib.distributions.constraints.nonnegative_integer),
        "Cannot transform _IntegerGreaterThan constraints",
    )
    parity.raises_like(lambda lib: lib.distributions.biject_to.register(3, lambda c: c), "Expected constraint")


# --- reparameterised samples: torch's gradients for the same samples -------------------------------------------


GAMMA_CASES = np.array([0.05, 0.3, 0.9, 1.0, 2.5, 7.9, 8.5, 12.0, 40.0, 300.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_standard_gamma_sample_gradient_is_torch_s(dtype):
    # many draws per concentration: every branch of torch's formula (small x, large alpha near and away from
    # the mean, the rational approximation) is visited
    alpha = np.repeat(GAMMA_CASES, 400).astype(dtype)
    minitorch.manual_seed(0)
    a = minitorch.tensor(alpha, requires_grad=True)
    x = minitorch.distributions.gamma_sampling._standard_gamma(a)
    x.backward(minitorch.ones_like(x))
    t_alpha, t_x = torch.tensor(alpha), torch.tensor(x.detach().numpy())
    want = torch._standard_gamma_grad(t_alpha, t_x)
    tol = F64 if dtype == np.float64 else F32
    parity.assert_close(a.grad, want, tol["rtol"], tol["atol"], "d sample / d concentration")
    got = minitorch.distributions.gamma_sampling._standard_gamma_grad(a.detach(), x.detach())
    parity.assert_close(got, want, tol["rtol"], tol["atol"], "_standard_gamma_grad")
    assert x.grad_fn.name() == "StandardGammaBackward0"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dirichlet_and_beta_sample_gradients_are_torch_s(dtype):
    from torch.distributions.dirichlet import _Dirichlet_backward

    conc = np.stack([np.repeat(GAMMA_CASES, 50), np.tile(GAMMA_CASES[::-1], 50), np.full(500, 1.5)], -1).astype(dtype)
    weights = RNG.normal(size=conc.shape).astype(dtype)
    minitorch.manual_seed(1)
    c = minitorch.tensor(conc, requires_grad=True)
    x = minitorch.distributions.Dirichlet(c).rsample()
    (x * minitorch.tensor(weights)).sum().backward()
    t_x, t_c = torch.tensor(x.detach().numpy()), torch.tensor(conc)
    want = _Dirichlet_backward(t_x, t_c, torch.tensor(weights))
    rtol = 1e-10 if dtype == np.float64 else 1e-4  # torch computes parts of the float32 formula in float32
    parity.assert_close(c.grad, want, rtol, 1e-10 if dtype == np.float64 else 1e-5, "Dirichlet gradient")
    total = t_c.sum(-1, True).expand_as(t_c)
    got = minitorch.distributions.gamma_sampling._dirichlet_grad(
        x.detach(), c.detach(), minitorch.tensor(total.numpy())
    )
    parity.assert_close(got, torch._dirichlet_grad(t_x, t_c, total), rtol, 1e-10, "_dirichlet_grad")
    assert x.grad_fn.name() == "_DirichletBackward"
    assert ((x.detach().sum(-1) - 1).abs() < 1e-5).all()

    # Beta(a, b) is the first coordinate of Dirichlet([a, b]): the same seed draws the same pair
    a, b = minitorch.tensor(conc[:, 0], requires_grad=True), minitorch.tensor(conc[:, 1], requires_grad=True)
    minitorch.manual_seed(2)
    y = minitorch.distributions.Beta(a, b).rsample()
    y.backward(minitorch.tensor(weights[:, 0]))
    minitorch.manual_seed(2)
    pair = torch.tensor(minitorch.distributions.Dirichlet(minitorch.tensor(conc[:, :2])).sample().numpy())
    np.testing.assert_array_equal(pair[:, 0].numpy(), y.detach().numpy())
    upstream = torch.stack([torch.tensor(weights[:, 0]), torch.zeros(500, dtype=pair.dtype)], -1)
    want = _Dirichlet_backward(pair, t_c[:, :2], upstream)
    parity.assert_close(a.grad, want[:, 0], rtol, 1e-5, "Beta d/d concentration1")
    parity.assert_close(b.grad, want[:, 1], rtol, 1e-5, "Beta d/d concentration0")


def _second_derivative(lib: Any, dist: str) -> Any:
    c = lib.tensor([[1.5, 2.0, 0.7]], dtype=lib.float64, requires_grad=True)
    w = lib.tensor([[1.0, 2.0, 3.0]], dtype=lib.float64, requires_grad=True)
    x = getattr(lib.distributions, dist)(c if dist == "Dirichlet" else c[0], *(() if dist == "Dirichlet" else (1.0,)))
    (g,) = lib.autograd.grad((x.rsample() * w).sum(), c, create_graph=True)
    assert g.requires_grad
    g.sum().backward()


@pytest.mark.parametrize(
    "dist,gist",
    [
        ("Gamma", "the derivative for '_standard_gamma_grad' is not implemented."),
        ("Dirichlet", "trying to differentiate twice a function that was marked with @once_differentiable"),
    ],
)
def test_sample_gradients_are_differentiable_once_like_torch(dist, gist):
    parity.raises_like(lambda lib: _second_derivative(lib, dist), gist)


def test_gamma_chi2_studentt_rsample_gradients_follow_the_sample():
    conc = minitorch.tensor([0.4, 2.0, 9.0], dtype=minitorch.float64, requires_grad=True)
    rate = minitorch.tensor([0.5, 1.0, 3.0], dtype=minitorch.float64, requires_grad=True)
    minitorch.manual_seed(3)
    value = minitorch.distributions.Gamma(conc, rate).rsample((200,))
    value.sum().backward()
    v, a, r = value.detach().numpy(), conc.detach().numpy(), rate.detach().numpy()
    standard = torch._standard_gamma_grad(torch.tensor(a).expand(200, 3), torch.tensor(v * r)).numpy()
    np.testing.assert_allclose(conc.grad.numpy(), (standard / r).sum(0), rtol=1e-10)
    np.testing.assert_allclose(rate.grad.numpy(), (-v / r).sum(0), rtol=1e-10)

    df = minitorch.tensor([3.0, 7.0], dtype=minitorch.float64, requires_grad=True)
    minitorch.manual_seed(4)
    z = minitorch.distributions.Chi2(df).rsample((100,))
    z.sum().backward()
    half = torch._standard_gamma_grad(
        torch.tensor(df.detach().numpy() / 2).expand(100, 2), torch.tensor(z.detach().numpy()) / 2
    )
    np.testing.assert_allclose(df.grad.numpy(), half.numpy().sum(0), rtol=1e-10)  # z = 2 G(df/2), d/d df = G'

    loc = minitorch.tensor([1.0, -2.0], dtype=minitorch.float64, requires_grad=True)
    scale = minitorch.tensor([0.5, 2.0], dtype=minitorch.float64, requires_grad=True)
    s = minitorch.distributions.StudentT(df.detach(), loc, scale).rsample((50,))
    s.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [50.0, 50.0])
    np.testing.assert_allclose(scale.grad.numpy(), ((s.detach() - loc.detach()) / scale.detach()).sum(0).numpy())


@pytest.mark.parametrize(
    "make,inverse",
    [
        (lambda D, a, b: D.Exponential(b), lambda v, a, b: {"b": -v / b}),
        (lambda D, a, b: D.Laplace(a, b), lambda v, a, b: {"a": 1.0 + 0 * v, "b": (v - a) / b}),
        (lambda D, a, b: D.Cauchy(a, b), lambda v, a, b: {"a": 1.0 + 0 * v, "b": (v - a) / b}),
        (lambda D, a, b: D.Gumbel(a, b), lambda v, a, b: {"a": 1.0 + 0 * v, "b": (v - a) / b}),
        (lambda D, a, b: D.LogNormal(a, b), lambda v, a, b: {"a": v, "b": v * (np.log(v) - a) / b}),
        (lambda D, a, b: D.HalfNormal(b), lambda v, a, b: {"b": v / b}),
    ],
    ids=["exponential", "laplace", "cauchy", "gumbel", "lognormal", "halfnormal"],
)
def test_location_scale_rsample_gradients(make, inverse):
    a = minitorch.tensor([0.5, -1.0], dtype=minitorch.float64, requires_grad=True)
    b = minitorch.tensor([1.5, 0.3], dtype=minitorch.float64, requires_grad=True)
    minitorch.manual_seed(5)
    value = make(minitorch.distributions, a, b).rsample((30,))
    value.sum().backward()
    v = value.detach().numpy()
    for name, want in inverse(v, a.detach().numpy(), b.detach().numpy()).items():
        np.testing.assert_allclose({"a": a, "b": b}[name].grad.numpy(), want.sum(0), rtol=1e-9, atol=1e-12)


def test_relaxed_and_straight_through_rsample_gradients_reach_the_parameters():
    D = minitorch.distributions
    logits = minitorch.tensor([[0.3, -0.5, 1.0]], requires_grad=True)
    temp = minitorch.tensor([0.7])
    minitorch.manual_seed(6)
    for d in (D.RelaxedOneHotCategorical(temp, logits=logits), D.OneHotCategoricalStraightThrough(logits=logits)):
        logits.grad = None
        s = d.rsample((4,))
        assert s.shape == (4, 1, 3) and d.has_rsample and ((s.detach().sum(-1) - 1).abs() < 1e-5).all()
        (s * minitorch.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert logits.grad is not None and logits.grad.abs().sum().item() > 0
    p = minitorch.tensor([0.2, 0.9], requires_grad=True)
    s = D.RelaxedBernoulli(temp, probs=p).rsample((5,))
    assert ((s > 0) & (s < 1)).all() and s.requires_grad


# --- sample statistics (fixed seeds; within five standard errors) -----------------------------------------------


N = 40000


def _check_moments(s: np.ndarray, mean: np.ndarray, var: np.ndarray, what: str) -> None:
    mean, var = np.broadcast_to(mean, s.shape[1:]), np.broadcast_to(var, s.shape[1:])
    assert (np.abs(s.mean(0) - mean) < 5 * np.sqrt(var / N)).all(), (what, s.mean(0), mean)
    # the sample variance's standard error, from the fourth central moment
    m4 = ((s - s.mean(0)) ** 4).mean(0)
    assert (np.abs(s.var(0) - var) < 5 * np.sqrt(np.maximum(m4 - var**2, 1e-12) / N)).all(), (what, s.var(0), var)


STATISTICS = {
    "exponential": lambda D, t: D.Exponential(t([0.5, 2.0])),
    "laplace": lambda D, t: D.Laplace(t([0.0, 3.0]), t([1.0, 0.5])),
    "lognormal": lambda D, t: D.LogNormal(t([0.0, 0.5]), t([0.25, 0.5])),
    "halfnormal": lambda D, t: D.HalfNormal(t([1.0, 3.0])),
    "gumbel": lambda D, t: D.Gumbel(t([0.0, -2.0]), t([1.0, 0.5])),
    "poisson": lambda D, t: D.Poisson(t([0.5, 4.0, 30.0])),
    "geometric": lambda D, t: D.Geometric(t([0.2, 0.7])),
    "binomial": lambda D, t: D.Binomial(t([10.0, 3.0]), t([0.3, 0.8])),
    "gamma": lambda D, t: D.Gamma(t([0.2, 1.0, 5.0, 50.0]), t([1.0, 2.0, 0.5, 10.0])),
    "chi2": lambda D, t: D.Chi2(t([1.0, 6.0])),
    "studentT": lambda D, t: D.StudentT(t([6.0, 10.0]), t([1.0, 0.0]), t([2.0, 1.0])),
    "beta": lambda D, t: D.Beta(t([0.5, 2.0, 8.0]), t([0.5, 5.0, 1.0])),
    "dirichlet": lambda D, t: D.Dirichlet(t([[0.3, 1.0, 4.0], [2.0, 2.0, 2.0]])),
    "continuous bernoulli": lambda D, t: D.ContinuousBernoulli(t([0.2, 0.5, 0.9])),
    "one hot": lambda D, t: D.OneHotCategorical(t([0.2, 0.3, 0.5])),
    "mixture": lambda D, t: D.MixtureSameFamily(D.Categorical(t([0.3, 0.7])), D.Normal(t([-2.0, 1.0]), t([0.5, 1.0]))),
    "lowrank": lambda D, t: D.LowRankMultivariateNormal(t([1.0, -1.0, 0.0]), t([[1.0], [0.5], [-1.0]]), t([0.5, 1, 2])),
}


@pytest.mark.parametrize("name", list(STATISTICS))
def test_sample_mean_and_variance(name):
    minitorch.manual_seed(20)

    def as_tensor(values):
        return minitorch.tensor(values, dtype=minitorch.float64)

    d = STATISTICS[name](minitorch.distributions, as_tensor)
    s = d.sample((N,)).numpy()
    assert bool(d.support.check(minitorch.tensor(s)).all())
    t = STATISTICS[name](torch.distributions, lambda v: torch.tensor(v, dtype=torch.float64))
    _check_moments(s, t.mean.numpy(), t.variance.numpy(), name)
    if d.has_rsample:
        _check_moments(d.rsample((N,)).detach().numpy(), t.mean.numpy(), t.variance.numpy(), name + " rsample")


def test_cauchy_quantiles_and_manual_seed_reproducibility():
    d = minitorch.distributions.Cauchy(1.0, 2.0)
    minitorch.manual_seed(21)
    s = d.sample((N,)).numpy()
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        below = (s < d.icdf(minitorch.tensor(q)).item()).mean()
        assert abs(below - q) < 5 * np.sqrt(q * (1 - q) / N)
    draws = []
    for _ in range(2):
        minitorch.manual_seed(22)
        D = minitorch.distributions
        dists = [D.Gamma(2.0, 1.0), D.Beta(0.5, 0.5), D.Binomial(10, minitorch.tensor(0.3)), D.Poisson(3.0)]
        draws.append([x.sample((10,)).numpy() for x in dists])
    for a, b in zip(*draws):
        np.testing.assert_array_equal(a, b)


# --- shapes, expand, enumerate_support, properties, reprs -----------------------------------------------------


def _make_all(lib: Any) -> dict:
    """One of each distribution, its float parameters requiring grad."""
    D, T = lib.distributions, lib.distributions.transforms
    g = {"requires_grad": True}
    pos = lib.full((2, 3), 1.5, **g)
    return {
        "exponential": D.Exponential(pos),
        "laplace": D.Laplace(lib.zeros(3, **g), pos),
        "lognormal": D.LogNormal(lib.zeros(2, 3, **g), 1.0),
        "poisson": D.Poisson(pos),
        "geometric": D.Geometric(lib.full((3,), 0.4, **g)),
        "geometric logits": D.Geometric(logits=lib.zeros(3, **g)),
        "binomial": D.Binomial(lib.tensor([3.0, 5.0]), lib.full((2,), 0.3, **g)),
        "one hot": D.OneHotCategorical(logits=lib.zeros(2, 4, **g)),
        "straight through": D.OneHotCategoricalStraightThrough(lib.ones(4, **g)),
        "cauchy": D.Cauchy(lib.zeros(3, **g), 1.0),
        "half normal": D.HalfNormal(pos),
        "gumbel": D.Gumbel(lib.zeros(3, **g), pos),
        "gumbel numbers": D.Gumbel(0.0, 2.0),
        "studentT": D.StudentT(pos, 0.0, 1.0),
        "gamma": D.Gamma(pos, 2.0),
        "gamma numbers": D.Gamma(2.0, 3.0),
        "chi2": D.Chi2(pos),
        "beta": D.Beta(pos, 2.0),
        "beta numbers": D.Beta(2.0, 3.0),
        "dirichlet": D.Dirichlet(pos),
        "continuous bernoulli": D.ContinuousBernoulli(lib.full((3,), 0.3, **g)),
        "relaxed bernoulli": D.RelaxedBernoulli(lib.tensor(0.5), logits=lib.zeros(3, **g)),
        "relaxed one hot": D.RelaxedOneHotCategorical(lib.tensor([0.5]), lib.ones(2, 3, **g)),
        "mixture": D.MixtureSameFamily(D.Categorical(lib.ones(2, 3)), D.Normal(lib.zeros(2, 3, **g), 1.0)),
        "transformed": D.TransformedDistribution(D.Normal(lib.zeros(3, **g), 1.0), [T.StickBreakingTransform()]),
        "lowrank": D.LowRankMultivariateNormal(lib.zeros(2, 3, **g), lib.ones(3, 1, **g), lib.ones(3)),
    }


@pytest.mark.parametrize("name", list(_make_all(torch)))
@pytest.mark.parametrize("sample_shape", [(), (5,), [2, 3]])
def test_sample_shapes_dtypes_and_graph_like_torch(name, sample_shape):
    t_dist, m_dist = _make_all(torch)[name], _make_all(minitorch)[name]
    assert (m_dist.batch_shape, m_dist.event_shape) == (t_dist.batch_shape, t_dist.event_shape)
    t_s, m_s = t_dist.sample(sample_shape), m_dist.sample(sample_shape)
    assert m_s.shape == t_s.shape and str(m_s.dtype) == str(t_s.dtype) and not m_s.requires_grad
    assert m_dist.log_prob(m_s).shape == t_dist.log_prob(t_s).shape
    assert m_dist.has_rsample == t_dist.has_rsample
    if t_dist.has_rsample:
        t_r, m_r = t_dist.rsample(sample_shape), m_dist.rsample(sample_shape)
        assert m_r.shape == t_r.shape and m_r.requires_grad == t_r.requires_grad
    else:
        with pytest.raises(NotImplementedError):
            m_dist.rsample()


@pytest.mark.parametrize("name", [n for n in _make_all(torch) if "numbers" not in n])
def test_expand_like_torch(name):
    t_d, m_d = _make_all(torch)[name], _make_all(minitorch)[name]
    shape = (4,) + tuple(t_d.batch_shape)
    t_e, m_e = t_d.expand(shape), m_d.expand(shape)
    assert type(m_e) is type(m_d) and m_d.batch_shape != m_e.batch_shape
    assert (m_e.batch_shape, m_e.event_shape, m_e._validate_args) == (t_e.batch_shape, t_e.event_shape, True)
    assert sorted(k for k in m_e.__dict__ if not k.startswith("_")) == sorted(
        k for k in t_e.__dict__ if not k.startswith("_")
    )
    value = t_e.sample()
    got, want = m_e.log_prob(minitorch.tensor(value.numpy())), t_e.log_prob(value)
    parity.assert_close(got, want.detach(), 1e-5, 1e-5, "log_prob")
    assert m_e.sample((2,)).shape == t_e.sample((2,)).shape


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.distributions.Binomial(lib.full((2, 3), 4.0), lib.full((2, 3), 0.5)),
        lambda lib: lib.distributions.Binomial(2, logits=lib.zeros(3, dtype=lib.float64)),
        lambda lib: lib.distributions.OneHotCategorical(lib.ones(2, 3)),
        lambda lib: lib.distributions.OneHotCategorical(logits=lib.zeros(4, dtype=lib.float64)),
    ],
)
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support_like_torch(make, expand):
    parity.assert_same_as_torch(lambda lib: make(lib).enumerate_support(expand))
    assert make(minitorch).has_enumerate_support == make(torch).has_enumerate_support


def test_binomial_entropy_matches_torch():
    def fn(lib, p):
        return lib.distributions.Binomial(lib.tensor(6.0, dtype=p.dtype), p).entropy()

    both(fn, P)


def test_properties_and_reprs_like_torch():
    def described(lib):
        rows = []
        for name, d in _make_all(lib).items():
            constraints = {k: repr(v) for k, v in d.arg_constraints.items()}
            rows.append((name, repr(d), repr(d.support), constraints, d.has_rsample, d.has_enumerate_support))
            rows.append((d.support.is_discrete, d.support.event_dim))
        D = lib.distributions
        for cls in (D.Binomial, D.MixtureSameFamily, D.TransformedDistribution, D.Gumbel, D.Gamma, D.Dirichlet):
            rows.append((repr(cls.support), lib.distributions.constraints.is_dependent(cls.support)))
        return rows

    for m, t in zip(described(minitorch), described(torch), strict=True):
        assert m == t


def test_parameters_and_derived_parameters_like_torch():
    for lib in (torch, minitorch):
        D = lib.distributions
        rate = lib.ones(3, requires_grad=True)
        assert D.Exponential(rate).rate is rate and D.Gamma(rate, 1.0).concentration is rate
        g = D.Geometric(logits=rate)
        assert "probs" not in g.__dict__ and g.probs.requires_grad and "probs" in g.__dict__
        assert D.Binomial(lib.tensor([2, 3]), rate[:2]).total_count.dtype == lib.float32
        assert D.Chi2(4.0).df.item() == 4.0 and D.Chi2(rate).batch_shape == (3,)
        cb = D.ContinuousBernoulli(probs=lib.tensor([0.0, 1.0]), validate_args=False)
        assert 0 < cb.probs[0].item() < 1e-6 and cb._lims == (0.499, 0.501)


# --- errors like torch --------------------------------------------------------------------------------------------


def _d(lib: Any) -> Any:
    return lib.distributions


ERRORS = [
    (lambda lib: _d(lib).Exponential(lib.tensor([-1.0])), "Expected parameter rate"),
    (lambda lib: _d(lib).Exponential(1.0).log_prob(lib.tensor(-1.0)), "GreaterThanEq(lower_bound=0.0)"),
    (lambda lib: _d(lib).Laplace(0.0, 0.0), "Expected parameter scale"),
    (lambda lib: _d(lib).Poisson(lib.tensor([-1.0])), "Expected parameter rate"),
    (lambda lib: _d(lib).Poisson(2.0).log_prob(lib.tensor(0.5)), "IntegerGreaterThan(lower_bound=0)"),
    (lambda lib: _d(lib).Geometric(), "Either `probs` or `logits` must be specified, but not both."),
    (lambda lib: _d(lib).Geometric(lib.tensor([0.0, 0.5])), "to be positive but found invalid values"),
    (lambda lib: _d(lib).Geometric(lib.tensor([1.5])), "Expected parameter probs"),
    (lambda lib: _d(lib).Binomial(3, lib.tensor([0.5]), lib.tensor([0.0])), "Either `probs` or `logits`"),
    (lambda lib: _d(lib).Binomial(lib.tensor([2.5]), lib.tensor([0.5])), "Expected parameter total_count"),
    (lambda lib: _d(lib).Binomial(3, lib.tensor([0.5])).log_prob(lib.tensor([4.0])), "IntegerInterval"),
    (
        lambda lib: _d(lib).Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.5, 0.5])).entropy(),
        "Inhomogeneous total count not supported by `entropy`.",
    ),
    (
        lambda lib: _d(lib).Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.5, 0.5])).enumerate_support(),
        "Inhomogeneous total count not supported by `enumerate_support`.",
    ),
    (lambda lib: _d(lib).OneHotCategorical(lib.tensor([0.5, 0.5])).log_prob(lib.tensor([1.0, 1.0])), "OneHot()"),
    (lambda lib: _d(lib).OneHotCategorical(), "Either `probs` or `logits`"),
    (lambda lib: _d(lib).Cauchy(0.0, -1.0), "Expected parameter scale"),
    (lambda lib: _d(lib).HalfNormal(lib.tensor([-1.0])), "Expected parameter scale"),
    (lambda lib: _d(lib).HalfNormal(1.0).log_prob(lib.tensor(-1.0)), "GreaterThanEq(lower_bound=0.0)"),
    (lambda lib: _d(lib).Gumbel(0.0, -1.0), "Expected parameter scale"),
    (lambda lib: _d(lib).LogNormal(0.0, 1.0).log_prob(lib.tensor(-1.0)), "GreaterThan(lower_bound=0.0)"),
    (lambda lib: _d(lib).StudentT(lib.tensor([-1.0])), "Expected parameter df"),
    (lambda lib: _d(lib).Gamma(lib.tensor([-1.0]), 1.0), "Expected parameter concentration"),
    (lambda lib: _d(lib).Gamma(2.0, 1.0).log_prob(lib.tensor(-1.0)), "to be within the support"),
    (lambda lib: _d(lib).Chi2(lib.tensor([0.0])), "Expected parameter df"),
    (lambda lib: _d(lib).Beta(lib.tensor([1.0]), lib.tensor([-1.0])), "Expected parameter concentration"),
    (lambda lib: _d(lib).Beta(2.0, 2.0).log_prob(lib.tensor(1.5)), "Interval(lower_bound=0.0, upper_bound=1.0)"),
    (lambda lib: _d(lib).Dirichlet(lib.tensor(1.0)), "`concentration` parameter must be at least one-dimensional."),
    (lambda lib: _d(lib).Dirichlet(lib.tensor([1.0, -1.0])), "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"),
    (lambda lib: _d(lib).Dirichlet(lib.ones(3)).log_prob(lib.tensor([0.5, 0.6, 0.0])), "Simplex()"),
    (lambda lib: _d(lib).ContinuousBernoulli(lib.tensor([1.5]), validate_args=True), "The parameter probs has"),
    (lambda lib: _d(lib).ContinuousBernoulli(), "Either `probs` or `logits`"),
    (lambda lib: _d(lib).RelaxedBernoulli(lib.tensor(0.5)), "Either `probs` or `logits`"),
    (lambda lib: _d(lib).RelaxedBernoulli(lib.tensor(0.5), lib.tensor([1.5])), "Expected parameter probs"),
    (lambda lib: _d(lib).RelaxedOneHotCategorical(lib.tensor(0.5)), "Either `probs` or `logits`"),
    (
        lambda lib: _d(lib).MixtureSameFamily(_d(lib).Normal(0.0, 1.0), _d(lib).Normal(lib.zeros(2), 1.0)),
        " The Mixture distribution needs to be an  instance of torch.distributions.Categorical",
    ),
    (
        lambda lib: _d(lib).MixtureSameFamily(_d(lib).Categorical(lib.ones(2)), 3),
        "The Component distribution needs to be an instance of torch.distributions.Distribution",
    ),
    (
        lambda lib: _d(lib).MixtureSameFamily(_d(lib).Categorical(lib.ones(3)), _d(lib).Normal(lib.zeros(2), 1.0)),
        "`mixture_distribution component` (3) does not equal `component_distribution.batch_shape[-1]` (2)",
    ),
    (
        lambda lib: _d(lib).MixtureSameFamily(
            _d(lib).Categorical(lib.ones(3, 2)), _d(lib).Normal(lib.zeros(4, 2), 1.0)
        ),
        "is not compatible with `component_distribution.batch_shape`",
    ),
    (lambda lib: _d(lib).TransformedDistribution(_d(lib).Normal(0.0, 1.0), 3), "transforms must be a Transform or"),
    (lambda lib: _d(lib).TransformedDistribution(_d(lib).Normal(0.0, 1.0), [3]), "transforms must be a Transform"),
    (
        lambda lib: _d(lib).TransformedDistribution(_d(lib).Normal(0.0, 1.0), [_d(lib).StickBreakingTransform()]),
        "base_distribution needs to have shape with size at least 1, but got torch.Size([]).",
    ),
    (
        lambda lib: _d(lib).kl_divergence(
            _d(lib).Binomial(2, lib.tensor([0.5])), _d(lib).Binomial(3, lib.tensor([0.5]))
        ),
        "KL between Binomials where q.total_count > p.total_count is not implemented",
    ),
    (
        lambda lib: _d(lib).kl_divergence(
            _d(lib).LogNormal(0.0, 1.0), _d(lib).TransformedDistribution(_d(lib).Normal(0.0, 1.0), [])
        ),
        "",
    ),
    (lambda lib: _d(lib).kl_divergence(_d(lib).Beta(1.0, 1.0), _d(lib).Laplace(0.0, 1.0)), "No KL(p || q)"),
    (lambda lib: _d(lib).LowRankMultivariateNormal(lib.tensor(0.0), lib.ones(1, 1), lib.ones(1)), "loc must be at"),
    (lambda lib: _d(lib).LowRankMultivariateNormal(lib.zeros(2), lib.ones(2), lib.ones(2)), "cov_factor must be at"),
    (lambda lib: _d(lib).LowRankMultivariateNormal(lib.zeros(2), lib.ones(3, 1), lib.ones(2)), "shape 2 x m"),
    (lambda lib: _d(lib).LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), lib.ones(3)), "cov_diag must be a"),
    (
        lambda lib: _d(lib).LowRankMultivariateNormal(lib.zeros(3, 2), lib.ones(4, 2, 1), lib.ones(2)),
        "Incompatible batch shapes: loc torch.Size([3, 2]), cov_factor torch.Size([4, 2, 1])",
    ),
    (lambda lib: _d(lib).LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), lib.tensor([-9.0, 1])), "cov_diag"),
    (
        lambda lib: _d(lib).kl_divergence(
            _d(lib).LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), lib.ones(2)),
            _d(lib).LowRankMultivariateNormal(lib.zeros(3), lib.ones(3, 1), lib.ones(3)),
        ),
        "KL-divergence between two Low Rank Multivariate Normals with",
    ),
    (lambda lib: _d(lib).ReshapeTransform((2, 3), (4,)), "in_shape, out_shape have different numbers of elements"),
    (lambda lib: _d(lib).CorrCholeskyTransform().forward_shape((4,)), "Input is not a flattened lower-diagonal"),
    (lambda lib: _d(lib).StickBreakingTransform().forward_shape(()), "Too few dimensions on input"),
    (lambda lib: _d(lib).IndependentTransform(_d(lib).ExpTransform(), 2)(lib.zeros(3)), "Too few dimensions"),
    (lambda lib: _d(lib).CatTransform([_d(lib).ExpTransform()], lengths=[1, 2]), "lengths (2) must match"),
    (lambda lib: _d(lib).CatTransform([_d(lib).ExpTransform()], lengths=[2])(lib.zeros(3)), "must equal length 2"),
    (lambda lib: _d(lib).StackTransform([3]), "All elements of tseq must be Transform instances"),
    (lambda lib: _d(lib).ExpTransform().sign + _d(lib).AbsTransform().sign, ""),
    (lambda lib: _d(lib).AffineTransform(0.0, 1.0).event_dim + _d(lib).SoftmaxTransform().log_abs_det_jacobian(
        lib.zeros(2), lib.zeros(2)), ""),
    (lambda lib: _d(lib).gamma.Gamma.cdf(_d(lib).Gamma(2.0, 1.0), lib.tensor(-1.0)), "to be within the support"),
]  # fmt: skip


@pytest.mark.parametrize("make,gist", ERRORS)
def test_errors_like_torch(make, gist):
    parity.raises_like(make, gist)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: _d(lib).Gamma(lib.tensor([1.0, -2.0]), 1.0),
        lambda lib: _d(lib).Geometric(lib.tensor([0.0, 0.5])),
        lambda lib: _d(lib).Beta(2.0, 3.0).log_prob(lib.tensor([0.5, 1.5])),
        lambda lib: _d(lib).Dirichlet(lib.ones(2, 3)).log_prob(lib.ones(3)),
    ],
)
def test_validation_messages_are_torch_s_word_for_word(make):
    parity.raises_like(make, exact=True)


# --- devices ---------------------------------------------------------------------------------------------------


def test_new_distributions_sample_and_score_on_the_parameters_device(device):
    D = minitorch.distributions
    rng = np.random.default_rng(5)
    pos, loc = rng.uniform(0.5, 3.0, size=(2, 3)), rng.normal(size=(2, 3))

    def build(on: str) -> list:
        a, m = minitorch.tensor(pos, device=on), minitorch.tensor(loc, device=on)
        return [
            D.Gamma(a, a + 1),
            D.Beta(a, a.flip(0)),
            D.Dirichlet(a),
            D.StudentT(a + 2, m, a),
            D.Poisson(a),
            D.Binomial(minitorch.full((2, 3), 4.0, device=on, dtype=minitorch.float64), a / 4),
            D.Exponential(a),
            D.Laplace(m, a),
            D.LogNormal(m, a),
            D.Gumbel(m, a),
            D.OneHotCategorical(logits=m),
            D.MixtureSameFamily(D.Categorical(logits=m), D.Normal(m, a)),
        ]

    for here, there in zip(build("cpu"), build(device)):
        minitorch.manual_seed(6)
        s = there.rsample((5,)) if there.has_rsample else there.sample((5,))
        assert s.device == minitorch.device(device), type(here).__name__
        value = s.detach().cpu()
        got = there.log_prob(value.to(device))
        assert got.device == minitorch.device(device)
        parity.assert_close(got.cpu(), here.log_prob(value), 1e-10, 1e-12, f"{type(here).__name__} log_prob")
        if type(here).__name__ not in ("MixtureSameFamily", "Poisson"):  # (torch gives neither an entropy)
            parity.assert_close(there.entropy().cpu(), here.entropy(), 1e-10, 1e-12, "entropy")
    a = minitorch.tensor(pos, device=device, requires_grad=True)
    minitorch.manual_seed(7)
    x = D.Gamma(a, 1.0).rsample()
    x.sum().backward()
    want = torch._standard_gamma_grad(torch.tensor(pos), torch.tensor(x.detach().cpu().numpy()))
    parity.assert_close(a.grad.cpu(), want, 1e-10, 1e-12, "Gamma sample gradient on the device")
