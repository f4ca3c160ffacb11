"""minitorch.distributions against torch.distributions: densities, entropies, moments, KL divergences and their
gradients (float64 and float32), shapes and broadcasting, expand and enumerate_support, constraints, reprs and
validation errors; samples by their statistics (minitorch's generator draws other numbers than torch's); and
short REINFORCE, PPO and VAE steps whose gradients equal torch's for the same draws."""

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

RNG = np.random.default_rng(7)
LOC = RNG.normal(size=(2, 3))
SCALE = RNG.uniform(0.5, 2.0, size=(3,))
X = RNG.normal(size=(4, 2, 3))
Q = RNG.uniform(0.05, 0.95, size=(4, 2, 3))  # probabilities, for icdf
LOGITS = RNG.normal(size=(2, 4))
WEIGHTS = RNG.uniform(0.1, 2.0, size=(2, 4))
CLASSES = RNG.integers(0, 4, size=(5, 1))  # broadcasts against batch (2,)
P = RNG.uniform(0.05, 0.95, size=(2, 3))
BITS = RNG.integers(0, 2, size=(4, 1, 3)).astype(np.float64)
A = RNG.normal(size=(3, 3))
B = RNG.normal(size=(2, 3, 3))


def both(fn: Callable[..., Any], *inputs: Any, dtypes: tuple = (F64, F32)) -> None:
    """Outputs and every input's gradient equal torch's, in float64 (tight) and float32."""
    for tol in dtypes:
        parity.check_parity(fn, *inputs, **tol)


def spd(lib: Any, a: Any) -> Any:
    """A symmetric positive-definite matrix (batch) built from ``a``, so gradients reach ``a`` through it."""
    return a @ a.mT + lib.eye(a.shape[-1], dtype=a.dtype)


def lower(lib: Any, a: Any) -> Any:
    """A lower-triangular factor with a positive diagonal built from ``a``."""
    return a.tril(-1) + lib.diag_embed(a.diagonal(dim1=-2, dim2=-1).exp())


# --- densities, moments and their gradients --------------------------------------------------------------------


def test_normal_matches_torch():
    def fn(lib, loc, scale, x, q):
        d = lib.distributions.Normal(loc, scale)
        moments = (d.mean, d.mode, d.variance, d.stddev)
        return (d.log_prob(x), d.cdf(x), d.icdf(q), d.entropy(), d.perplexity()) + moments

    both(fn, LOC, SCALE, X, Q)


def test_normal_of_numbers_and_of_a_number_value():
    def fn(lib, x):
        d = lib.distributions.Normal(0.5, 2.0, validate_args=False)
        return d.log_prob(x), d.cdf(x), d.entropy(), d.log_prob(1.5)

    both(fn, X)


@pytest.mark.parametrize("given", ["logits", "probs"])
def test_categorical_matches_torch(given):
    def fn(lib, param, value):
        d = lib.distributions.Categorical(**{given: param})
        return d.log_prob(value), d.entropy(), d.probs, d.logits, d.mode, d.mean, d.variance, d.perplexity()

    both(fn, LOGITS if given == "logits" else WEIGHTS, CLASSES)


@pytest.mark.parametrize("given", ["logits", "probs"])
def test_bernoulli_matches_torch(given):
    def fn(lib, param, value):
        d = lib.distributions.Bernoulli(**{given: param})
        return d.log_prob(value), d.entropy(), d.probs, d.logits, d.mean, d.variance, d.stddev, d.mode

    both(fn, P if given == "probs" else LOC, BITS)


def test_bernoulli_mode_is_nan_at_one_half_like_torch():
    def fn(lib):
        return lib.distributions.Bernoulli(lib.tensor([0.2, 0.5, 0.7])).mode

    parity.assert_same_as_torch(fn)


def test_uniform_matches_torch():
    low, width = RNG.normal(size=(3,)), RNG.uniform(0.5, 2.0, size=(2, 3))
    inside = low + Q * width

    def fn(lib, low, width, x, q):
        d = lib.distributions.Uniform(low, low + width)
        moments = (d.mean, d.mode, d.variance, d.stddev)
        return (d.log_prob(x), d.cdf(x), d.icdf(q), d.entropy()) + moments

    both(fn, low, width, inside, Q)


def test_uniform_outside_its_support_without_validation():
    def fn(lib, x):
        d = lib.distributions.Uniform(lib.tensor([0.0, 0.0]), lib.tensor([1.0, 2.0]), validate_args=False)
        return d.log_prob(x), d.cdf(x)

    both(fn, np.array([[-0.5, 0.5], [1.5, 2.5], [1.0, 0.0]]))


def test_independent_matches_torch():
    def fn(lib, loc, scale, x):
        d = lib.distributions.Independent(lib.distributions.Normal(loc, scale), 1)
        return d.log_prob(x), d.entropy(), d.mean, d.mode, d.variance, d.stddev

    both(fn, LOC, SCALE, X)


