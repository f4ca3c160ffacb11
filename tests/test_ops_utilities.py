"""The smaller functions and Tensor methods against torch: shape and joining utilities, the statistics
and products the main tables leave out, dtype utilities, the ``*_like`` and in-place random fillers, seeds
and thread counts.

Differentiable ones are compared as every op is (outputs and gradients in float64 and float32, plus a
finite-difference gradcheck); the random ones by what can be compared across two generators: shape, dtype,
support, reproducibility under a seed, a sample mean against the distribution's; the rest exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import minitorch
from tests import parity
from tests import strategies as S


def check_both(fn: Callable, *arrays: Any, **kw: Any) -> None:
    parity.check_both(fn, *(np.asarray(a) for a in arrays), **kw)


def same(make: Callable[[Any], Any]) -> None:
    """``make(lib)`` gives equal results in torch and minitorch (tensors exactly, with dtype; other values ==)."""
    want, got = make(torch), make(minitorch)
    for w, g in zip(parity._flat(want), parity._flat(got)):
        if isinstance(w, torch.Tensor):
            parity.assert_close(g, w, 0, 0, "result")
        else:
            assert g == w, (g, w)


def with_nans(lib: Any, x: Any, above: float) -> Any:
    """x flattened, NaN where it exceeds ``above`` but in the first place (so that no reduction sees only NaNs)."""
    flat = x.reshape(-1)
    return lib.cat([flat[:1], lib.where(flat[1:] > above, float("nan"), flat[1:])])


# (name, fn(lib, x), least number of dimensions of x)
SHAPED = [
    ("atleast_1d", lambda lib, x: lib.atleast_1d(x) * 2, 0),
    ("atleast_2d", lambda lib, x: lib.atleast_2d(x, x * 2), 0),
    ("atleast_3d", lambda lib, x: lib.atleast_3d(x) * 3, 0),
    ("broadcast_to", lambda lib, x: lib.broadcast_to(x, (2,) + tuple(x.shape)) * x, 0),
    ("broadcast_to_method", lambda lib, x: x.broadcast_to((3,) + tuple(x.shape)).sum(0), 0),
    ("broadcast_tensors", lambda lib, x: lib.broadcast_tensors(x, x.sum(-1, keepdim=True)), 1),
    ("expand_as", lambda lib, x: x.expand_as(lib.zeros((2,) + tuple(x.shape), dtype=x.dtype)), 0),
    ("concatenate", lambda lib, x: lib.concatenate((x, x * 2), 0), 1),
    ("column_stack", lambda lib, x: lib.column_stack((x, x * 3)), 0),
    ("dstack", lambda lib, x: lib.dstack((x, -x)), 0),
    ("hsplit", lambda lib, x: lib.hsplit(lib.cat([x, x], 1 if x.ndim > 1 else 0), 2), 1),
    ("hsplit_method", lambda lib, x: x.hsplit([1]), 1),
    ("vsplit", lambda lib, x: lib.vsplit(lib.cat([x, x], 0), 2), 2),
    ("vsplit_method", lambda lib, x: x.vsplit([1, 1]), 2),
    ("dsplit", lambda lib, x: lib.dsplit(lib.cat([x, x], 2), 2), 3),
    ("dsplit_method", lambda lib, x: x.dsplit([1]), 3),
    ("tensor_split", lambda lib, x: x.tensor_split(3, dim=-1), 1),
    ("tensor_split_indices", lambda lib, x: x.tensor_split([1, 3], dim=0), 1),
    ("narrow", lambda lib, x: lib.narrow(x, -1, x.shape[-1] // 2, (x.shape[-1] + 1) // 2), 1),
    ("select", lambda lib, x: lib.select(x, 0, -1), 1),
    ("swapaxes", lambda lib, x: lib.swapaxes(x, 0, -1) * lib.arange(x.shape[0], dtype=x.dtype), 1),
    ("swapdims", lambda lib, x: lib.swapdims(x, -1, 0) + x.swapdims(0, -1), 1),
    ("unflatten", lambda lib, x: lib.unflatten(lib.cat([x, x], 0), 0, (2, -1)), 1),
    ("unflatten_method", lambda lib, x: lib.cat([x, x], -1).unflatten(-1, (-1, 2)), 1),
    ("reshape_as", lambda lib, x: x.reshape(-1).reshape_as(x) * x, 0),
    ("view_as", lambda lib, x: (x * 2).reshape(-1).view_as(x), 0),
    ("rot90", lambda lib, x: x.rot90(1, (0, 1)), 2),
    ("rot90_twice", lambda lib, x: x.rot90(-3, (1, 0)) * 2, 2),
    ("diagflat", lambda lib, x: lib.diagflat(x) + lib.diagflat(x).sum(), 0),
    ("diagflat_offset", lambda lib, x: x.diagflat(-1), 0),
    ("diff", lambda lib, x: x.diff(), 1),
    ("diff_twice", lambda lib, x: x.diff(n=2, dim=0, prepend=x[:1] * 2, append=x[-1:]), 1),
    # (the first few elements: gradcheck runs one backward per element of these fast-growing results)
    ("cartesian_prod", lambda lib, x: lib.cartesian_prod(x.reshape(-1)[:5], x.reshape(-1)[:3] * 2), 0),
    ("combinations", lambda lib, x: lib.combinations(x.reshape(-1)[:6], 2), 0),
    ("combinations_replacement", lambda lib, x: lib.combinations(x.reshape(-1)[:5], 3, with_replacement=True), 0),
    ("trapezoid", lambda lib, x: lib.trapezoid(x), 1),
    ("trapezoid_dx", lambda lib, x: lib.trapezoid(x, dx=0.5, dim=0), 1),
    ("cumulative_trapezoid", lambda lib, x: lib.cumulative_trapezoid(x), 1),
    ("cumulative_trapezoid_x", lambda lib, x: lib.cumulative_trapezoid(x, x=lib.arange(x.shape[0]) ** 2, dim=0), 1),
    ("inner", lambda lib, x: lib.inner(x, x * 2), 0),
    ("tensordot", lambda lib, x: lib.tensordot(x, x + 1, dims=x.ndim), 0),
    ("tensordot_pairs", lambda lib, x: lib.tensordot(x, x * 3, dims=([0], [0])), 1),
    ("addr", lambda lib, x: x.reshape(-1, 1).addr(x.reshape(-1), x.reshape(-1) * 2, beta=0.5, alpha=2), 0),
    ("addr_", lambda lib, x: (x.reshape(-1, 1) * x.reshape(1, -1)).addr_(x.reshape(-1), x.reshape(-1) * 3), 0),
    ("cov", lambda lib, x: x.reshape(-1, x.shape[-1]).cov(), 1),
    ("cov_biased", lambda lib, x: x.reshape(-1, x.shape[-1]).cov(correction=0), 1),
    ("nanmean", lambda lib, x: x.nanmean(), 0),
    ("nanmean_dim", lambda lib, x: lib.cat([x[:1], lib.where(x[1:] > 0.5, float("nan"), x[1:])]).nanmean(0), 1),
    ("quantile", lambda lib, x: lib.quantile(x, 0.3), 0),
    ("quantile_method", lambda lib, x: x.quantile(lib.tensor([0.1, 0.75], dtype=x.dtype), dim=0, keepdim=True), 1),
    ("quantile_nearest", lambda lib, x: x.quantile(0.6, dim=-1, interpolation="midpoint"), 1),
    ("nanquantile", lambda lib, x: lib.nanquantile(with_nans(lib, x, 0.6), 0.5), 1),
    ("nanquantile_method", lambda lib, x: x.nanquantile(0.25, dim=0), 1),
]


@pytest.mark.parametrize("name,fn,min_dims", SHAPED, ids=[r[0] for r in SHAPED])
@given(data=st.data())
def test_differentiable_utilities(name: str, fn: Callable, min_dims: int, data: st.DataObject) -> None:
    shape = data.draw(S.shapes(min_dims=min_dims, max_dims=max(min_dims, 3), min_side=2, max_side=4), label="shape")
    check_both(fn, distinct(data.draw(S.arrays(shape), label="x")))


def distinct(x: Any) -> np.ndarray:
    """``x`` on a grid of 0.01 plus a different offset below 0.01 per element: no two elements tie (quantiles,
    sorting and the like have kinks where they do)."""
    x = np.asarray(x)
    return np.round(x, 2) + np.arange(x.size).reshape(x.shape) * (0.01 / max(x.size, 1))


@given(data=st.data())
def test_corrcoef(data: st.DataObject) -> None:
    """corrcoef of two variables, off the diagonal: torch clamps the coefficients to [-1, 1], a kink that the
    diagonal's 1 sits on and that nearly dependent variables reach, so those are left out."""
    n = data.draw(st.integers(3, 8), label="observations")
    x = distinct(data.draw(S.arrays((2, n)), label="x"))
    assume(abs(np.corrcoef(x)[0, 1]) < 0.95)
    check_both(lambda lib, x: x.corrcoef()[0, 1], x)


