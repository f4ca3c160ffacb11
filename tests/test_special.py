"""``minitorch.special`` against ``torch.special``: every name torch has there and minitorch provides, values and
gradients (float64 and float32, plus finite differences), node names, and the functions' edges."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity

RNG = np.random.default_rng(11)
X = RNG.uniform(-2.5, 2.5, (3, 4))
P = RNG.uniform(0.05, 0.95, (3, 4))


@pytest.mark.parametrize(
    "expr",
    [
        "lib.special.erf(x)",
        "lib.special.erfc(x)",
        "lib.special.erfinv(p * 2 - 1)",
        "lib.special.expit(x)",
        "lib.special.logit(p)",
        "lib.special.xlogy(p, p + 1)",
        "lib.special.log1p(p)",
        "lib.special.expm1(x)",
        "lib.special.exp2(x)",
        "lib.special.gammaln(x * 2)",
        "lib.special.digamma(p + 1)",
        "lib.special.psi(p * 3)",
        "lib.special.polygamma(2, p + 0.5)",
        "lib.special.sinc(x)",
        "lib.special.softmax(x, 1)",
        "lib.special.log_softmax(x, 0)",
        "lib.special.logsumexp(x, 1)",
        "lib.special.entr(p)",
        "lib.special.ndtr(x)",
        "lib.special.ndtri(p)",
        "lib.special.log_ndtr(x * 3)",
    ],
)
def test_matches_torch_special(expr):
    parity.check_both(lambda lib, x, p: eval(expr, {"lib": lib, "x": x, "p": p}), X, P)


def test_nodes_and_edges_are_torch_s():
    for lib in (torch, minitorch):
        x = lib.tensor([0.2, 0.7], requires_grad=True)
        names = [type(f(x).grad_fn).__name__ for f in (lib.special.entr, lib.special.ndtr, lib.special.ndtri)]
        names.append(type(lib.special.log_ndtr(x).grad_fn).__name__)
        assert names == ["SpecialEntrBackward0", "MulBackward1", "SpecialNdtriBackward0", "SpecialLogNdtrBackward0"]
    edges = {
        "entr": [-1.0, 0.0, 0.5, float("inf"), float("nan")],
        "ndtri": [0.0, 1e-10, 0.5, 1.0, 1.5, float("nan")],
        "log_ndtr": [-30.0, -8.0, 0.0, 8.0, float("inf"), float("-inf")],
    }
    for name, values in edges.items():
        want = getattr(torch.special, name)(torch.tensor(values, dtype=torch.float64)).numpy()
        got = getattr(minitorch.special, name)(minitorch.tensor(values, dtype=minitorch.float64)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, err_msg=name)


@given(
    x=st.floats(1.05, 8.0),
    q=st.lists(st.floats(0.05, 6.0), min_size=1, max_size=6).map(np.array),
    shift=st.sampled_from([0.0, -1.5, -3.25]),
)
def test_zeta_and_its_gradient_in_q_match_torch(x: float, q: np.ndarray, shift: float) -> None:
    """Values and the gradient in q (the only one torch has) over drawn exponents and shifts, negative shifts with
    whole exponents too (where the sum runs through the negative terms first)."""
    x_ = float(np.ceil(x)) if shift else x  # (a negative shift with a fractional exponent is NaN: tested below)
    q_ = q + shift + 0.03  # (away from the poles at 0, -1, ...)

    def fn(lib: Any, t: Any) -> Any:
        return lib.special.zeta(lib.full_like(t, x_), t), lib.special.zeta(x_, t) * 2

    parity.check_both(fn, q_, gradcheck=bool(np.all(np.abs(q_ - np.round(q_)) > 0.1)))


def test_zeta_at_torch_s_special_points() -> None:
    x = np.array([2.5, 2.0, 2.0, 1.0, 0.5, 3.0, np.inf, 2.0, 2.0, np.nan, 2.0, 1.0001, 30.0, 2.0, -2.0])
    q = np.array([-1.5, -1.5, -2.0, 1.0, 1.0, np.inf, 2.0, 0.0, 1e-3, 1.0, np.nan, 2.0, 0.9, -np.inf, 1.0])
    for dtype in (np.float64, np.float32):
        ours = minitorch.special.zeta(minitorch.tensor(x.astype(dtype)), minitorch.tensor(q.astype(dtype))).numpy()
        theirs = torch.special.zeta(torch.tensor(x.astype(dtype)), torch.tensor(q.astype(dtype))).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-6 if dtype == np.float32 else 1e-12)
    assert minitorch.special.zeta(minitorch.tensor([2, 3]), minitorch.tensor([1, 2])).dtype == minitorch.float32


def test_zeta_has_no_gradient_in_its_exponent_as_in_torch() -> None:
    def run(lib: Any) -> None:
        x = lib.tensor([2.0, 3.0], requires_grad=True)
        lib.special.zeta(x, lib.tensor([1.0, 2.0])).sum().backward()

    parity.raises_like(run, "the derivative for 'zeta' is not implemented.")
    for lib in (minitorch, torch):
        out = lib.special.zeta(lib.tensor([2.0]), lib.tensor([1.0], requires_grad=True))
        assert type(out.grad_fn).__name__ == "SpecialZetaBackward0"