@pytest.mark.parametrize("given", ["covariance_matrix", "precision_matrix", "scale_tril"])
@pytest.mark.parametrize("batched", ["loc", "matrix"])
def test_multivariate_normal_matches_torch(given, batched):
    loc, a = (LOC, A) if batched == "loc" else (LOC[0], B)

    def fn(lib, loc, a, x):
        matrix = lower(lib, a) if given == "scale_tril" else spd(lib, a)
        d = lib.distributions.MultivariateNormal(loc, **{given: matrix})
        matrices = (d.covariance_matrix, d.precision_matrix, d.scale_tril)
        return (d.log_prob(x), d.entropy(), d.mean, d.mode, d.variance, d.stddev) + matrices

    both(fn, loc, a, X)


def test_exponential_family_entropy_from_the_log_normalizer_matches_torch():
    def fn(lib, loc, scale, p):
        entropy = lib.distributions.ExponentialFamily.entropy
        return entropy(lib.distributions.Normal(loc, scale)), entropy(lib.distributions.Bernoulli(p))

    both(fn, LOC, SCALE, P)


def test_a_parameter_already_of_the_batch_shape_is_the_tensor_given():
    for lib in (torch, minitorch):
        loc = lib.zeros(3, requires_grad=True)
        d = lib.distributions.Normal(loc, 1.0)
        assert d.loc is loc and d.scale.shape == (3,) and d.mean is loc


def test_derived_parameters_keep_their_graph_when_first_read_under_no_grad():
    for lib in (torch, minitorch):
        logits = lib.tensor([0.1, 0.7, -0.3], requires_grad=True)
        d = lib.distributions.Categorical(logits=logits)
        assert "probs" not in d.__dict__
        with lib.no_grad():
            probs = d.probs
        assert probs.requires_grad and "probs" in d.__dict__


# --- KL divergences ------------------------------------------------------------------------------------------------


def test_kl_normal_normal():
    def fn(lib, loc, scale, loc2, scale2):
        D = lib.distributions
        return D.kl_divergence(D.Normal(loc, scale), D.Normal(loc2, scale2))

    both(fn, LOC, SCALE, LOC[::-1] * 0.5, SCALE[::-1][None])


def test_kl_categorical_categorical():
    def fn(lib, p, q):
        D = lib.distributions
        return D.kl_divergence(D.Categorical(logits=p), D.Categorical(probs=q))

    both(fn, LOGITS, WEIGHTS[0])


def test_kl_bernoulli_bernoulli():
    def fn(lib, p, q):
        D = lib.distributions
        return D.kl_divergence(D.Bernoulli(p), D.Bernoulli(logits=q))

    both(fn, P, LOC)


def test_kl_uniform_uniform():
    def fn(lib, low, high):
        D = lib.distributions
        return D.kl_divergence(D.Uniform(low + 0.25, high - 0.25), D.Uniform(low, high))

    both(fn, -SCALE, SCALE)


def test_kl_independent_independent():
    def fn(lib, loc, scale):
        D = lib.distributions
        p, q = D.Independent(D.Normal(loc, scale), 2), D.Independent(D.Normal(loc * 0.5, scale * 2), 2)
        return D.kl_divergence(p, q)

    both(fn, LOC, SCALE)


def test_kl_multivariate_normal_multivariate_normal():
    def fn(lib, loc, a, b):
        D = lib.distributions
        p = D.MultivariateNormal(loc, spd(lib, a))
        q = D.MultivariateNormal(loc[0] * 0.5, scale_tril=lower(lib, b))
        return D.kl_divergence(p, q), D.kl_divergence(q, p)

    both(fn, LOC, A, B)


def test_kl_is_infinite_where_p_has_mass_q_lacks_and_zero_terms_where_p_has_none():
    def fn(lib, p, q, low):
        D = lib.distributions
        zeros = lib.tensor([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]], dtype=p.dtype)
        ends = lib.tensor([0.0, 1.0, 0.0, 1.0], dtype=p.dtype)
        return (
            D.kl_divergence(D.Categorical(probs=p * zeros), D.Categorical(probs=q * zeros.flip(0))),
            D.kl_divergence(D.Bernoulli(ends), D.Bernoulli(lib.tensor([0.5, 0.5, 1.0, 0.0], dtype=p.dtype))),
            D.kl_divergence(D.Uniform(low, low + 2), D.Uniform(low + 1, low + 4)),
        )

    both(fn, WEIGHTS[:, :3], WEIGHTS[::-1, 1:], SCALE)


def test_register_kl_picks_the_most_specific_pair_and_warns_when_ambiguous():
    D = minitorch.distributions

    class Narrow(D.Normal):
        pass

    def special(p, q):
        return minitorch.tensor(-1.0)

    def other(p, q):
        return minitorch.tensor(-2.0)

    try:
        D.register_kl(Narrow, D.Normal)(special)
        n, m = D.Normal(0.0, 1.0), Narrow(0.0, 1.0)
        assert D.kl_divergence(m, n).item() == -1.0
        assert D.kl_divergence(n, m).item() == 0.0  # Normal-Normal still serves (Normal, Narrow)
        D.register_kl(D.Normal, Narrow)(other)
        with pytest.warns(RuntimeWarning, match="Ambiguous kl_divergence"):
            D.kl_divergence(m, m)
    finally:
        D.kl._KL_FUNCTIONS._functions.pop((Narrow, D.Normal), None)
        D.kl._KL_FUNCTIONS._functions.pop((D.Normal, Narrow), None)
    with pytest.raises(TypeError, match="Distribution subclass"):
        D.register_kl(int, D.Normal)