def test_index_put_and_masked_fill_inplace() -> None:
    """index_put (and its in-place form, accumulating or not) and masked_fill_, with gradients."""
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    v = np.array([0.5, -0.25, 2.0])

    def put(lib: Any, x: Any, v: Any) -> Any:
        rows, cols = lib.tensor([0, 2, 0]), lib.tensor([1, 3, 1])
        # (without accumulate, a repeated index keeps one of its values: left to torch, distinct indices here)
        kept = lib.index_put(x, (rows, cols + lib.tensor([0, 0, 1])), v)
        added = (x * 1).index_put_((rows, cols), v * 2, accumulate=True)
        return kept, added, lib.index_put_(x * 3, (rows[:2],), v[:2].reshape(2, 1))

    check_both(put, x, v)
    check_both(lambda lib, x: (x * 1).masked_fill_(x > 0, -0.5), x)


def test_reductions_to_booleans_and_indices() -> None:
    """all, any and argmin as functions, with and without a dimension."""
    x = np.array([[0.0, 1.5, -2.0], [3.0, 0.0, 0.5]])
    same(lambda lib: (lib.all(lib.tensor(x)), lib.all(lib.tensor(x), dim=0), lib.all(lib.tensor(x) != 7)))
    same(lambda lib: (lib.any(lib.tensor(x)), lib.any(lib.tensor(x) > 2, dim=1, keepdim=True)))
    same(lambda lib: (lib.argmin(lib.tensor(x)), lib.argmin(lib.tensor(x), dim=1), lib.argmin(lib.tensor(x), 0, True)))


