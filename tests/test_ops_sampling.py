"""normal, bernoulli and multinomial: their distributions (seeded, so the checks are deterministic), shapes,
dtypes, gradients (zero, as torch's) and node names, and torch's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests import parity

N = 40_000


def test_multinomial_with_replacement_draws_each_category_by_its_weight() -> None:
    minitorch.manual_seed(0)
    weights = np.array([[1.0, 2.0, 7.0, 0.0], [5.0, 0.0, 0.0, 5.0]])
    draws = minitorch.multinomial(minitorch.tensor(weights), N, replacement=True)
    assert draws.dtype is minitorch.int64 and tuple(draws.shape) == (2, N)
    for row, w in zip(draws.numpy(), weights):
        freq = np.bincount(row, minlength=4) / N
        np.testing.assert_allclose(freq, w / w.sum(), atol=0.01)
        assert freq[w == 0].sum() == 0  # an impossible category never comes up


def test_multinomial_without_replacement_draws_like_successive_picks() -> None:
    """The first pick by the weights, the second by the weights of what is left; never the same twice."""
    minitorch.manual_seed(1)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    p = w / w.sum()
    rows = minitorch.tensor(np.tile(w, (N, 1)))
    draws = minitorch.multinomial(rows, 2).numpy()
    assert (draws[:, 0] != draws[:, 1]).all()
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=4) / N, p, atol=0.01)
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j) for j in range(4)])
    np.testing.assert_allclose(np.bincount(draws[:, 1], minlength=4) / N, second, atol=0.01)
    full = minitorch.multinomial(minitorch.tensor(w), 4).numpy()
    assert sorted(full.tolist()) == [0, 1, 2, 3] and full.shape == (4,)


def test_samples_follow_the_seed_and_the_generator() -> None:
    probs = minitorch.tensor([0.2, 0.3, 0.5])
    runs = []
    for _ in range(2):
        minitorch.manual_seed(7)
        runs.append((minitorch.multinomial(probs, 5, True).numpy(), minitorch.normal(0.0, 1.0, (3,)).numpy()))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    g = minitorch.Generator().manual_seed(3)
    a = minitorch.bernoulli(minitorch.full((8,), 0.5), generator=g)
    g.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), minitorch.bernoulli(minitorch.full((8,), 0.5), generator=g).numpy())


@pytest.mark.parametrize(
    "expr, shape",
    [
        ("lib.normal(2.0, 3.0, (N,))", (N,)),
        ("lib.normal(lib.full((N,), 2.0), 3.0)", (N,)),
        ("lib.normal(2.0, lib.full((N,), 3.0))", (N,)),
        ("lib.normal(lib.full((N, 1), 2.0), lib.full((2,), 3.0))", (N, 2)),
    ],
)
def test_normal_overloads_draw_from_the_distribution(expr: str, shape: tuple) -> None:
    minitorch.manual_seed(0)
    got = eval(expr, {"lib": minitorch, "N": N})
    want = eval(expr, {"lib": torch, "N": N})
    assert tuple(got.shape) == tuple(want.shape) == shape and got.dtype.name == str(want.dtype).split(".")[1]
    assert abs(got.numpy().mean() - 2.0) < 0.05 and abs(got.numpy().std() - 3.0) < 0.05


def test_bernoulli_draws_ones_with_the_given_probability() -> None:
    minitorch.manual_seed(0)
    probs = np.array([0.0, 0.25, 0.9, 1.0])
    out = minitorch.bernoulli(minitorch.tensor(np.tile(probs, (N, 1)), dtype=minitorch.float64))
    assert out.dtype is minitorch.float64
    np.testing.assert_allclose(out.numpy().mean(0), probs, atol=0.01)
    assert set(np.unique(out.numpy())) <= {0.0, 1.0}
    fixed = minitorch.bernoulli(minitorch.zeros(N), 0.75)
    assert abs(fixed.numpy().mean() - 0.75) < 0.01
    assert set(np.unique(minitorch.rand(100).bernoulli().numpy())) <= {0.0, 1.0}


@pytest.mark.parametrize(
    "expr",
    [
        "lib.normal(m, 2.0)",
        "lib.normal(1.0, s)",
        "lib.normal(m, s)",
        "lib.bernoulli(q)",
    ],
)
def test_parameters_get_torch_s_zero_gradient_and_node(expr: str) -> None:
    seen = []
    for lib in (torch, minitorch):
        m = lib.zeros(2, 3, requires_grad=True)
        s = lib.ones(3, requires_grad=True)
        q = lib.full((2, 3), 0.5, requires_grad=True)
        out = eval(expr, {"lib": lib, "m": m, "s": s, "q": q})
        (out * 3).sum().backward()
        grads = [t.grad for t in (m, s, q)]
        seen.append(
            (type(out.grad_fn).__name__, [None if g is None else g.numpy().tolist() for g in grads], out.requires_grad)
        )
    assert seen[0] == seen[1]


@pytest.mark.parametrize(
    "expr",
    [
        "lib.multinomial(lib.tensor([0.5, 0.5]), 3)",
        "lib.multinomial(lib.tensor([-0.5, 0.5]), 1)",
        "lib.multinomial(lib.tensor([float('nan'), 0.5]), 1)",
        "lib.multinomial(lib.tensor([0.0, 0.0]), 1)",
        "lib.multinomial(lib.ones(2, 2, 2), 1)",
        "lib.multinomial(lib.ones(3), 0)",
        "lib.multinomial(lib.tensor([1, 2]), 1)",
        "lib.normal(lib.zeros(3), -1.0)",
        "lib.normal(lib.zeros(3), -lib.ones(3))",
        "lib.normal(0.0, -2.0, (3,))",
        "lib.bernoulli(lib.tensor([0.5, 1.5]))",
        "lib.bernoulli(lib.tensor([1, 0]))",
        "lib.bernoulli(lib.zeros(2), 2.0)",
    ],
)
def test_bad_input_raises_as_torch(expr: str) -> None:
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


@pytest.mark.parametrize(
    "weights",
    [
        "[1.0, float('inf')]",
        "[1.0, float('nan')]",
        "[-1.0, float('inf')]",
        "[float('inf'), -1.0]",
        "[[0.0, 0.0], [1.0, -1.0]]",
        "[[1.0, 2.0], [1.0, -1.0]]",
    ],
)
@pytest.mark.parametrize("draws", [1, 5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bad_weights_give_torch_s_message_on_each_path(weights: str, draws: int, dtype: str) -> None:
    """torch words the check differently for repeated draws with replacement (row by row, entry by entry)."""
    parity.raises_like(
        lambda lib: lib.multinomial(lib.tensor(eval(weights), dtype=getattr(lib, dtype)), draws, True), exact=True
    )


def test_multinomial_on_the_off_host_device(offhost: Any) -> None:
    minitorch.manual_seed(0)
    w = minitorch.tensor([[0.0, 1.0, 3.0]]).to(offhost)
    draws = minitorch.multinomial(w, 1000, replacement=True)
    assert str(draws.device) == str(w.device)
    np.testing.assert_allclose(np.bincount(draws.cpu().numpy()[0], minlength=3) / 1000, [0.0, 0.25, 0.75], atol=0.05)


@pytest.mark.parametrize(
    "name,args",
    [("exponential_", (2.0,)), ("geometric_", (0.3,)), ("cauchy_", (1.0, 0.5)), ("log_normal_", (0.5, 0.4))],
)
def test_inverse_cdf_fills_follow_torch_s_distributions(name, args):
    """200,000 samples each: their deciles within sampling error of torch's, in place, dtype kept."""
    minitorch.manual_seed(3)
    torch.manual_seed(3)
    mine = minitorch.zeros(200_000, dtype=minitorch.float64)
    version = mine._version
    assert getattr(mine, name)(*args) is mine and mine._version > version
    want = getattr(torch.zeros(200_000, dtype=torch.float64), name)(*args).numpy()
    q = [0.1, 0.25, 0.5, 0.75, 0.9]
    got_q, want_q = np.quantile(mine.numpy(), q), np.quantile(want, q)
    spread = np.quantile(want, 0.9) - np.quantile(want, 0.1)
    np.testing.assert_allclose(got_q, want_q, atol=0.02 * spread)
    if name == "geometric_":
        assert mine.numpy().min() >= 1 and np.all(mine.numpy() == np.round(mine.numpy()))