# --- reparameterised samples and training steps -------------------------------------------------------------------


def test_normal_rsample_is_loc_plus_eps_times_scale():
    loc = minitorch.tensor([0.5, -1.0, 2.0], dtype=minitorch.float64, requires_grad=True)
    scale = minitorch.tensor([1.0, 0.5, 3.0], dtype=minitorch.float64, requires_grad=True)
    minitorch.manual_seed(3)
    z = minitorch.distributions.Normal(loc, scale).rsample((7,))
    minitorch.manual_seed(3)
    eps = minitorch.randn(7, 3, dtype=minitorch.float64)
    np.testing.assert_allclose(z.detach().numpy(), (loc + eps * scale).detach().numpy(), rtol=1e-14)
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), np.full(3, 7.0))  # d z / d loc = 1
    np.testing.assert_allclose(scale.grad.numpy(), eps.numpy().sum(0), rtol=1e-12)  # d z / d scale = eps


def test_uniform_and_multivariate_normal_rsample_gradients():
    low = minitorch.tensor([0.0, 1.0], dtype=minitorch.float64, requires_grad=True)
    high = minitorch.tensor([1.0, 4.0], dtype=minitorch.float64, requires_grad=True)
    z = minitorch.distributions.Uniform(low, high).rsample((5,))
    u = ((z - low) / (high - low)).detach().numpy()
    assert ((u >= 0) & (u < 1)).all()
    z.sum().backward()
    np.testing.assert_allclose(low.grad.numpy(), (1 - u).sum(0), rtol=1e-12)
    np.testing.assert_allclose(high.grad.numpy(), u.sum(0), rtol=1e-12)

    loc = minitorch.zeros(3, dtype=minitorch.float64, requires_grad=True)
    tril = minitorch.tensor(np.tril(A) + 3 * np.eye(3), requires_grad=True)
    z = minitorch.distributions.MultivariateNormal(loc, scale_tril=tril).rsample((6,))
    eps = np.linalg.solve(np.tril(A) + 3 * np.eye(3), z.detach().numpy().T).T
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), np.full(3, 6.0))
    # d z_i / d L_ij = eps_j: every entry, as in torch (the upper zeros are multiplied too)
    np.testing.assert_allclose(tril.grad.numpy(), np.ones((3, 1)) * eps.sum(0), rtol=1e-10, atol=1e-12)


def _copy_linear(m_layer: Any, t_layer: Any) -> None:
    m_layer.load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in t_layer.state_dict().items()})


def test_reinforce_steps_match_torch_for_the_same_actions():
    torch.manual_seed(0)
    t_net = torch.nn.Linear(4, 3).double()
    m_net = minitorch.nn.Linear(4, 3).double()
    _copy_linear(m_net, t_net)
    t_opt, m_opt = torch.optim.SGD(t_net.parameters(), lr=0.1), minitorch.optim.SGD(m_net.parameters(), lr=0.1)
    states = RNG.normal(size=(16, 4))
    minitorch.manual_seed(0)
    for step in range(3):
        m_dist = minitorch.distributions.Categorical(logits=m_net(minitorch.tensor(states)))
        actions = m_dist.sample()
        rewards = np.where(actions.numpy() == step, 1.0, -0.5)
        t_dist = torch.distributions.Categorical(logits=t_net(torch.tensor(states)))
        t_actions = torch.tensor(actions.numpy())
        losses = []
        for lib, dist, act in ((minitorch, m_dist, actions), (torch, t_dist, t_actions)):
            loss = -(dist.log_prob(act) * lib.tensor(rewards)).mean() - 0.01 * dist.entropy().mean()
            loss.backward()
            losses.append(loss)
        parity.assert_close(losses[0], losses[1], 1e-10, 1e-12, "loss")
        for (name, mp), tp in zip(m_net.named_parameters(), t_net.parameters()):
            parity.assert_close(mp.grad, tp.grad, 1e-10, 1e-12, f"grad of {name} at step {step}")
        m_opt.step(), t_opt.step()
        m_opt.zero_grad(), t_opt.zero_grad()
    for mp, tp in zip(m_net.parameters(), t_net.parameters()):
        parity.assert_close(mp, tp, 1e-10, 1e-12, "weights after three steps")


def test_ppo_clipped_objective_with_a_gaussian_policy_matches_torch():
    states, advantages = RNG.normal(size=(8, 4)), RNG.normal(size=(8,))
    torch.manual_seed(1)
    t_net = torch.nn.Linear(4, 2).double()
    m_net = minitorch.nn.Linear(4, 2).double()
    _copy_linear(m_net, t_net)
    log_std = np.array([-0.5, 0.2])
    nets = {lib: (net, lib.tensor(log_std, requires_grad=True)) for lib, net in ((minitorch, m_net), (torch, t_net))}

    def policy(lib):
        net, log_std = nets[lib]
        D = lib.distributions
        return D.Independent(D.Normal(net(lib.tensor(states)), log_std.exp()), 1)

    minitorch.manual_seed(2)
    actions = policy(minitorch).sample().numpy()
    old = {lib: policy(lib).log_prob(lib.tensor(actions)).detach() for lib in (minitorch, torch)}
    for lib in (minitorch, torch):
        net, log_std = nets[lib]
        with lib.no_grad():
            net.weight.mul_(1.1)  # the policy moved since the actions were drawn: ratios leave 1
        dist = policy(lib)
        ratio = (dist.log_prob(lib.tensor(actions)) - old[lib]).exp()
        adv = lib.tensor(advantages)
        loss = -lib.min(ratio * adv, ratio.clamp(0.8, 1.2) * adv).mean() - 0.01 * dist.entropy().mean()
        loss.backward()
    for m_p, t_p in ((m_net.weight, t_net.weight), (m_net.bias, t_net.bias), (nets[minitorch][1], nets[torch][1])):
        parity.assert_close(m_p.grad, t_p.grad, 1e-10, 1e-12, "gradient")


