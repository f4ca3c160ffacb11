"""tensordot, inner, dist, atleast_1d/2d/3d, isin, isneginf, isposinf, signbit against torch: values, gradients
(float64 and float32, plus finite differences), node names where torch records one op, and torch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
from tests import parity

RNG = np.random.default_rng(0)
A, B, C = RNG.uniform(-1, 1, (2, 3, 4)), RNG.uniform(-1, 1, (3, 4, 5)), RNG.uniform(-1, 1, (4, 3))


@pytest.mark.parametrize(
    "expr",
    [
        "lib.tensordot(a, b, dims=2)",
        "lib.tensordot(a, c, dims=1)",
        "lib.tensordot(a, b, dims=([1, 2], [0, 1]))",
        "lib.tensordot(a, c, dims=([2, 1], [0, 1]))",
        "lib.tensordot(a, b, dims=0).sum(-1)",
        "lib.inner(a, c.t())",
        "a[0].inner(a[1])",
        "lib.inner(a, lib.tensor(2.0, dtype=a.dtype))",
        "lib.dist(a, c.t()[None])",
        "a.dist(a * 2, 1)",
        "lib.dist(a, c.t()[None], float('inf'))",
        "lib.dist(a, c.t()[None], 3)",
    ],
)
def test_products_and_dist_match_torch(expr):
    parity.check_both(lambda lib, a, b, c: eval(expr, {"lib": lib, "a": a, "b": b, "c": c}), A, B, C)


def test_dist_records_torch_s_node():
    for lib in (torch, minitorch):
        out = lib.dist(lib.tensor(A, requires_grad=True), lib.tensor(A * 2))
        assert type(out.grad_fn).__name__ == "DistBackward0"


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_reshapes_as_torch(name):
    for shape in [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]:
        x = RNG.uniform(-1, 1, shape)
        parity.check_parity(lambda lib, t: getattr(lib, name)(t) * 2, x)
        got, want = getattr(minitorch, name)(minitorch.tensor(x)), getattr(torch, name)(torch.tensor(x))
        assert tuple(got.shape) == tuple(want.shape)
    pair = getattr(minitorch, name)(minitorch.ones(2), minitorch.tensor(1.0))
    listed = getattr(minitorch, name)([minitorch.ones(2)])
    want = getattr(torch, name)(torch.ones(2), torch.tensor(1.0))
    assert isinstance(pair, tuple) and [tuple(t.shape) for t in pair] == [tuple(t.shape) for t in want]
    assert isinstance(listed, tuple) and len(listed) == 1


@pytest.mark.parametrize(
    "expr",
    [
        "lib.isin(lib.tensor([1, 2, 3, 2]), lib.tensor([2, 5]))",
        "lib.isin(lib.tensor([1, 2, 3]), 2)",
        "lib.isin(lib.tensor([1.5, 2.0]), lib.tensor([2, 3]), invert=True)",
        "lib.isneginf(lib.tensor([float('-inf'), 1.0, float('inf'), float('nan')]))",
        "lib.tensor([float('-inf'), 1.0, float('inf')]).isposinf()",
        "lib.isposinf(lib.tensor([1, 2]))",
        "lib.signbit(lib.tensor([-0.0, 0.0, -2.0, 3.0, float('-inf')]))",
        "lib.tensor([-1, 0, 2]).signbit()",
    ],
)
def test_predicates_match_torch(expr):
    got = eval(expr, {"lib": minitorch})
    want = eval(expr, {"lib": torch})
    assert got.dtype is minitorch.bool and got.tolist() == want.tolist() and not got.requires_grad


@pytest.mark.parametrize(
    "expr",
    [
        "lib.tensordot(lib.ones(2, 3), lib.ones(4, 5), dims=1)",
        "lib.tensordot(lib.ones(2, 3), lib.ones(3, 5), dims=([1], [0, 1]))",
        "lib.tensordot(lib.ones(2, 3), lib.ones(3, 5), dims=-1)",
        "lib.inner(lib.ones(2, 3), lib.ones(4))",
    ],
)
def test_bad_input_raises_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


@pytest.mark.parametrize(
    "expr",
    [
        "lib.linalg.cross(x, y)",
        "lib.cross(x, y, dim=1)",
        "lib.linalg.cross(x.t(), y.t(), dim=0)",
        "x.cross(y.expand(4, 3), dim=-1) * x",
    ],
)
def test_cross_matches_torch(expr):
    x, y = RNG.uniform(-1, 1, (4, 3)), RNG.uniform(-1, 1, (1, 3))
    parity.check_both(lambda lib, a, b: eval(expr, {"lib": lib, "x": a, "y": b}), x, y)
    for lib in (torch, minitorch):
        out = eval(expr.replace(" * x", ""), {"lib": lib, "x": lib.tensor(x, requires_grad=True), "y": lib.tensor(y)})
        assert type(out.grad_fn).__name__ == "LinalgCrossBackward0"


def test_cross_without_dim_takes_the_first_dim_of_size_3_with_torch_s_warning():
    x, y = RNG.uniform(-1, 1, (3, 2)), RNG.uniform(-1, 1, (3, 2))
    results = []
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
            results.append(lib.cross(lib.tensor(x), lib.tensor(y)).numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


@pytest.mark.parametrize(
    "expr",
    [
        "lib.linalg.cross(lib.ones(2, 4), lib.ones(2, 4))",
        "lib.linalg.cross(lib.ones(2, 3), lib.ones(3, 3))",
        "lib.linalg.cross(lib.ones(3), lib.ones(2, 3))",
        "lib.cross(lib.ones(2, 4), lib.ones(2, 4), dim=1)",
    ],
)
def test_cross_refuses_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


@pytest.mark.parametrize(
    "expr",
    [
        "lib.std_mean(x)",
        "lib.var_mean(x, dim=1)",
        "lib.std_mean(x, 0, keepdim=True)",
        "lib.var_mean(x, correction=0)",
        "lib.std_mean(x, True)",
        "lib.var_mean(x, (0, 1), keepdim=True)",
    ],
)
def test_std_mean_and_var_mean_are_one_node_as_torch(expr):
    """Both results from one node (StdMeanBackward0, VarMeanBackward0); either result's gradient alone, or both."""
    x = RNG.uniform(-1, 1, (3, 4))
    parity.check_both(lambda lib, t: eval(expr, {"lib": lib, "x": t}), x)
    parity.check_parity(lambda lib, t: eval(expr, {"lib": lib, "x": t})[1] * 2, x)
    for lib in (torch, minitorch):
        spread, mean = eval(expr, {"lib": lib, "x": lib.tensor(x, requires_grad=True)})
        assert spread.grad_fn is mean.grad_fn and type(mean.grad_fn).__name__ in (
            "StdMeanBackward0",
            "VarMeanBackward0",
        )


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf"), 0.5])
@pytest.mark.parametrize("shapes", [((4, 3), (5, 3)), ((2, 4, 3), (2, 5, 3)), ((1, 3, 2), (4, 2, 2))])
def test_cdist_matches_torch(p, shapes):
    """Distances between every pair of rows (batch dims broadcast), with torch's gradients and node; sizes
    below 25 rows, where torch computes from the differences too (above, its matrix-product formula rounds
    differently in float32)."""
    x1, x2 = RNG.uniform(-1, 1, shapes[0]), RNG.uniform(-1, 1, shapes[1])
    parity.check_both(lambda lib, a, b: lib.cdist(a, b, p), x1, x2)
    out = minitorch.cdist(minitorch.tensor(x1, requires_grad=True), minitorch.tensor(x2), p)
    assert type(out.grad_fn).__name__ == "CdistBackward0"


