"""torch's top-level spellings (``torch.abs_``, ``torch.view_copy``, ``torch.rsub``, the windows, ...) against torch."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from minitorch.spellings import __all__ as SPELLINGS
from tests.parity import raises_like

# torch has no derivative of these in place ("not implemented"); minitorch's methods differentiate them
NO_TORCH_GRAD = {"acosh_", "arccosh_", "asinh_", "arcsinh_", "atanh_", "arctanh_"}
# (name, extra arguments, input values): each in-place spelling against torch's, on a float64 tensor
INPLACE: list[tuple[str, Any, list]] = [
    ("abs_", lambda lib, x: lib.abs_(x), [0.1, 0.4, 0.7]),
    ("acos_", lambda lib, x: lib.acos_(x), [0.1, 0.4, 0.7]),
    ("arccos_", lambda lib, x: lib.arccos_(x), [0.1, 0.4, 0.7]),
    ("asin_", lambda lib, x: lib.asin_(x), [0.1, 0.4, 0.7]),
    ("arcsin_", lambda lib, x: lib.arcsin_(x), [0.1, 0.4, 0.7]),
    ("asinh_", lambda lib, x: lib.asinh_(x), [0.1, 0.4, 0.7]),
    ("arcsinh_", lambda lib, x: lib.arcsinh_(x), [0.1, 0.4, 0.7]),
    ("atan_", lambda lib, x: lib.atan_(x), [0.1, 0.4, 0.7]),
    ("arctan_", lambda lib, x: lib.arctan_(x), [0.1, 0.4, 0.7]),
    ("atanh_", lambda lib, x: lib.atanh_(x), [0.1, 0.4, 0.7]),
    ("arctanh_", lambda lib, x: lib.arctanh_(x), [0.1, 0.4, 0.7]),
    ("ceil_", lambda lib, x: lib.ceil_(x), [0.1, 0.4, 0.7]),
    ("cos_", lambda lib, x: lib.cos_(x), [0.1, 0.4, 0.7]),
    ("cosh_", lambda lib, x: lib.cosh_(x), [0.1, 0.4, 0.7]),
    ("deg2rad_", lambda lib, x: lib.deg2rad_(x), [0.1, 0.4, 0.7]),
    ("erf_", lambda lib, x: lib.erf_(x), [0.1, 0.4, 0.7]),
    ("erfc_", lambda lib, x: lib.erfc_(x), [0.1, 0.4, 0.7]),
    ("exp2_", lambda lib, x: lib.exp2_(x), [0.1, 0.4, 0.7]),
    ("exp_", lambda lib, x: lib.exp_(x), [0.1, 0.4, 0.7]),
    ("expm1_", lambda lib, x: lib.expm1_(x), [0.1, 0.4, 0.7]),
    ("fix_", lambda lib, x: lib.fix_(x), [0.1, 0.4, 0.7]),
    ("floor_", lambda lib, x: lib.floor_(x), [0.1, 0.4, 0.7]),
    ("frac_", lambda lib, x: lib.frac_(x), [0.1, 0.4, 0.7]),
    ("log10_", lambda lib, x: lib.log10_(x), [0.1, 0.4, 0.7]),
    ("log1p_", lambda lib, x: lib.log1p_(x), [0.1, 0.4, 0.7]),
    ("log2_", lambda lib, x: lib.log2_(x), [0.1, 0.4, 0.7]),
    ("log_", lambda lib, x: lib.log_(x), [0.1, 0.4, 0.7]),
    ("logit_", lambda lib, x: lib.logit_(x), [0.1, 0.4, 0.7]),
    ("neg_", lambda lib, x: lib.neg_(x), [0.1, 0.4, 0.7]),
    ("negative_", lambda lib, x: lib.negative_(x), [0.1, 0.4, 0.7]),
    ("rad2deg_", lambda lib, x: lib.rad2deg_(x), [0.1, 0.4, 0.7]),
    ("reciprocal_", lambda lib, x: lib.reciprocal_(x), [0.1, 0.4, 0.7]),
    ("relu_", lambda lib, x: lib.relu_(x), [0.1, 0.4, 0.7]),
    ("round_", lambda lib, x: lib.round_(x), [0.1, 0.4, 0.7]),
    ("rsqrt_", lambda lib, x: lib.rsqrt_(x), [0.1, 0.4, 0.7]),
    ("selu_", lambda lib, x: lib.selu_(x), [0.1, 0.4, 0.7]),
    ("celu_", lambda lib, x: lib.celu_(x), [0.1, 0.4, 0.7]),
    ("sigmoid_", lambda lib, x: lib.sigmoid_(x), [0.1, 0.4, 0.7]),
    ("sin_", lambda lib, x: lib.sin_(x), [0.1, 0.4, 0.7]),
    ("sinc_", lambda lib, x: lib.sinc_(x), [0.1, 0.4, 0.7]),
    ("sinh_", lambda lib, x: lib.sinh_(x), [0.1, 0.4, 0.7]),
    ("sqrt_", lambda lib, x: lib.sqrt_(x), [0.1, 0.4, 0.7]),
    ("square_", lambda lib, x: lib.square_(x), [0.1, 0.4, 0.7]),
    ("tan_", lambda lib, x: lib.tan_(x), [0.1, 0.4, 0.7]),
    ("tanh_", lambda lib, x: lib.tanh_(x), [0.1, 0.4, 0.7]),
    ("trunc_", lambda lib, x: lib.trunc_(x), [0.1, 0.4, 0.7]),
    ("zero_", lambda lib, x: lib.zero_(x), [0.1, 0.4, 0.7]),
    ("acosh_", lambda lib, x: lib.acosh_(x), [1.5, 2.0, 3.0]),
    ("arccosh_", lambda lib, x: lib.arccosh_(x), [1.5, 2.0, 3.0]),
    ("clamp_", lambda lib, x: lib.clamp_(x, 0.2, 0.5), [0.1, 0.4, 0.7]),
    ("clip_", lambda lib, x: lib.clip_(x, 0.2, 0.5), [0.1, 0.4, 0.7]),
    ("clamp_max_", lambda lib, x: lib.clamp_max_(x, 0.5), [0.1, 0.4, 0.7]),
    ("clamp_min_", lambda lib, x: lib.clamp_min_(x, 0.2), [0.1, 0.4, 0.7]),
    ("nan_to_num_", lambda lib, x: lib.nan_to_num_(x, 0.0, 9.0, -9.0), [float("nan"), float("inf"), -float("inf")]),
    ("threshold_", lambda lib, x: lib.threshold_(x, 0.3, -1.0), [0.1, 0.4, 0.7]),
    ("fill_", lambda lib, x: lib.fill_(x, 2.5), [0.1, 0.4, 0.7]),
    ("xlogy_", lambda lib, x: lib.xlogy_(x, lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)), [0.0, 0.4, 0.7]),
    ("ldexp_", lambda lib, x: lib.ldexp_(x, lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)), [0.1, 0.4, 0.7]),
    ("celu_alpha", lambda lib, x: lib.celu_(x, 0.5), [-0.1, 0.4, -0.7]),
]


@pytest.mark.parametrize(("name", "fn", "values"), INPLACE, ids=[r[0] for r in INPLACE])
def test_inplace_spelling_writes_in_place_with_gradients(name: str, fn: Any, values: list) -> None:
    results = {}
    for lib in (torch, minitorch):
        leaf = lib.tensor(values, dtype=lib.float64, requires_grad=name not in NO_TORCH_GRAD)
        x = leaf * 1  # a non-leaf, so that the in-place op is recorded
        version = x._version
        out = fn(lib, x)
        assert out is x and x._version == version + 1
        grad = None
        if x.requires_grad:
            x.sum().backward()
            grad = leaf.grad.numpy()
        results[lib.__name__] = (x.detach().numpy(), grad)
    (want, want_grad), (got, got_grad) = results["torch"], results["minitorch"]
    np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)
    if want_grad is None:
        assert got_grad is None
    else:
        np.testing.assert_allclose(got_grad, want_grad, rtol=1e-10, atol=1e-12, equal_nan=True)


def test_integer_inplace_spellings() -> None:
    for fn in (lambda lib, a, b: lib.gcd_(a, b), lambda lib, a, b: lib.lcm_(a, b)):
        want, got = (lib.tensor([4, 6, 9]) for lib in (torch, minitorch))
        assert fn(torch, want, torch.tensor([6, 4, 3])) is want
        assert fn(minitorch, got, minitorch.tensor([6, 4, 3])) is got
        assert got.tolist() == want.tolist()


def test_addmv_dropout_and_detach_spellings() -> None:
    m, v = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 2.0])
    outs = []
    for lib in (torch, minitorch):
        x = lib.ones(2, dtype=lib.float64)
        lib.addmv_(x, lib.tensor(m), lib.tensor(v), beta=2, alpha=0.5)
        outs.append(x.numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-10)
    x = minitorch.ones(4)
    assert minitorch.dropout_(x, 0.5, False) is x and x.tolist() == [1.0] * 4
    assert minitorch.dropout_(x, 1.0, True) is x and x.tolist() == [0.0] * 4
    w = minitorch.ones(2, requires_grad=True) * 2
    d = minitorch.detach(w)
    assert not d.requires_grad and d.data_ptr() == w.data_ptr()
    assert minitorch.detach_(w) is w and not w.requires_grad
    assert minitorch.get_device(w) == torch.get_device(torch.ones(2)) == -1
    assert minitorch.is_inference(w) is False
    with minitorch.inference_mode():
        assert minitorch.is_inference(minitorch.ones(1))


def test_spelling_errors_match_torch() -> None:
    raises_like(lambda lib: lib.abs_([1.0, 2.0]), "must be Tensor")
    raises_like(lambda lib: lib.sqrt_(lib.ones(2, requires_grad=True)), "leaf Variable that requires grad")
    raises_like(lambda lib: lib.selu_(lib.tensor([1, 2])))
    raises_like(lambda lib: lib.mul_ if False else lib.clamp_(lib.ones(2)), "At least one of 'min' or 'max'")


def test_spellings_exist_in_torch() -> None:
    assert [n for n in SPELLINGS if not hasattr(torch, n)] == []


COPIES: list[tuple[str, Any]] = [
    ("view_copy", lambda lib, x: lib.view_copy(x, (4, 6))),
    ("permute_copy", lambda lib, x: lib.permute_copy(x, (2, 0, 1))),
    ("transpose_copy", lambda lib, x: lib.transpose_copy(x, 0, 2)),
    ("t_copy", lambda lib, x: lib.t_copy(x[0])),
    ("squeeze_copy", lambda lib, x: lib.squeeze_copy(x[:, :1], 1)),
    ("squeeze_copy_all", lambda lib, x: lib.squeeze_copy(x[:1, :1])),
    ("unsqueeze_copy", lambda lib, x: lib.unsqueeze_copy(x, 1)),
    ("expand_copy", lambda lib, x: lib.expand_copy(x[:, :1], (2, 5, 4))),
    ("diagonal_copy", lambda lib, x: lib.diagonal_copy(x, 1, 1, 2)),
    ("select_copy", lambda lib, x: lib.select_copy(x, 1, -1)),
    ("slice_copy", lambda lib, x: lib.slice_copy(x, 2, 1, None, 2)),
    ("split_copy", lambda lib, x: lib.split_copy(x, 2, 1)[1]),
    ("split_with_sizes_copy", lambda lib, x: lib.split_with_sizes_copy(x, [1, 3], 2)[1]),
    ("unbind_copy", lambda lib, x: lib.unbind_copy(x, 2)[3]),
    ("unfold_copy", lambda lib, x: lib.unfold_copy(x, 2, 2, 1)),
    ("alias_copy", lambda lib, x: lib.alias_copy(x)),
    ("as_strided_copy", lambda lib, x: lib.as_strided_copy(x, (3, 3), (4, 1), 2)),
]


@pytest.mark.parametrize(("name", "fn"), COPIES, ids=[c[0] for c in COPIES])
def test_copies_match_torch_and_share_no_memory(name: str, fn: Any) -> None:
    values = np.random.default_rng(0).standard_normal((2, 3, 4))
    results = []
    for lib in (torch, minitorch):
        x = lib.tensor(values, requires_grad=True)
        out = fn(lib, x)
        assert out.is_contiguous()
        (out * lib.arange(out.numel(), dtype=lib.float64).reshape(out.shape)).sum().backward()
        results.append((out.detach().numpy().copy(), x.grad.numpy()))
        with lib.no_grad():
            out.fill_(7.0)  # a copy: the input is untouched
        assert x.detach().numpy().tolist() == values.tolist()
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-10)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-10)


def test_copies_return_tuples_and_check_like_torch() -> None:
    x = minitorch.ones(2, 3).t()
    out = minitorch.detach_copy(x)
    assert out.is_contiguous() and not out.requires_grad and out.data_ptr() != x.data_ptr()
    assert isinstance(minitorch.unbind_copy(minitorch.ones(2, 2)), tuple)
    assert isinstance(minitorch.split_copy(minitorch.ones(4), 2), tuple)
    raises_like(lambda lib: lib.slice_copy(lib.ones(4), 0, None, None, 0), "slice step must be positive")
    raises_like(lambda lib: lib.view_copy(lib.ones(4), (3,)), "invalid for input of size 4")


def test_rsub_trapz_pad_and_chain_matmul() -> None:
    a, b = np.array([1.0, 2.0, 3.0]), np.array([[5.0], [7.0]])
    for fn in (
        lambda lib: lib.rsub(lib.tensor(a), lib.tensor(b), alpha=2),
        lambda lib: lib.rsub(lib.tensor(a), 3),
        lambda lib: lib.trapz(lib.tensor(b * a), dim=1),
        lambda lib: lib.trapz(lib.tensor(a), lib.tensor(a**2)),
        lambda lib: lib.trapz(lib.tensor(a), dx=0.5),
        lambda lib: lib.constant_pad_nd(lib.tensor(b), (1, 2, 0, 1), 2.5),
        lambda lib: lib.constant_pad_nd(lib.tensor(b), (-1, 1)),
    ):
        np.testing.assert_allclose(fn(minitorch).numpy(), fn(torch).numpy(), rtol=1e-10)
    mats = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate([(2, 3), (3, 4), (4, 2)])]
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
            out = lib.chain_matmul(*(lib.tensor(m) for m in mats))
        np.testing.assert_allclose(out.numpy(), mats[0] @ mats[1] @ mats[2], rtol=1e-10)
    with pytest.warns(UserWarning):
        one = minitorch.tensor(mats[0])
        assert minitorch.chain_matmul(one) is not one


def test_deprecated_norms_warn_and_match() -> None:
    m = np.random.default_rng(1).standard_normal((2, 3, 4))
    for fn in (
        lambda lib: lib.frobenius_norm(lib.tensor(m), (1, 2)),
        lambda lib: lib.frobenius_norm(lib.tensor(m), (0,), True),
        lambda lib: lib.nuclear_norm(lib.tensor(m[0])),
        lambda lib: lib.nuclear_norm(lib.tensor(m), (0, 2), True),
        lambda lib: lib.nuclear_norm(lib.tensor(m[0]), True),
    ):
        with pytest.warns(UserWarning, match="is deprecated and it is just left for JIT compatibility"):
            got = fn(minitorch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = fn(torch)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)


def test_range_is_inclusive_and_deprecated() -> None:
    for args, kwargs in [((0, 3), {}), ((1, 2, 0.25), {}), ((5, 1, -1.5), {}), ((0, 4), {"dtype": "int64"})]:
        outs = []
        for lib in (torch, minitorch):
            kw = {k: getattr(lib, v) for k, v in kwargs.items()}
            with pytest.warns(UserWarning, match="torch.range is deprecated"):
                outs.append(lib.range(*args, **kw))
        assert str(outs[1].dtype) == str(outs[0].dtype)
        np.testing.assert_allclose(outs[1].numpy(), outs[0].numpy(), rtol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(lambda lib: lib.range(0, 3, 0), "step must be nonzero")
        raises_like(lambda lib: lib.range(3, 0, 1), "upper bound and lower bound inconsistent with step sign")


def test_empty_strided_can_cast_and_switches() -> None:
    t = minitorch.empty_strided((2, 3), (1, 2), dtype=minitorch.float64)
    assert t.shape == (2, 3) and t.stride() == torch.empty_strided((2, 3), (1, 2)).stride()
    raises_like(lambda lib: lib.empty_strided((2, 3), (1,)), "must match dimensionality of strides")
    names = ("bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64")
    for a in names:
        for b in names:
            assert minitorch.can_cast(getattr(minitorch, a), getattr(minitorch, b)) == torch.can_cast(
                getattr(torch, a), getattr(torch, b)
            ), (a, b)
    assert minitorch.is_warn_always_enabled() is False
    minitorch.set_warn_always(True)
    assert minitorch.is_warn_always_enabled() is True
    minitorch.set_warn_always(False)
    assert minitorch.set_flush_denormal(True) is False  # numpy cannot: torch's answer on such a CPU


def test_set_default_tensor_type() -> None:
    try:
        for t in (minitorch.DoubleTensor, "torch.FloatTensor", "torch.DoubleTensor"):
            with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
                minitorch.set_default_tensor_type(t)
        assert minitorch.get_default_dtype() is minitorch.float64
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raises_like(lambda lib: lib.set_default_tensor_type(lib.LongTensor), "only floating-point types")
    finally:
        minitorch.set_default_dtype(minitorch.float32)


WINDOWS: list[tuple[str, Any]] = [
    ("hann_window", lambda lib, n, periodic, **kw: lib.hann_window(n, periodic, **kw)),
    ("hamming_window", lambda lib, n, periodic, **kw: lib.hamming_window(n, periodic, **kw)),
    ("blackman_window", lambda lib, n, periodic, **kw: lib.blackman_window(n, periodic, **kw)),
    ("bartlett_window", lambda lib, n, periodic, **kw: lib.bartlett_window(n, periodic, **kw)),
    ("kaiser_window", lambda lib, n, periodic, **kw: lib.kaiser_window(n, periodic, **kw)),
]


@pytest.mark.parametrize(("name", "window"), WINDOWS, ids=[w[0] for w in WINDOWS])
@pytest.mark.parametrize("length", [0, 1, 2, 7, 10])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name: str, window: Any, length: int, periodic: bool) -> None:
    for dtype, rtol in (("float64", 1e-10), ("float32", 1e-5)):
        want = window(torch, length, periodic, dtype=getattr(torch, dtype))
        got = window(minitorch, length, periodic, dtype=getattr(minitorch, dtype))
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=rtol)
    assert window(minitorch, 5, True).dtype is minitorch.float32
    raises_like(lambda lib: window(lib, 4, True, dtype=lib.int64), "expects floating point dtypes")


def test_window_parameters() -> None:
    for lib_args in ((9, False, 0.5, 0.5), (8, True, 0.6, 0.4)):
        np.testing.assert_allclose(
            minitorch.hamming_window(*lib_args, dtype=minitorch.float64).numpy(),
            torch.hamming_window(*lib_args, dtype=torch.float64).numpy(),
            rtol=1e-10,
            atol=1e-12,
        )
    np.testing.assert_allclose(
        minitorch.kaiser_window(9, False, 5.0, dtype=minitorch.float64).numpy(),
        torch.kaiser_window(9, False, 5.0, dtype=torch.float64).numpy(),
        rtol=1e-10,
    )


def test_binomial_samples_and_checks() -> None:
    minitorch.manual_seed(0)
    count = minitorch.full((2000,), 10.0)
    draws = minitorch.binomial(count, minitorch.full((2000,), 0.3))
    assert draws.dtype is minitorch.float32 and draws.shape == (2000,)
    values = draws.numpy()
    assert values.min() >= 0 and values.max() <= 10 and np.all(values == np.round(values))
    assert abs(values.mean() - 3.0) < 0.2
    assert minitorch.binomial(minitorch.tensor([[4.0], [0.0]]), minitorch.tensor([1.0, 0.0])).tolist() == [
        [4.0, 0.0],
        [0.0, 0.0],
    ]
    c = minitorch.tensor([3.0], requires_grad=True)
    assert not minitorch.binomial(c, minitorch.tensor([0.5])).requires_grad
    raises_like(lambda lib: lib.binomial(lib.tensor([1, 2]), lib.tensor([0.5, 0.5])), "only supports floating-point")
    raises_like(lambda lib: lib.binomial(lib.tensor([1.0, 2.0]), lib.tensor([0.5, 0.5, 0.5])), "must match the size")
    raises_like(lambda lib: lib.binomial(lib.ones(2), lib.ones(2, dtype=lib.float64)), "Found dtype Double")