def test_vae_loss_gradients_match_torch_given_the_same_noise():
    mu, log_var, decoder, x = RNG.normal(size=(5, 2)), RNG.normal(size=(5, 2)) * 0.3, A[:2], RNG.normal(size=(5, 3))
    minitorch.manual_seed(4)
    grads = {}
    eps = None
    for lib in (minitorch, torch):
        m, lv = lib.tensor(mu, requires_grad=True), lib.tensor(log_var, requires_grad=True)
        D = lib.distributions
        q = D.Normal(m, (0.5 * lv).exp())
        if lib is minitorch:
            z = q.rsample()
            eps = ((z - m) / (0.5 * lv).exp()).detach().numpy()
        else:
            z = m + lib.tensor(eps) * (0.5 * lv).exp()  # torch's sample with minitorch's noise
        recon = z @ lib.tensor(decoder)
        loss = ((recon - lib.tensor(x)) ** 2).sum() + D.kl_divergence(q, D.Normal(0.0, 1.0)).sum()
        loss.backward()
        grads[lib] = (loss, m.grad, lv.grad)
    for name, a, b in zip(("loss", "d/dmu", "d/dlogvar"), grads[minitorch], grads[torch]):
        parity.assert_close(a, b, 1e-10, 1e-12, name)


# --- sampling: shapes, reproducibility, statistics ---------------------------------------------------------------


def _make_all(lib: Any) -> dict:
    """One of each distribution, its float parameters requiring grad."""
    D = lib.distributions
    f64 = {"dtype": lib.float64, "requires_grad": True}
    grad = {"requires_grad": True}
    return {
        "normal": D.Normal(lib.zeros(2, 3, **f64), lib.ones(3, **f64)),
        "categorical": D.Categorical(logits=lib.zeros(2, 4, **grad)),
        "bernoulli": D.Bernoulli(lib.full((3,), 0.3, **grad)),
        "uniform": D.Uniform(lib.zeros(3, **grad), 2.0),
        "independent": D.Independent(D.Normal(lib.zeros(2, 3, **grad), 1.0), 1),
        "mvn": D.MultivariateNormal(lib.zeros(2, 3, **grad), lib.eye(3).requires_grad_()),
        "scalar normal": D.Normal(0.0, 1.0),
    }


@pytest.mark.parametrize("name", list(_make_all(torch)))
@pytest.mark.parametrize("sample_shape", [(), (5,), [2, 3]])
def test_sample_shapes_dtypes_and_graph_like_torch(name, sample_shape):
    t_dist, m_dist = _make_all(torch)[name], _make_all(minitorch)[name]
    assert m_dist.batch_shape == t_dist.batch_shape and m_dist.event_shape == t_dist.event_shape
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


def test_manual_seed_makes_samples_reproducible():
    d = minitorch.distributions
    dists = [d.Normal(0.0, 1.0), d.Categorical(logits=minitorch.zeros(5)), d.Bernoulli(0.5), d.Uniform(0.0, 1.0)]
    draws = []
    for _ in range(2):
        minitorch.manual_seed(123)
        draws.append([x.sample((20,)).numpy() for x in dists])
    for a, b in zip(*draws):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(draws[0][0], dists[0].sample((20,)).numpy())


N = 20000


def test_normal_sample_and_rsample_statistics():
    loc, scale = np.array([0.0, 2.0, -1.0]), np.array([1.0, 0.5, 3.0])
    d = minitorch.distributions.Normal(minitorch.tensor(loc), minitorch.tensor(scale))
    minitorch.manual_seed(10)
    for draw in (d.sample((N,)), d.rsample((N,)).detach()):
        s = draw.numpy()
        assert (np.abs(s.mean(0) - loc) < 5 * scale / np.sqrt(N)).all()
        assert (np.abs(s.std(0) - scale) < 5 * scale / np.sqrt(2 * N)).all()
        # a fifth of the draws below each quintile of the distribution
        below = (s[:, :, None] < d.icdf(minitorch.tensor([0.2, 0.4, 0.6, 0.8])[:, None]).numpy().T).mean(0)
        assert np.abs(below - [0.2, 0.4, 0.6, 0.8]).max() < 5 * np.sqrt(0.25 / N)