@pytest.mark.parametrize(
    "expr",
    [
        "lib.cdist(lib.ones(3), lib.ones(3))",
        "lib.cdist(lib.ones(2, 3), lib.ones(2, 4))",
        "lib.cdist(lib.ones(2, 3), lib.ones(2, 3), p=-1)",
        "lib.cdist(lib.ones(2, 3, dtype=lib.long), lib.ones(2, 3, dtype=lib.long))",
    ],
)
def test_cdist_refuses_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


NANS = np.array([[1.5, np.nan, -3.0, 0.25], [np.nan, np.nan, 2.0, -0.5], [0.5, 1.0, np.nan, 4.0]])


@pytest.mark.parametrize(
    "expr",
    [
        "lib.nansum(x)",
        "x.nansum(1)",
        "lib.nansum(x, (0, 1), keepdim=True)",
        "lib.nanmean(x)",
        "x.nanmean(0, keepdim=True)",
        "lib.nanmean(x, dim=-1)",
        "lib.fmax(x, y)",
        "x.fmin(y)",
        "lib.fmax(x, x.flip(0))",
        "lib.copysign(y, x)",
    ],
)
def test_nan_aware_functions_skip_nan_like_torch(expr):
    """NaN inputs: nansum/nanmean skip them (gradient 0 there), fmax/fmin take the number, copysign reads the
    sign bit of NaN as IEEE does."""
    y = np.where(np.isnan(NANS), 0.75, -NANS[::-1])
    parity.check_both(lambda lib, x, y: eval(expr, {"lib": lib, "x": x, "y": y}), NANS, y, gradcheck=False)