def test_dtype_utilities() -> None:
    """promote_types, result_type, is_floating_point, typename and the conversions bool/byte/char/type_as."""
    for a, b in [
        ("float32", "float64"),
        ("int64", "float32"),
        ("uint8", "int8"),
        ("bool", "int32"),
        ("int16", "uint8"),
    ]:
        want = torch.promote_types(getattr(torch, a), getattr(torch, b))
        assert minitorch.promote_types(getattr(minitorch, a), getattr(minitorch, b)) == getattr(
            minitorch, str(want)[6:]
        )
    same(lambda lib: str(lib.result_type(lib.tensor([1, 2]), 1.5)) + str(lib.result_type(lib.tensor([1.0]), 2)))
    same(lambda lib: str(lib.result_type(lib.tensor([1], dtype=lib.uint8), lib.tensor([1], dtype=lib.int8))))
    same(lambda lib: (lib.is_floating_point(lib.ones(2)), lib.is_floating_point(lib.ones(2, dtype=lib.int32))))
    same(lambda lib: (lib.typename(lib.ones(2)), lib.typename(lib.ones(2, dtype=lib.int64)), lib.typename(1.5)))
    values = np.array([-130.0, -1.5, 0.0, 0.7, 200.0, 300.0])
    same(lambda lib: (lib.tensor(values).bool(), lib.tensor(values[2:]).byte(), lib.tensor(values[:4]).char()))
    same(lambda lib: lib.tensor(values).type_as(lib.ones(1, dtype=lib.int32)))
    same(lambda lib: (lib.ones(2, 3).ndimension(), lib.ones(2, 3).nelement(), lib.zeros(()).nelement()))