def test_categorical_and_bernoulli_frequencies():
    probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])
    minitorch.manual_seed(11)
    s = minitorch.distributions.Categorical(probs=minitorch.tensor(probs)).sample((N,)).numpy()
    freq = np.stack([(s == k).mean(0) for k in range(4)], -1)
    assert (np.abs(freq - probs) < 5 * np.sqrt(probs * (1 - probs) / N)).all()
    p = np.array([0.1, 0.5, 0.9])
    b = minitorch.distributions.Bernoulli(logits=minitorch.logit(minitorch.tensor(p))).sample((N,)).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0}
    assert (np.abs(b.mean(0) - p) < 5 * np.sqrt(p * (1 - p) / N)).all()


def test_uniform_and_multivariate_normal_statistics():
    minitorch.manual_seed(12)
    s = minitorch.distributions.Uniform(minitorch.tensor([-1.0, 2.0]), 3.0).sample((N,)).numpy()
    assert (s[:, 0] >= -1).all() and (s[:, 0] < 3).all() and (s[:, 1] >= 2).all() and (s[:, 1] < 3).all()
    assert np.abs(s.mean(0) - [1.0, 2.5]).max() < 5 * np.sqrt(np.array([16, 1]) / 12 / N).max()
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    loc = np.array([1.0, -2.0, 0.0])
    d = minitorch.distributions.MultivariateNormal(minitorch.tensor(loc), minitorch.tensor(cov))
    s = d.sample((N,)).numpy()
    assert np.abs(s.mean(0) - loc).max() < 5 * np.sqrt(2.0 / N)
    assert np.abs(np.cov(s.T) - cov).max() < 0.08  # standard errors <= 2/sqrt(N) = 0.014


# --- shapes, expand, enumerate_support, properties, repr -------------------------------------------------------


EXPANDABLE = {
    "normal": lambda lib: lib.distributions.Normal(lib.zeros(3), lib.ones(1, 3)),
    "categorical probs": lambda lib: lib.distributions.Categorical(probs=lib.tensor([0.2, 0.3, 0.5])),
    "categorical logits": lambda lib: lib.distributions.Categorical(logits=lib.zeros(1, 3)),
    "bernoulli": lambda lib: lib.distributions.Bernoulli(logits=lib.tensor([0.3, -0.2, 1.0])),
    "uniform": lambda lib: lib.distributions.Uniform(lib.zeros(3), 1.0),
    "independent": lambda lib: lib.distributions.Independent(lib.distributions.Normal(lib.zeros(3, 2), 1.0), 1),
    "mvn": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(3, 2), precision_matrix=lib.eye(2) * 2),
}


@pytest.mark.parametrize("name", list(EXPANDABLE))
def test_expand_like_torch(name):
    t_e = EXPANDABLE[name](torch).expand((4, 3))
    m_d = EXPANDABLE[name](minitorch)
    m_e = m_d.expand((4, 3))
    assert m_d.batch_shape != m_e.batch_shape  # a new instance; the original keeps its shape
    assert type(m_e) is type(m_d) and m_e.batch_shape == t_e.batch_shape and m_e.event_shape == t_e.event_shape
    assert m_e._validate_args == t_e._validate_args
    assert sorted(k for k in m_e.__dict__ if not k.startswith("_")) == sorted(
        k for k in t_e.__dict__ if not k.startswith("_")
    )
    value = t_e.sample()
    parity.assert_close(m_e.log_prob(minitorch.tensor(value.numpy())), t_e.log_prob(value), 1e-6, 1e-6, "log_prob")
    assert m_e.sample((2,)).shape == t_e.sample((2,)).shape
    parity.assert_close(m_e.entropy(), t_e.entropy(), 1e-6, 1e-6, "entropy")


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.distributions.Categorical(logits=lib.zeros(2, 3, 4)),
        lambda lib: lib.distributions.Categorical(probs=lib.ones(5)),
        lambda lib: lib.distributions.Bernoulli(lib.full((2, 3), 0.5, dtype=lib.float64)),
        lambda lib: lib.distributions.Bernoulli(0.3),
        lambda lib: lib.distributions.Independent(lib.distributions.Bernoulli(lib.full((2,), 0.5)), 0),
    ],
)
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support_like_torch(make, expand):
    parity.assert_same_as_torch(lambda lib: make(lib).enumerate_support(expand))
    assert make(minitorch).has_enumerate_support == make(torch).has_enumerate_support


def test_properties_and_reprs_like_torch():
    def described(lib):
        D = lib.distributions
        dists = list(_make_all(lib).values()) + [
            D.Bernoulli(0.3),
            D.Normal(lib.tensor([1.0]), 2.0),
            D.Categorical(probs=lib.ones(3)),
            D.Uniform(lib.tensor(0.0), lib.tensor(1.0)),
            D.MultivariateNormal(lib.zeros(2), scale_tril=lib.eye(2)),
            D.Independent(D.Bernoulli(lib.full((2,), 0.5)), 1),
        ]
        rows = []
        for d in dists:
            constraints = {k: repr(v) for k, v in d.arg_constraints.items()}
            rows.append((repr(d), repr(d.support), constraints, d.has_rsample, d.has_enumerate_support))
            rows.append((d.support.is_discrete, d.support.event_dim, tuple(d.batch_shape), tuple(d.event_shape)))
        for cls in (D.Normal, D.Uniform, D.Categorical, D.Bernoulli, D.MultivariateNormal, D.Independent):
            rows.append(repr(cls.support))
        return rows

    assert described(minitorch) == described(torch)