def test_nan_aware_functions_record_torch_s_nodes():
    for lib in (torch, minitorch):
        x = lib.tensor(NANS, requires_grad=True)
        names = [type(f(x).grad_fn).__name__ for f in (lib.nansum, lib.nanmean, lambda t: lib.fmax(t, t), lib.sinc)]
        names += [type(lib.copysign(x, -1.0).grad_fn).__name__, type(lib.copysign(x, x).grad_fn).__name__]
        if lib is torch:
            want = names
    assert (
        names
        == want
        == [
            "NansumBackward0",
            "DivBackward0",
            "FmaxBackward0",
            "SincBackward0",
            "CopysignBackward1",
            "CopysignBackward0",
        ]
    )


@pytest.mark.parametrize(
    "expr",
    [
        "lib.nanmean(lib.tensor([1, 2]))",
        "lib.fmax(lib.ones(2), 1.0)",
        "lib.fmin(lib.ones(2), lib.ones(3))",
        "lib.copysign(1.0, lib.ones(2))",
        "lib.nansum(lib.ones(2, 3), 2)",
    ],
)
def test_nan_aware_functions_refuse_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


def test_integer_inputs_give_torch_s_dtypes():
    a, b = [3, -2, 0], [-1, 1, -1]
    for expr in (
        "lib.nansum(lib.tensor(a))",
        "lib.fmax(lib.tensor(a), lib.tensor(b))",
        "lib.copysign(lib.tensor(a), lib.tensor(b))",
    ):
        want, got = (eval(expr, {"lib": lib, "a": a, "b": b}) for lib in (torch, minitorch))
        assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist(), expr


@pytest.mark.parametrize(
    "expr",
    [
        "x.index_put((lib.tensor([0, 2]), lib.tensor([1, 3])), v[:2])",
        "x.index_put((lib.tensor([2, 0]),), v[:2, None].expand(2, 4) * 1.0)",
        "x.index_put((lib.tensor([1, 1, 0]),), v[:4], accumulate=True)",
        "x.index_put((lib.tensor([[0, 2], [2, 2]]), lib.tensor([1, 3])), v[0], accumulate=True)",
        "lib.index_put(x, (lib.tensor([True, False, True]),), v[:4])",
        "x.clone().index_put_((lib.tensor([2, 0, 2]), lib.tensor([3, 3, 3])), v[:3], accumulate=True)",
    ],
)
def test_index_put_matches_torch(expr):
    x, v = RNG.uniform(-1, 1, (3, 4)), RNG.uniform(-1, 1, 5)
    parity.check_both(lambda lib, x, v: eval(expr, {"lib": lib, "x": x, "v": v}), x, v)


