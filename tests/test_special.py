"""``minitorch.special`` against ``torch.special``: every name torch has there and minitorch provides, values and
gradients (float64 and float32, plus finite differences), node names, and the functions' edges."""

from __future__ import annotations

import numpy as np
import pytest
import torch

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