# --- constraints -------------------------------------------------------------------------------------------------


CONSTRAINT_CASES = [
    ("real", [0.0, float("inf"), float("nan")]),
    ("positive", [-1.0, 0.0, 2.0]),
    ("nonnegative", [-1.0, 0.0, 2.0]),
    ("unit_interval", [-0.1, 0.0, 0.5, 1.0, 1.1]),
    ("boolean", [0.0, 1.0, 0.5]),
    ("nonnegative_integer", [-1.0, 0.0, 2.0, 2.5]),
    ("positive_integer", [0.0, 1.0, 3.0]),
    ("simplex", [[0.2, 0.8], [0.5, 0.6], [-0.1, 1.1]]),
    ("real_vector", [[0.0, 1.0], [float("nan"), 0.0]]),
    ("one_hot", [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]),
    ("lower_triangular", [[[1.0, 0.0], [2.0, -1.0]], [[1.0, 1.0], [0.0, 1.0]]]),
    ("lower_cholesky", [[[1.0, 0.0], [2.0, 1.0]], [[1.0, 0.0], [2.0, -1.0]], [[1.0, 1.0], [0.0, 1.0]]]),
    ("corr_cholesky", [[[1.0, 0.0], [0.6, 0.8]], [[1.0, 0.0], [0.6, 0.9]]]),
    ("square", [[[1.0, 0.0], [2.0, 1.0]]]),
    ("symmetric", [[[1.0, 2.0], [2.0, 1.0]], [[1.0, 2.0], [0.0, 1.0]]]),
    ("positive_semidefinite", [[[1.0, 1.0], [1.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]),
    ("positive_definite", [[[2.0, 1.0], [1.0, 2.0]], [[1.0, 1.0], [1.0, 1.0]], [[1.0, 2.0], [0.0, 1.0]]]),
]


@pytest.mark.parametrize("name,values", CONSTRAINT_CASES, ids=[c[0] for c in CONSTRAINT_CASES])
def test_constraint_instances_like_torch(name, values):
    def check(lib):
        return getattr(lib.distributions.constraints, name).check(lib.tensor(values))

    parity.assert_same_as_torch(check)
    t_c, m_c = getattr(torch.distributions.constraints, name), getattr(minitorch.distributions.constraints, name)
    assert (repr(m_c), m_c.is_discrete, m_c.event_dim) == (repr(t_c), t_c.is_discrete, t_c.event_dim)


PARAMETRIZED_CONSTRAINTS = [
    ("interval", lambda c: c.interval(0.0, 2.0)),
    ("half_open_interval", lambda c: c.half_open_interval(0.0, 2.0)),
    ("integer_interval", lambda c: c.integer_interval(0, 2)),
    ("greater_than", lambda c: c.greater_than(1.0)),
    ("greater_than_eq", lambda c: c.greater_than_eq(1.0)),
    ("less_than", lambda c: c.less_than(1.0)),
    ("independent", lambda c: c.independent(c.positive, 1)),
    ("cat", lambda c: c.cat([c.positive, c.real, c.unit_interval], lengths=[2, 1, 1])),
    ("stack", lambda c: c.stack([c.positive, c.real, c.unit_interval, c.boolean])),
]


@pytest.mark.parametrize("name,build", PARAMETRIZED_CONSTRAINTS, ids=[c[0] for c in PARAMETRIZED_CONSTRAINTS])
def test_constraint_classes_like_torch(name, build):
    values = [-1.0, 0.0, 1.0, 2.0]

    def check(lib):
        return build(lib.distributions.constraints).check(lib.tensor([values, [0.5, 1.5, 3.0, 0.0]]))

    parity.assert_same_as_torch(check)
    t_c, m_c = build(torch.distributions.constraints), build(minitorch.distributions.constraints)
    assert (m_c.is_discrete, m_c.event_dim) == (t_c.is_discrete, t_c.event_dim)
    if name not in ("cat", "stack"):  # torch shows those as the default object repr
        assert repr(m_c) == repr(t_c)


def test_dependent_constraints_like_torch():
    for lib in (torch, minitorch):
        c = lib.distributions.constraints
        assert c.is_dependent(c.dependent) and not c.is_dependent(c.real)
        assert c.is_dependent(lib.distributions.Uniform.support)
        custom = c.dependent(is_discrete=True, event_dim=1)
        assert (custom.is_discrete, custom.event_dim) == (True, 1)
        assert lib.distributions.Categorical.support.is_discrete
        with pytest.raises(NotImplementedError, match="cannot be determined statically"):
            c.dependent.event_dim
    parity.raises_like(lambda lib: lib.distributions.constraints.dependent.check(lib.zeros(1)), "dependent", exact=True)


# --- validation and errors ---------------------------------------------------------------------------------------


def _mvn(lib: Any, **kw: Any) -> Any:
    return lib.distributions.MultivariateNormal(**kw)


ERRORS = [
    (lambda lib: lib.distributions.Normal(lib.tensor([0.0]), lib.tensor([-1.0])), "Expected parameter scale"),
    (lambda lib: lib.distributions.Normal(0.0, 0.0), "satisfy the constraint GreaterThan(lower_bound=0.0)"),
    (lambda lib: lib.distributions.Normal(lib.tensor([float("nan")]), 1.0), "Expected parameter loc"),
    (lambda lib: lib.distributions.Normal("a", 1.0), "Input arguments must all be instances of Number"),
    (lambda lib: lib.distributions.Uniform(lib.zeros(2), lib.ones(3)), "The size of tensor a (2) must match"),
    (lambda lib: lib.distributions.Bernoulli(lib.tensor([1.5])), "Expected parameter probs"),
    (lambda lib: lib.distributions.Bernoulli(), "Either `probs` or `logits` must be specified, but not both."),
    (lambda lib: lib.distributions.Categorical(lib.ones(2), lib.ones(2)), "Either `probs` or `logits`"),
    (lambda lib: lib.distributions.Categorical(probs=lib.tensor(0.5)), "`probs` parameter must be at least one-"),
    (lambda lib: lib.distributions.Categorical(logits=lib.tensor(0.5)), "`logits` parameter must be at least one-"),
    (lambda lib: lib.distributions.Categorical(lib.tensor([0.5, -0.1])), "Expected parameter probs"),
    (lambda lib: lib.distributions.Categorical(logits=lib.tensor([0.0, float("nan")])), "Expected parameter logits"),
    (lambda lib: lib.distributions.Uniform(1.0, 0.0), "Expected parameter low"),
    (lambda lib: _mvn(lib, loc=lib.tensor(0.0), covariance_matrix=lib.eye(1)), "loc must be at least one-"),
    (lambda lib: _mvn(lib, loc=lib.zeros(2)), "Exactly one of covariance_matrix or precision_matrix or scale_tril"),
    (lambda lib: _mvn(lib, loc=lib.zeros(2), covariance_matrix=lib.eye(2), scale_tril=lib.eye(2)), "Exactly one"),
    (lambda lib: _mvn(lib, loc=lib.zeros(2), covariance_matrix=lib.ones(2)), "covariance_matrix must be at least"),
    (lambda lib: _mvn(lib, loc=lib.zeros(2), precision_matrix=lib.ones(2)), "precision_matrix must be at least"),
    (lambda lib: _mvn(lib, loc=lib.zeros(2), scale_tril=lib.ones(2)), "scale_tril matrix must be at least two-"),
    (lambda lib: _mvn(lib, loc=lib.zeros(2), covariance_matrix=lib.ones(2, 2)), "Expected parameter covariance"),
    (lambda lib: _mvn(lib, loc=lib.zeros(2), scale_tril=-lib.eye(2)), "Expected parameter scale_tril"),
    (
        lambda lib: _mvn(lib, loc=lib.zeros(2, 3), covariance_matrix=lib.eye(3).expand(4, 3, 3)),
        "Attempting to broadcast a dimension of length 2",
    ),
    (
        lambda lib: lib.distributions.Independent(lib.distributions.Normal(lib.zeros(3), 1.0), 2),
        "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual 2 vs 1",
    ),
    (lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(1.0), "The value argument to log_prob must be a Tensor"),
    (lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(lib.tensor(float("nan"))), "support (Real())"),
    (lambda lib: lib.distributions.Bernoulli(0.3).log_prob(lib.tensor(0.5)), "to be within the support (Boolean())"),
    (
        lambda lib: lib.distributions.Categorical(lib.ones(3)).log_prob(lib.tensor(3)),
        "IntegerInterval(lower_bound=0, upper_bound=2)",
    ),
    (lambda lib: lib.distributions.Uniform(0.0, 1.0).log_prob(lib.tensor(1.5)), "to be within the support"),
    (lambda lib: lib.distributions.Uniform(0.0, 1.0).cdf(lib.tensor(-0.5)), "to be within the support"),
    (
        lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(4)),
        "Value is not broadcastable with batch_shape+event_shape: torch.Size([4]) vs torch.Size([3]).",
    ),
    (
        lambda lib: _mvn(lib, loc=lib.zeros(3), scale_tril=lib.eye(3)).log_prob(lib.zeros(2)),
        "The right-most size of value must match event_shape: torch.Size([2]) vs torch.Size([3]).",
    ),
    (
        lambda lib: lib.distributions.kl_divergence(
            lib.distributions.Normal(0.0, 1.0), lib.distributions.Categorical(lib.ones(2))
        ),
        "No KL(p || q) is implemented for p type Normal and q type Categorical",
    ),
    (
        lambda lib: lib.distributions.kl_divergence(
            _mvn(lib, loc=lib.zeros(3), scale_tril=lib.eye(3)), _mvn(lib, loc=lib.zeros(2), scale_tril=lib.eye(2))
        ),
        "KL-divergence between two Multivariate Normals with",
    ),
    (
        lambda lib: lib.distributions.kl_divergence(
            lib.distributions.Independent(lib.distributions.Normal(lib.zeros(2, 3), 1.0), 1),
            lib.distributions.Independent(lib.distributions.Normal(lib.zeros(2, 3), 1.0), 2),
        ),
        "",
    ),
    (
        lambda lib: lib.distributions.Independent(
            lib.distributions.Bernoulli(lib.full((2,), 0.5)), 1
        ).enumerate_support(),
        "Enumeration over cartesian product is not implemented",
    ),
    (lambda lib: lib.distributions.Distribution(validate_args=False).mode, "does not implement mode"),
    (lambda lib: lib.distributions.Distribution(validate_args=False).entropy(), ""),
    (lambda lib: lib.distributions.Distribution.set_default_validate_args(2), ""),
    (lambda lib: lib.distributions.utils.vec_to_tril_matrix(lib.zeros(5)), "cannot be expressed as the lower"),
    (lambda lib: lib.distributions.utils.vec_to_tril_matrix(lib.zeros(4)), "shape mismatch: value tensor of shape"),
    (lambda lib: lib.distributions.utils.tril_matrix_to_vec(lib.zeros(3, 3), 3), "diag (3) provided is outside"),
]


@pytest.mark.parametrize("make,gist", ERRORS)
def test_errors_like_torch(make, gist):
    parity.raises_like(make, gist)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.distributions.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0])),
        lambda lib: lib.distributions.Bernoulli(0.3).log_prob(lib.tensor([0.0, 0.5])),
        lambda lib: lib.distributions.Categorical(logits=lib.zeros(2, 3)).log_prob(lib.tensor([1, 5])),
    ],
)
def test_validation_messages_are_torch_s_word_for_word(make):
    parity.raises_like(make, exact=True)