def test_index_put_and_advanced_writes_record_torch_s_node():
    for lib in (torch, minitorch):
        base = lib.zeros(3, 4, requires_grad=True)
        v = lib.ones(2, requires_grad=True)
        y = base * 1
        y.index_put_((lib.tensor([0, 0]), lib.tensor([1, 1])), v, accumulate=True)
        z = base * 1
        z[lib.tensor([0, 2])] = 2.0
        assert type(y.grad_fn).__name__ == type(z.grad_fn).__name__ == "IndexPutBackward0"
        assert y[0, 1].item() == 2.0


@pytest.mark.parametrize(
    "expr",
    [
        "lib.zeros(3).index_put_([lib.tensor([1])], lib.ones(2))",
        "lib.zeros(3).index_put_(lib.tensor([1]), lib.ones(1))",
        "lib.zeros(3).index_put_((lib.tensor([5]),), lib.ones(1))",
        "lib.zeros(3).index_put_((lib.tensor([1.0]),), lib.ones(1))",
    ],
)
def test_index_put_refuses_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


FW, AW = np.array([1, 0, 2, 3, 1, 1]), np.array([0.5, 0.25, 1.0, 0.75, 0.1, 0.9])


@pytest.mark.parametrize(
    "expr",
    [
        "lib.cov(x)",
        "x[0].cov()",
        "lib.cov(x, correction=0)",
        "lib.cov(x, correction=2)",
        "lib.cov(x, fweights=lib.tensor(fw))",
        "lib.cov(x, aweights=lib.tensor(aw, dtype=x.dtype))",
        "lib.cov(x.t()[:3], fweights=lib.tensor(fw[:3]), aweights=lib.tensor(aw[:3], dtype=x.dtype))",
        "lib.corrcoef(x)",
        "x.corrcoef()",
        "lib.corrcoef(x[1])",
    ],
)
def test_cov_and_corrcoef_match_torch(expr):
    x = RNG.uniform(-1, 1, (3, 6))
    parity.check_both(lambda lib, x: eval(expr, {"lib": lib, "x": x, "fw": FW, "aw": AW}), x)


def test_cov_records_torch_s_nodes_and_warns_as_torch():
    for lib in (torch, minitorch):
        x = lib.tensor(RNG.uniform(-1, 1, (3, 6)), requires_grad=True)
        assert type(lib.cov(x).grad_fn).__name__ == "SqueezeBackward0"
        assert type(lib.corrcoef(x).grad_fn).__name__ == "ClampBackward1"
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            out = lib.cov(x[:, :1])
        assert out.isinf().all() or out.isnan().all()


@pytest.mark.parametrize(
    "expr",
    [
        "lib.cov(lib.ones(2, 2, 2))",
        "lib.cov(lib.ones(2, 3, dtype=lib.bool))",
        "lib.cov(lib.ones(2, 3), fweights=lib.ones(3))",
        "lib.cov(lib.ones(2, 3), aweights=lib.ones(3, dtype=lib.int64))",
        "lib.cov(lib.ones(2, 3), fweights=lib.tensor([1, 2]))",
        "lib.cov(lib.ones(2, 3), fweights=lib.tensor([1, -2, 1]))",
        "lib.cov(lib.ones(2, 3), fweights=lib.tensor([0, 0, 0]))",
        "lib.corrcoef(lib.ones(2, 2, 2))",
    ],
)
def test_cov_refuses_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


def test_erfc_and_erfinv_match_torch_at_the_edges():
    """erfc far into its tail (no 1 - erf cancellation) and at the split; erfinv near and at +-1, outside, NaN."""
    x = [-30.0, -5.0, -3.0, -2.9999, 0.0, 1e-9, 2.9999, 3.0, 3.0001, 6.0, 10.0, 26.0, 27.5, float("inf"), float("nan")]
    y = [-1.0, -1 + 1e-12, -0.9999, -1e-12, 0.0, 0.5, 0.5000001, 0.999, 1 - 1e-15, 1.0, 1.5, -2.0, float("nan")]
    for fn, values in ((lambda lib, t: lib.erfc(t), x), (lambda lib, t: t.erfinv(), y)):
        for dt in (torch.float64, torch.float32):
            want = fn(torch, torch.tensor(values, dtype=dt)).numpy()
            got = fn(minitorch, minitorch.tensor(values, dtype=getattr(minitorch, str(dt).split(".")[1]))).numpy()
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, rtol=1e-10 if dt is torch.float64 else 1e-6, atol=0)