@pytest.mark.parametrize(
    "expr",
    [
        "lib.zeros(3).exponential_(0)",
        "lib.zeros(3).exponential_(-1.5)",
        "lib.zeros(3).geometric_(0)",
        "lib.zeros(3).geometric_(1.5)",
        "lib.zeros(3).cauchy_(0, 0)",
        "lib.zeros(3).log_normal_(1, -1)",
        "lib.zeros(3, dtype=lib.int64).exponential_()",
        "lib.zeros(3, dtype=lib.int64).cauchy_()",
        "lib.zeros(3, dtype=lib.int64).log_normal_()",
    ],
)
def test_inverse_cdf_fills_refuse_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}), exact=True)


def test_poisson_draws_each_rate_with_zero_gradients_as_torch():
    minitorch.manual_seed(5)
    rates = minitorch.tensor([0.0, 0.5, 3.0, 40.0], dtype=minitorch.float64, requires_grad=True)
    draws = minitorch.poisson(rates.expand(N, 4))
    assert draws.dtype is minitorch.float64 and type(draws.grad_fn).__name__ == "PoissonBackward0"
    samples = draws.detach().numpy()
    assert np.all(samples == np.round(samples)) and np.all(samples[:, 0] == 0)
    np.testing.assert_allclose(samples.mean(0), [0.0, 0.5, 3.0, 40.0], rtol=0.03, atol=0.01)  # mean = rate
    np.testing.assert_allclose(samples.var(0), [0.0, 0.5, 3.0, 40.0], rtol=0.05, atol=0.01)  # and variance
    draws.sum().backward()
    np.testing.assert_array_equal(rates.grad.numpy(), np.zeros(4))
    assert type(torch.poisson(torch.ones(2, requires_grad=True)).grad_fn).__name__ == "PoissonBackward0"


@pytest.mark.parametrize(
    "expr",
    ["lib.poisson(lib.tensor([-1.0]))", "lib.poisson(lib.tensor([1, 2]))", "lib.poisson(lib.tensor([float('nan')]))"],
)
def test_poisson_refuses_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}), exact=True)