def test_new_tensors_and_likes() -> None:
    """new_empty, new_zeros, empty_like and asarray: shape, dtype, requires_grad and (where defined) values."""
    same(lambda lib: lib.ones(2, dtype=lib.float64).new_zeros((3, 1)))
    same(lambda lib: lib.ones(2, dtype=lib.int32).new_zeros(2, 2, dtype=lib.float32))
    for lib in (torch, minitorch):
        base = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        empty = base.new_empty((4,))
        assert (tuple(empty.shape), empty.dtype, empty.requires_grad) == ((4,), lib.float64, False)
        like = lib.empty_like(base)
        assert (tuple(like.shape), like.dtype, like.requires_grad) == ((2, 3), lib.float64, False)
        assert lib.empty_like(base, dtype=lib.int64, requires_grad=False).dtype == lib.int64
    same(lambda lib: (lib.asarray([1, 2]), lib.asarray([[1.5]], dtype=lib.float64), lib.asarray(np.arange(3.0))))
    shared = np.arange(3.0)
    alias = minitorch.asarray(shared)
    shared[0] = 7.0  # asarray shares a numpy array's memory, as torch.asarray does
    assert alias[0].item() == 7.0
    assert minitorch.asarray(shared, copy=True)._data is not shared
    t = minitorch.ones(2)
    assert minitorch.asarray(t) is t and not np.shares_memory(minitorch.asarray(t, copy=True)._data, t._data)
    assert minitorch.asarray([1.0, 2.0], requires_grad=True).requires_grad
    parity.raises_like(lambda lib: lib.asarray(np.arange(3.0), dtype=lib.float32, copy=False), exact=True)
    parity.raises_like(lambda lib: lib.asarray(lib.ones(2), dtype=lib.int64, copy=False), exact=True)
    parity.raises_like(lambda lib: lib.asarray([1, 2], copy=False), exact=True)
    parity.raises_like(lambda lib: lib.asarray([1, 2], requires_grad=True))


def test_creation_of_index_grids_and_ranges() -> None:
    """tril_indices, triu_indices and logspace as torch makes them."""
    for args in [(3, 3), (4, 3, 1), (3, 5, -1), (0, 2), (2, 4, 5)]:
        same(lambda lib, args=args: (lib.tril_indices(*args), lib.triu_indices(*args)))
    same(lambda lib: lib.logspace(-2, 2, 5))
    same(lambda lib: lib.logspace(0, 3, 4, base=2, dtype=lib.float64))
    parity.assert_close(minitorch.logspace(1, 0, 7), torch.logspace(1, 0, 7), 1e-6, 0, "logspace")


def test_frexp_and_detach_() -> None:
    """frexp's mantissa and exponent; detach_ cuts a tensor from its graph in place."""
    same(lambda lib: lib.tensor([0.0, 1.0, -3.5, 1e-30, 6e20, float("inf")]).frexp())
    for lib in (torch, minitorch):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        assert y.detach_() is y
        assert (y.requires_grad, y.grad_fn) == (False, None)


RANDOM_FILLERS = [
    # (name, fill(t), mean of the distribution, check of the support)
    ("cauchy_", lambda t: t.cauchy_(0.5, 0.1), None, lambda a: np.isfinite(a).all()),
    ("exponential_", lambda t: t.exponential_(2.0), 0.5, lambda a: (a >= 0).all()),
    ("geometric_", lambda t: t.geometric_(0.25), 4.0, lambda a: ((a >= 1) & (a == np.round(a))).all()),
    ("log_normal_", lambda t: t.log_normal_(0.0, 0.5), float(np.exp(0.125)), lambda a: (a > 0).all()),
    ("random_", lambda t: t.random_(3, 9), 5.5, lambda a: ((a >= 3) & (a < 9) & (a == np.round(a))).all()),
]