def test_validate_args_false_and_the_class_default():
    D = {lib: lib.distributions for lib in (torch, minitorch)}
    for lib, d in D.items():
        d.Normal(0.0, -1.0, validate_args=False)  # not checked
        d.Bernoulli(0.3, validate_args=False).log_prob(lib.tensor(0.5))
        assert d.Normal(0.0, -1.0, validate_args=False).expand((2,))._validate_args is False
    try:
        for d in D.values():
            d.Distribution.set_default_validate_args(False)
            d.Normal(0.0, -1.0)
    finally:
        for d in D.values():
            d.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        minitorch.distributions.Normal(0.0, -1.0)


def test_a_distribution_without_constraints_warns_when_validating_like_torch():
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
            d = lib.distributions.Distribution(lib.Size([2]))
        with pytest.warns(UserWarning, match="does not define `support`"):
            d._validate_sample(lib.zeros(2))


def test_sample_n_warns_like_torch():
    for lib in (torch, minitorch):
        with pytest.warns(FutureWarning, match="sample_n"):
            assert lib.distributions.Normal(lib.zeros(2), 1.0).sample_n(3).shape == (3, 2)


# --- utils ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("diag", [-1, 0, 1])
def test_tril_vector_round_trip_like_torch(diag):
    def fn(lib, mat):
        u = lib.distributions.utils
        vec = u.tril_matrix_to_vec(mat, diag)
        return vec, u.vec_to_tril_matrix(vec * 2, diag)

    both(fn, B)