def test_the_gamma_family_matches_torch_across_its_domain_and_records_torch_s_nodes():
    x = np.concatenate([np.linspace(-7.9, -0.1, 157) + 0.013, np.linspace(0.01, 60, 400), [0.5, 1.0, 2.0, 171.5, 1e5]])
    for name, fn in (
        ("lgamma", lambda lib, t: lib.lgamma(t)),
        ("digamma", lambda lib, t: t.digamma()),
        ("polygamma1", lambda lib, t: lib.polygamma(1, t)),
        ("polygamma4", lambda lib, t: t.polygamma(4)),
    ):
        want, got = (fn(lib, lib.tensor(x)).numpy() for lib in (torch, minitorch))
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12, err_msg=name)
    for lib in (torch, minitorch):
        t = lib.tensor([0.5, 2.0], requires_grad=True)
        names = [type(f(t).grad_fn).__name__ for f in (lib.lgamma, lib.digamma, lambda v: lib.polygamma(0, v))]
        assert names == ["LgammaBackward0", "DigammaBackward0", "PolygammaBackward0"]
    poles = [0.0, -1.0, -2.0, float("inf")]
    np.testing.assert_array_equal(
        minitorch.lgamma(minitorch.tensor(poles)).numpy(), torch.lgamma(torch.tensor(poles)).numpy()
    )
    parity.raises_like(lambda lib: lib.polygamma(-1, lib.ones(2)), exact=True)


Q = RNG.permutation(24).reshape(2, 3, 4) / 7.0 - 1.5  # distinct values: no ties for the sort to order


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize(
    "expr",
    [
        "lib.quantile(x, 0.3, interpolation=i)",
        "x.quantile(lib.tensor([0.0, 0.25, 0.5, 1.0], dtype=x.dtype), dim=1, interpolation=i)",
        "lib.quantile(x, 0.75, dim=-1, keepdim=True, interpolation=i)",
        "lib.quantile(x, lib.tensor([0.1, 0.9], dtype=x.dtype), keepdim=True, interpolation=i)",
        "lib.quantile(x, lib.tensor(0.4, dtype=x.dtype), dim=0, interpolation=i)",
        "lib.nanquantile(x, 0.6, dim=2, interpolation=i)",
    ],
)
def test_quantile_matches_torch(expr, interpolation):
    parity.check_both(lambda lib, x: eval(expr, {"lib": lib, "x": x, "i": interpolation}), Q)


def test_quantile_and_nanquantile_treat_nan_as_torch():
    x = Q.copy()
    x[0, 1, 2] = x[1, 2, :] = np.nan
    for expr in (
        "lib.quantile(t, 0.4, dim=2)",
        "lib.nanquantile(t, 0.4, dim=2)",
        "t.nanquantile(0.9)",
        "t.quantile(0.5)",
    ):
        want, got = (eval(expr, {"lib": lib, "t": lib.tensor(x)}).numpy() for lib in (torch, minitorch))
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=expr)


@pytest.mark.parametrize(
    "expr",
    [
        "lib.quantile(lib.ones(3, dtype=lib.int64), 0.5)",
        "lib.quantile(lib.ones(3), 1.5)",
        "lib.quantile(lib.ones(3), lib.tensor([0.5], dtype=lib.float64))",
        "lib.quantile(lib.ones(3), 0.5, interpolation='foo')",
        "lib.quantile(lib.ones(3), lib.ones(2, 2) * 0.5)",
        "lib.quantile(lib.zeros(0), 0.5)",
        "lib.quantile(lib.ones(3), lib.tensor([-0.1, 0.5]))",
    ],
)
def test_quantile_refuses_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}), exact=True)


