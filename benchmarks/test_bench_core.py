"""Core-engine benchmarks: each case runs for minitorch and torch in the same session.

Run: .venv/bin/python -m pytest benchmarks --benchmark-group-by=func
Compare the two rows of each group (ratios, not absolute times).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
from examples.two_layer_net import make_problem

LIBS = {"minitorch": minitorch, "torch": torch}


@pytest.fixture(params=list(LIBS))
def lib(request: pytest.FixtureRequest) -> object:
    return LIBS[request.param]


def test_matmul_two_layer_shape(benchmark, lib):
    a = lib.tensor(np.random.default_rng(0).standard_normal((64, 1000), dtype=np.float32))
    b = lib.tensor(np.random.default_rng(1).standard_normal((1000, 100), dtype=np.float32))
    benchmark(lambda: a @ b)


def test_elementwise_chain_forward_backward(benchmark, lib):
    x = lib.tensor(np.random.default_rng(0).uniform(-1, 1, (256, 1024)).astype(np.float32), requires_grad=True)

    def step():
        y = ((x * 2 + 1).tanh() * x.sigmoid()).relu().sum()
        y.backward()
        x.grad = None
    benchmark(step)


def test_two_layer_net_step(benchmark, lib):
    p = make_problem(0)
    x, y = lib.tensor(p["x"]), lib.tensor(p["y"])
    w1 = lib.tensor(p["w1"], requires_grad=True)
    w2 = lib.tensor(p["w2"], requires_grad=True)

    def step():
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        loss.backward()
        with lib.no_grad():
            w1.sub_(1e-6 * w1.grad)
            w2.sub_(1e-6 * w2.grad)
            w1.grad.zero_()
            w2.grad.zero_()
    benchmark(step)