def test_probability_helpers_like_torch():
    def fn(lib, x, p):
        u = lib.distributions.utils
        edges = lib.tensor([0.0, 0.5, 1.0], dtype=x.dtype)
        loc, scale = u.broadcast_all(x, 2.0)
        return (
            u.logits_to_probs(x),
            u.logits_to_probs(x, is_binary=True),
            u.probs_to_logits(p),
            u.probs_to_logits(p, is_binary=True),
            u.clamp_probs(edges),
            loc,
            scale,
        )

    both(fn, LOC, P)
    for lib in (torch, minitorch):
        assert [t.dtype for t in lib.distributions.utils.broadcast_all(1.0, 2)] == [lib.float32, lib.float32]


# --- devices ---------------------------------------------------------------------------------------------------------


def test_distributions_stay_on_the_parameters_device(device):
    D = minitorch.distributions
    rng = np.random.default_rng(5)
    loc, scale, logits = rng.normal(size=(2, 3)), rng.uniform(0.5, 1.5, size=(3,)), rng.normal(size=(2, 4))

    def build(on: str) -> list:
        t = {k: minitorch.tensor(v, device=on) for k, v in (("loc", loc), ("scale", scale), ("logits", logits))}
        dists = [
            D.Normal(t["loc"], t["scale"]),
            D.Categorical(logits=t["logits"]),
            D.Bernoulli(logits=t["loc"]),
            D.Uniform(t["loc"], t["loc"] + t["scale"]),
            D.Independent(D.Normal(t["loc"], t["scale"]), 1),
            D.MultivariateNormal(t["loc"], scale_tril=minitorch.diag_embed(t["scale"])),
        ]
        return dists

    for here, there in zip(build("cpu"), build(device)):
        minitorch.manual_seed(6)
        s = there.sample((5,))
        assert s.device == there.sample().device == minitorch.device(device)
        value = s.cpu()
        got = there.log_prob(value.to(device))
        assert got.device == minitorch.device(device)
        parity.assert_close(got.cpu(), here.log_prob(value), 1e-10, 1e-12, f"{type(here).__name__} log_prob")
        parity.assert_close(there.entropy().cpu(), here.entropy(), 1e-10, 1e-12, "entropy")
        parity.assert_close(D.kl_divergence(there, there).cpu(), D.kl_divergence(here, here), 1e-10, 1e-12, "kl")
