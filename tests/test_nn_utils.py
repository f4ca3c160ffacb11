"""minitorch.nn.utils against torch.nn.utils: gradient clipping and parameter vectors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import raises_like
from tests.strategies import arrays, shapes

NORMS = [2.0, 1.0, math.inf, -math.inf, 0.0, 3.5, 0.5, -2.0]


def with_grads(lib: Any, grads: list[np.ndarray | None]) -> list:
    params = []
    for g in grads:
        shape = (3,) if g is None else g.shape
        p = lib.zeros(shape, dtype=lib.float64 if g is None else getattr(lib, str(g.dtype)), requires_grad=True)
        p.grad = None if g is None else lib.tensor(g.copy())
        params.append(p)
    return params


def grads_of(params: list) -> list:
    return [None if p.grad is None else p.grad.numpy().copy() for p in params]


def check_clip(grads: list, max_norm: float, norm_type: float, rtol: float = 1e-12, **kw: Any) -> None:
    out = {}
    for lib in (torch, minitorch):
        params = with_grads(lib, grads)
        total = lib.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type, **kw)
        out[lib] = total, grads_of(params)
    (m_total, m_grads), (t_total, t_grads) = out[minitorch], out[torch]
    assert isinstance(m_total, minitorch.Tensor) and m_total.shape == () and str(m_total.dtype) == str(t_total.dtype)
    np.testing.assert_allclose(m_total.numpy(), t_total.numpy(), rtol=rtol, atol=0)
    for m, t in zip(m_grads, t_grads):
        assert (m is None) == (t is None)
        if t is not None:
            assert m.dtype == t.dtype
            np.testing.assert_allclose(m, t, rtol=rtol, atol=1e-300)


@given(st.lists(arrays(shapes(0, 3)), min_size=1, max_size=4), st.sampled_from(NORMS), st.sampled_from([0.1, 1.0, 1e3]))
def test_clip_grad_norm_matches_torch(grads: list, norm_type: float, max_norm: float) -> None:
    check_clip(grads, max_norm, norm_type)


@pytest.mark.parametrize("norm_type", NORMS)
def test_clip_grad_norm_float32_and_mixed_dtypes(norm_type: float) -> None:
    rng = np.random.default_rng(0)
    f32 = [rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (5,)]]
    check_clip(f32 + [None], 0.5, norm_type, rtol=1e-6)
    check_clip(f32 + [rng.standard_normal((2, 2))], 0.5, norm_type, rtol=1e-6)  # total norm promoted to float64


@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_norm_takes_one_tensor_and_foreach(foreach: bool | None) -> None:
    grads = [np.array([3.0, -4.0])]
    out = {}
    for lib in (torch, minitorch):
        p = with_grads(lib, grads)[0]
        total = lib.nn.utils.clip_grad_norm_(p, 1.0, foreach=foreach)
        out[lib] = float(total), p.grad.numpy().tolist()
    assert out[minitorch] == out[torch]


def test_nonfinite_norm_raises_or_scales_like_torch() -> None:
    for bad in (np.nan, np.inf):
        grads = [np.array([1.0, bad]), np.array([2.0])]
        raises_like(
            lambda lib: lib.nn.utils.clip_grad_norm_(with_grads(lib, grads), 1.0, error_if_nonfinite=True), exact=True
        )
        raises_like(
            lambda lib: lib.nn.utils.clip_grad_norm_(
                with_grads(lib, grads), 1.0, norm_type="inf", error_if_nonfinite=True
            ),
            exact=True,
        )
        out = {}
        for lib in (torch, minitorch):
            params = with_grads(lib, grads)
            total = lib.nn.utils.clip_grad_norm_(params, 1.0)
            out[lib] = float(total), [g.tolist() for g in grads_of(params)]
        np.testing.assert_equal(out[minitorch], out[torch])


def test_empty_parameters_like_torch() -> None:
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="empty generator"):
            total = lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)
        assert float(total) == 0.0 and str(total.dtype).endswith("float32")
        no_grads = with_grads(lib, [None, None])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert float(lib.nn.utils.clip_grad_norm_(no_grads, 1.0)) == 0.0


def test_deprecated_clip_grad_norm_warns_and_clips() -> None:
    for lib in (torch, minitorch):
        p = with_grads(lib, [np.array([3.0, 4.0])])
        with pytest.warns(FutureWarning, match="nn.utils.clip_grad_norm` is now deprecated in favor of"):
            total = lib.nn.utils.clip_grad_norm(p, 2.5)
        assert float(total) == 5.0
        np.testing.assert_allclose(p[0].grad.numpy(), [1.5, 2.0], rtol=1e-6)


def test_total_norm_and_clip_with_norm_separately() -> None:
    grads = [np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([-1.5])]
    out = {}
    for lib in (torch, minitorch):
        params = with_grads(lib, grads)
        total = lib.nn.utils.get_total_norm([p.grad for p in params], norm_type=3.0)
        assert lib.nn.utils.clip_grads_with_norm_(params, 1.0, total) is None
        out[lib] = float(total), [g.tolist() for g in grads_of(params)]
    assert out[minitorch][0] == pytest.approx(out[torch][0], rel=1e-14)
    np.testing.assert_allclose(out[minitorch][1][0], out[torch][1][0], rtol=1e-14)


@pytest.mark.parametrize("clip", [0.5, 2.0, -1.0])
def test_clip_grad_value_matches_torch(clip: float) -> None:
    grads = [np.array([[0.3, -0.7], [2.5, np.nan]]), np.array([-3.0], dtype=np.float32), None]
    out = {}
    for lib in (torch, minitorch):
        params = with_grads(lib, grads)
        before = params[0].grad
        assert lib.nn.utils.clip_grad_value_(params, clip) is None
        assert params[0].grad is before and params[1].grad.dtype == lib.float32  # in place
        out[lib] = grads_of(params)
    for m, t in zip(out[minitorch], out[torch]):
        np.testing.assert_array_equal(m, t)
    one = {lib: with_grads(lib, grads[:1])[0] for lib in (torch, minitorch)}
    for lib, p in one.items():
        lib.nn.utils.clip_grad_value_(p, 1.0, foreach=True)  # a single tensor
    np.testing.assert_array_equal(one[minitorch].grad.numpy(), one[torch].grad.numpy())


def test_parameters_to_vector_and_back_match_torch() -> None:
    rng = np.random.default_rng(2)
    values = [rng.standard_normal(s) for s in [(3, 2), (4,), (2, 1, 2)]]
    out = {}
    for lib in (torch, minitorch):
        params = [lib.nn.Parameter(lib.tensor(v.copy())) for v in values]
        vec = lib.nn.utils.parameters_to_vector(params)
        assert vec.shape == (14,) and vec.requires_grad
        (vec * lib.arange(14, dtype=lib.float64)).sum().backward()  # the vector is differentiable
        grads = [p.grad.numpy().copy() for p in params]
        new = lib.arange(14, dtype=lib.float64) * 0.5
        lib.nn.utils.vector_to_parameters(new, params)
        new[0] = 100.0  # the parameters now share the vector's memory
        out[lib] = (
            vec.detach().numpy().copy(),
            grads,
            [p.detach().numpy().copy() for p in params],
            [tuple(p.shape) for p in params],
        )
    np.testing.assert_array_equal(out[minitorch][0], out[torch][0])
    for i in (1, 2):
        for m, t in zip(out[minitorch][i], out[torch][i]):
            np.testing.assert_array_equal(m, t)
    assert out[minitorch][3] == out[torch][3] and out[minitorch][2][0][0, 0] == 100.0


def test_vector_to_parameters_errors_like_torch() -> None:
    raises_like(lambda lib: lib.nn.utils.vector_to_parameters([1.0, 2.0], [lib.zeros(2)]), exact=True)
    raises_like(lambda lib: lib.nn.utils.vector_to_parameters(np.zeros(2), [lib.zeros(2)]), exact=True)
    raises_like(lambda lib: lib.nn.utils.vector_to_parameters(lib.zeros(5), [lib.zeros(2, 3)]), exact=True)
