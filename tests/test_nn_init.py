"""nn.init and the layers' default initialisation: the same distributions as torch's (fixed seeds)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like

# Default initialisation: weight and bias both uniform on +-1/sqrt(fan_in).
DEFAULTS = {
    "Linear(400, 120)": (lambda nn: nn.Linear(400, 120), 400),
    "Linear(16, 3000)": (lambda nn: nn.Linear(16, 3000), 16),
    "Conv2d(6, 16, 5)": (lambda nn: nn.Conv2d(6, 16, 5), 150),
    "Conv2d(8, 1024, 3, groups=4)": (lambda nn: nn.Conv2d(8, 1024, 3, groups=4), 18),
}


def _check_uniform(values: np.ndarray, bound: float, what: str) -> None:
    """Samples look like U(-bound, bound): inside it, reaching it, with its mean and spread."""
    n = values.size
    a = np.abs(values)
    assert a.max() <= bound * (1 + 1e-6), f"{what}: {a.max()} outside the bound {bound}"
    assert a.max() >= bound * (1 - 12 / n), f"{what}: max {a.max()} far below the bound {bound}"
    std = bound / math.sqrt(3)
    # five standard errors: the sample std of a uniform has relative error 0.447/sqrt(n)
    assert abs(values.std() / std - 1) < 2.3 / math.sqrt(n), f"{what}: std {values.std()} vs {std}"
    assert abs(values.mean()) < 5 * std / math.sqrt(n), f"{what}: mean {values.mean()}"


@pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
@pytest.mark.parametrize("make, fan_in", DEFAULTS.values(), ids=list(DEFAULTS))
def test_default_init_is_uniform_on_inverse_sqrt_fan_in(lib: Any, make: Callable, fan_in: int) -> None:
    # torch itself runs too: it pins down that the expectation is torch's behaviour.
    lib.manual_seed(0)
    layer = make(lib.nn)
    for name, p in layer.named_parameters():
        assert p.requires_grad and p.is_leaf
        _check_uniform(p.detach().numpy().astype(np.float64), 1 / math.sqrt(fan_in), name)


def test_default_init_is_reproducible_from_the_seed() -> None:
    def weights(seed: int) -> np.ndarray:
        minitorch.manual_seed(seed)
        return minitorch.nn.Conv2d(3, 4, 3).weight.detach().numpy().copy()

    assert np.array_equal(weights(7), weights(7))
    assert not np.array_equal(weights(7), weights(8))


SHAPE = (64, 32, 3, 3)  # fan_in 288, fan_out 576
INITS = {
    "uniform_": (lambda init, t: init.uniform_(t, -0.3, 0.7), "uniform"),
    "normal_": (lambda init, t: init.normal_(t, 0.5, 2.0), "normal"),
    "kaiming_uniform_": (lambda init, t: init.kaiming_uniform_(t), "uniform"),
    "kaiming_uniform_ relu fan_out": (
        lambda init, t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
        "uniform",
    ),
    "kaiming_uniform_ a=sqrt(5)": (lambda init, t: init.kaiming_uniform_(t, a=math.sqrt(5)), "uniform"),
    "kaiming_normal_": (lambda init, t: init.kaiming_normal_(t, nonlinearity="relu"), "normal"),
    "kaiming_normal_ fan_out": (lambda init, t: init.kaiming_normal_(t, a=0.2, mode="fan_out"), "normal"),
    "xavier_uniform_": (lambda init, t: init.xavier_uniform_(t), "uniform"),
    "xavier_uniform_ tanh gain": (lambda init, t: init.xavier_uniform_(t, gain=init.calculate_gain("tanh")), "uniform"),
    "xavier_normal_": (lambda init, t: init.xavier_normal_(t, gain=2.0), "normal"),
}


def _stats(lib: Any, fill: Callable) -> tuple:
    lib.manual_seed(1)
    t = lib.empty(*SHAPE, dtype=lib.float64)
    assert fill(lib.nn.init, t) is t  # in place, returning the tensor
    v = t.numpy()
    return v.min(), v.max(), v.mean(), v.std()


@pytest.mark.parametrize("fill, kind", INITS.values(), ids=list(INITS))
def test_init_functions_match_torch_statistics(fill: Callable, kind: str) -> None:
    lo, hi, mean, std = _stats(minitorch, fill)
    t_lo, t_hi, t_mean, t_std = _stats(torch, fill)
    n = math.prod(SHAPE)
    assert abs(std / t_std - 1) < 2 * 3.2 / math.sqrt(n)  # both within five standard errors of the truth
    assert abs(mean - t_mean) < 2 * 5 * t_std / math.sqrt(n)
    if kind == "uniform":  # the same support: with n samples both extremes lie within ~width/n of its ends
        width = t_hi - t_lo
        assert abs(lo - t_lo) < width * 1e-3 and abs(hi - t_hi) < width * 1e-3


@pytest.mark.parametrize(
    "name, value, fill",
    [
        ("constant_", 0.25, lambda init, t: init.constant_(t, 0.25)),
        ("zeros_", 0.0, lambda init, t: init.zeros_(t)),
        ("ones_", 1.0, lambda init, t: init.ones_(t)),
    ],
)
def test_constant_fills(name: str, value: float, fill: Callable) -> None:
    p = minitorch.nn.Parameter(minitorch.randn(3, 2))
    assert fill(minitorch.nn.init, p) is p
    assert np.all(p.detach().numpy() == value) and p.grad_fn is None and p.requires_grad


def test_init_on_parameter_records_no_graph() -> None:
    p = minitorch.nn.Linear(3, 2).weight
    minitorch.nn.init.xavier_normal_(p)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_init_uses_the_given_generator() -> None:
    def draw(seed: int) -> np.ndarray:
        t = minitorch.empty(100)
        minitorch.nn.init.normal_(t, generator=minitorch.Generator().manual_seed(seed))
        return t.numpy().copy()

    assert np.array_equal(draw(3), draw(3)) and not np.array_equal(draw(3), draw(4))


@pytest.mark.parametrize(
    "args",
    [
        ("linear",),
        ("conv2d",),
        ("sigmoid",),
        ("tanh",),
        ("relu",),
        ("selu",),
        ("leaky_relu",),
        ("leaky_relu", 0.2),
        ("leaky_relu", 1),
        ("leaky_relu", True),
        ("gelu",),
    ],
)
def test_calculate_gain_matches_torch(args: tuple) -> None:
    def gain(lib: Any) -> Any:
        try:
            return lib.nn.init.calculate_gain(*args)
        except ValueError as e:
            return str(e)

    assert gain(minitorch) == gain(torch)


@pytest.mark.parametrize("shape", [(3,), (5, 3), (4, 3, 2), (8, 4, 3, 5)])
def test_fan_in_and_fan_out_match_torch(shape: tuple) -> None:
    def fans(lib: Any) -> Any:
        try:
            return lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(*shape))
        except ValueError as e:
            return str(e)

    assert fans(minitorch) == fans(torch)


def test_kaiming_on_empty_tensor_warns_and_does_nothing() -> None:
    t = minitorch.empty(0, 3)
    with pytest.warns(UserWarning, match="zero-element"):
        assert minitorch.nn.init.kaiming_uniform_(t) is t


def test_every_torch_init_but_sparse_exists() -> None:
    missing = [n for n in torch.nn.init.__all__ if n not in ("sparse", "sparse_") and not hasattr(minitorch.nn.init, n)]
    assert missing == []


@pytest.mark.parametrize(
    "nonlinearity", ["linear", "conv1d", "conv_transpose3d", "sigmoid", "tanh", "relu", "selu", "leaky_relu"]
)
def test_calculate_gain_has_torch_types(nonlinearity: str) -> None:
    got, want = minitorch.nn.init.calculate_gain(nonlinearity), torch.nn.init.calculate_gain(nonlinearity)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (6, 1), (0, 4)])
def test_eye_matches_torch(shape: tuple) -> None:
    made = {}
    for lib in (torch, minitorch):
        t = lib.full(shape, 7.0, requires_grad=True)
        assert lib.nn.init.eye_(t) is t and t.requires_grad and t.is_leaf
        made[lib] = t.detach().numpy()
    np.testing.assert_array_equal(made[minitorch], made[torch])


@pytest.mark.parametrize(
    "shape, groups",
    [((4, 3, 5), 1), ((6, 2, 3, 3), 1), ((6, 2, 3, 4), 2), ((4, 4, 2, 3, 3), 4), ((2, 5, 1, 1), 1), ((8, 1, 5, 5), 4)],
)
def test_dirac_matches_torch(shape: tuple, groups: int) -> None:
    made = {}
    for lib in (torch, minitorch):
        t = lib.full(shape, 7.0, dtype=lib.float64)
        assert lib.nn.init.dirac_(t, groups=groups) is t
        made[lib] = t.numpy()
    np.testing.assert_array_equal(made[minitorch], made[torch])


@pytest.mark.parametrize(
    "fill",
    [
        lambda lib: lib.nn.init.eye_(lib.empty(2, 2, 2)),
        lambda lib: lib.nn.init.eye_(lib.empty(3)),
        lambda lib: lib.nn.init.dirac_(lib.empty(3, 3)),
        lambda lib: lib.nn.init.dirac_(lib.empty(3, 3, 3, 3, 3, 3)),
        lambda lib: lib.nn.init.dirac_(lib.empty(5, 2, 3), groups=2),
        lambda lib: lib.nn.init.orthogonal_(lib.empty(4)),
    ],
    ids=["eye-3d", "eye-1d", "dirac-2d", "dirac-6d", "dirac-groups", "orthogonal-1d"],
)
def test_init_errors_match_torch(fill: Callable) -> None:
    raises_like(fill, exact=True)


@pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
@pytest.mark.parametrize("shape, gain", [((5, 3), 1.0), ((3, 5), 2.0), ((4, 2, 3), 0.5), ((64, 64), 1.0)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_orthogonal_is_orthogonal(lib: Any, shape: tuple, gain: float, dtype: str) -> None:
    lib.manual_seed(3)
    t = lib.empty(*shape, dtype=getattr(lib, dtype), requires_grad=True)
    assert lib.nn.init.orthogonal_(t, gain=gain) is t and t.is_leaf and t.grad_fn is None
    q = t.detach().numpy().astype(np.float64).reshape(shape[0], -1) / gain
    small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-12 if dtype == "float64" else 1e-5)
    if shape == (64, 64):
        # Haar-distributed (uniform over orthogonal matrices): the diagonal averages 0 within ~1/n. Without the
        # sign correction of QR's factors it averages about -0.07 at this size.
        diagonals = [
            np.diag(lib.nn.init.orthogonal_(lib.empty(64, 64, dtype=lib.float64)).numpy()).mean() for _ in range(4)
        ]
        assert abs(np.mean(diagonals)) < 4 / 64 / 2


def test_orthogonal_follows_the_generator_and_skips_empty() -> None:
    def draw(seed: int) -> np.ndarray:
        return (
            minitorch.nn.init.orthogonal_(minitorch.empty(4, 4), generator=minitorch.Generator().manual_seed(seed))
            .numpy()
            .copy()
        )

    assert np.array_equal(draw(1), draw(1)) and not np.array_equal(draw(1), draw(2))
    assert minitorch.nn.init.orthogonal_(minitorch.empty(0, 3)).shape == (0, 3)


def _truncated_moments(mean: float, std: float, a: float, b: float) -> tuple:
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / z
    var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    return m, var


@pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
@pytest.mark.parametrize(
    "mean, std, a, b",
    [
        (0.0, 1.0, -2.0, 2.0),
        (0.0, 0.02, -0.04, 0.04),
        (0.5, 1.0, 0.0, 3.0),
        (0.0, 1.0, 1.0, 1.5),
        (2.0, 0.5, -1.0, 1.0),
    ],
    ids=["default", "vit-style", "shifted", "narrow-tail", "mean-outside"],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_trunc_normal_stays_in_bounds_with_the_truncated_moments(
    lib: Any, mean: float, std: float, a: float, b: float, dtype: str
) -> None:
    # "narrow-tail" and "mean-outside" hold under 30 % of the mass: torch's uniform-proposal branch
    lib.manual_seed(5)
    t = lib.empty(200, 100, dtype=getattr(lib, dtype))
    assert lib.nn.init.trunc_normal_(t, mean, std, a, b) is t
    v = t.numpy().astype(np.float64)
    assert v.min() >= a and v.max() <= b
    want_mean, want_var = _truncated_moments(mean, std, a, b)
    n = v.size
    assert abs(v.mean() - want_mean) < 5 * math.sqrt(want_var / n)
    assert abs(v.var() / want_var - 1) < 5 * math.sqrt(2 / n) * 1.5  # truncation lightens the tails: 1.5 is ample
    assert (b - a) * 0.01 > min(v.min() - a, b - v.max())  # the samples reach toward the bounds


def test_trunc_normal_warns_when_the_mean_is_far_outside_like_torch() -> None:
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="mean is more than 2 std from"):
            lib.nn.init.trunc_normal_(lib.empty(10), mean=5.0, std=1.0, a=-1.0, b=1.0)


DEPRECATED = {
    "uniform": lambda init, t: init.uniform(t),
    "normal": lambda init, t: init.normal(t),
    "constant": lambda init, t: init.constant(t, 0.5),
    "eye": lambda init, t: init.eye(t),
    "dirac": lambda init, t: init.dirac(t),
    "xavier_uniform": lambda init, t: init.xavier_uniform(t),
    "xavier_normal": lambda init, t: init.xavier_normal(t),
    "kaiming_uniform": lambda init, t: init.kaiming_uniform(t),
    "kaiming_normal": lambda init, t: init.kaiming_normal(t),
    "orthogonal": lambda init, t: init.orthogonal(t),
}


@pytest.mark.parametrize("name", list(DEPRECATED))
def test_deprecated_names_warn_like_torch(name: str) -> None:
    shape = (3, 2, 3) if name == "dirac" else (3, 4)
    for lib in (torch, minitorch):
        t = lib.empty(*shape)
        with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`"):
            assert DEPRECATED[name](lib.nn.init, t) is t