@pytest.mark.parametrize(
    "expr",
    [
        "lib.ldexp(x, lib.tensor([1, 2, 3, 0]))",  # (torch's gradient is 0 at a negative integer exponent)
        "x.ldexp(y)",
        "lib.float_power(x, 2)",
        "lib.float_power(x.abs() + 0.5, y)",
        "x.float_power(3)",
        "lib.renorm(a, 2, 0, 1.5)",
        "a.renorm(1, 1, 0.8)",
        "lib.renorm(a, 3, -1, 5.0)",
    ],
)
def test_powers_and_norms_match_torch(expr):
    x, y, a = RNG.uniform(-1.5, 1.5, 4), RNG.uniform(-1, 1, 4), RNG.uniform(-1.5, 1.5, (3, 4))
    parity.check_both(lambda lib, x, y, a: eval(expr, {"lib": lib, "x": x, "y": y, "a": a}), x, y, a)


@pytest.mark.parametrize(
    "expr",
    [
        "lib.heaviside(lib.tensor([-1.5, 0.0, 2.0, float('nan')]), lib.tensor([0.5]))",
        "lib.heaviside(lib.tensor([-1, 0, 3]), lib.tensor([7]))",
        "lib.frexp(lib.tensor([8.0, 0.3, -5.0, 0.0, 1e-310]))",
        "lib.frexp(lib.tensor([8.0, 0.3], dtype=lib.float32))",
        "lib.gcd(lib.tensor([12, -18, 0, 0]), lib.tensor([8, 12, 5, 0]))",
        "lib.lcm(lib.tensor([4, -6, 0]), lib.tensor([6, 4, 5]))",
        "lib.vander(lib.tensor([1, 2, 3]), 4)",
        "lib.vander(lib.tensor([0.5, -1.25, 2.0], dtype=lib.float64))",
        "lib.vander(lib.tensor([0.5, -1.25, 2.0]), 5, increasing=True)",
        "lib.vander(lib.tensor([0.5, -1.25]), 1)",
        "lib.float_power(lib.tensor([2, 3]), lib.tensor([3, -1]))",
    ],
)
def test_exact_functions_match_torch(expr):
    want, got = (eval(expr, {"lib": lib}) for lib in (torch, minitorch))
    for w, g in zip(want if isinstance(want, tuple) else (want,), got if isinstance(got, tuple) else (got,)):
        assert str(g.dtype) == str(w.dtype), expr
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_vander_is_differentiable():
    """torch's own vander backward fails (an in-place write to a saved view): checked by finite differences."""
    x = minitorch.tensor(RNG.uniform(-1.5, 1.5, 4), requires_grad=True)
    assert minitorch.autograd.gradcheck(lambda t: minitorch.vander(t, 5), (x,))
    assert minitorch.autograd.gradcheck(lambda t: minitorch.vander(t, increasing=True), (x,))


def test_heaviside_has_no_derivative_and_frexp_prints_as_torch():
    for lib in (torch, minitorch):
        x = lib.tensor([-1.0, 0.0, 1.0], requires_grad=True)
        out = lib.heaviside(x, lib.tensor([0.5]))
        assert type(out.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::heaviside is not implemented"):
            out.sum().backward()
    assert repr(minitorch.frexp(minitorch.tensor([8.0]))).startswith("torch.return_types.frexp(\nmantissa=")


@pytest.mark.parametrize(
    "expr",
    [
        "lib.heaviside(lib.ones(2), lib.ones(2, dtype=lib.float64))",
        "lib.gcd(lib.ones(2), lib.ones(2))",
        "lib.renorm(lib.ones(2, 3), 2, 0, -1)",
        "lib.renorm(lib.ones(2, 3), 0, 0, 1)",
        "lib.renorm(lib.tensor(1.0), 2, 0, 1)",
        "lib.vander(lib.ones(2, 3))",
        "lib.vander(lib.ones(3), -1)",
    ],
)
def test_powers_and_integers_refuse_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


def test_mvlgamma_refuses_and_reaches_infinity_as_torch():
    parity.raises_like(lambda lib: lib.mvlgamma(lib.ones(2), 0), exact=True)
    want, got = (lib.mvlgamma(lib.tensor([0.5, 1.0, 7.25]), 2).numpy() for lib in (torch, minitorch))
    np.testing.assert_allclose(got, want, rtol=1e-6)