@pytest.mark.parametrize("name,fill,mean,support", RANDOM_FILLERS, ids=[r[0] for r in RANDOM_FILLERS])
def test_random_fillers(name: str, fill: Callable, mean: float | None, support: Callable) -> None:
    """Each in-place random filler: returns its tensor, keeps its dtype and shape, lands in the support, draws
    the same numbers after the same seed, and its sample mean is the distribution's (cauchy's median)."""
    t = minitorch.empty(20000, dtype=minitorch.float64)
    minitorch.manual_seed(3)
    assert fill(t) is t
    first = t.numpy().copy()
    assert t.dtype == minitorch.float64 and tuple(t.shape) == (20000,)
    assert support(first)
    minitorch.manual_seed(3)
    np.testing.assert_array_equal(fill(minitorch.empty(20000, dtype=minitorch.float64)).numpy(), first)
    if mean is None:
        assert abs(np.median(first) - 0.5) < 0.01
    else:
        assert abs(first.mean() - mean) < 0.05 * mean
    f32 = fill(minitorch.empty(5, dtype=minitorch.float32))
    assert f32.dtype == minitorch.float32


def test_random_likes_and_multinomial() -> None:
    """rand_like, randn_like and randint_like keep the input's shape and dtype and follow the seed; multinomial
    draws indices from its weights, without replacement distinct ones; torch's errors for bad arguments."""
    base = minitorch.zeros(4, 50, dtype=minitorch.float64)
    minitorch.manual_seed(0)
    draws = [minitorch.rand_like(base), minitorch.randn_like(base), minitorch.randint_like(base, 2, 5)]
    for d in draws:
        assert (tuple(d.shape), d.dtype) == ((4, 50), minitorch.float64)
    assert (draws[0].numpy() >= 0).all() and (draws[0].numpy() < 1).all()
    assert abs(draws[1].numpy().mean()) < 0.2
    assert set(np.unique(draws[2].numpy())) <= {2.0, 3.0, 4.0}
    assert minitorch.randint_like(base, 3).numpy().max() < 3
    minitorch.manual_seed(0)
    np.testing.assert_array_equal(minitorch.rand_like(base).numpy(), draws[0].numpy())

    weights = minitorch.tensor([[0.0, 1.0, 3.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    picks = weights.multinomial(2000, replacement=True).numpy()
    assert set(np.unique(picks[0])) <= {1, 2} and abs((picks[0] == 2).mean() - 0.75) < 0.05
    distinct = minitorch.tensor([1.0, 2.0, 3.0, 4.0]).multinomial(4)
    assert sorted(distinct.tolist()) == [0, 1, 2, 3] and distinct.dtype == minitorch.int64
    parity.raises_like(lambda lib: lib.tensor([1.0, 1.0]).multinomial(3))


def test_dropout_function() -> None:
    """torch.dropout(input, p, train): identity when not training or at p = 0, zeros at p = 1, else kept
    elements scaled by 1 / (1 - p), with the gradient through the same mask."""
    x = minitorch.ones(4000, dtype=minitorch.float64, requires_grad=True)
    assert minitorch.dropout(x, 0.5, False) is x or np.array_equal(minitorch.dropout(x, 0.5, False).numpy(), x.numpy())
    np.testing.assert_array_equal(minitorch.dropout(x, 0.0, True).detach().numpy(), x.detach().numpy())
    np.testing.assert_array_equal(minitorch.dropout(x, 1.0, True).detach().numpy(), np.zeros(4000))
    y = minitorch.dropout(x, 0.25, True)
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.05
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / 0.75, 0.0))


def test_seeds_and_interop_threads() -> None:
    """seed() picks a fresh seed that initial_seed() then reports; manual_seed's seed is reported as given;
    the inter-op thread count reads back as set (torch allows setting it once, before any parallel work)."""
    minitorch.manual_seed(1234)
    assert minitorch.initial_seed() == 1234
    chosen = minitorch.seed()
    assert isinstance(chosen, int) and minitorch.initial_seed() == chosen
    first = minitorch.rand(3)
    minitorch.manual_seed(chosen)
    np.testing.assert_array_equal(minitorch.rand(3).numpy(), first.numpy())
    count = minitorch.get_num_interop_threads()
    assert isinstance(count, int) and count >= 1
    minitorch.set_num_interop_threads(count)
    assert minitorch.get_num_interop_threads() == count
