"""Op-level benchmarks at the shapes LeNet-5 and the two-layer net use, for minitorch and torch.

Run all suites with ``minitorch bench`` (report in benchmarks/REPORT.md), or by hand:
``.venv/bin/python -m pytest benchmarks --benchmark-only --benchmark-sort=name``; each
group holds one case's minitorch and torch rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from minitorch_app.training import Engine

from .common import measure


def _randn(engine: Engine, *shape: int, seed: int = 0, grad: bool = False) -> object:
    t = engine.tensor(np.random.default_rng(seed).standard_normal(shape, dtype=np.float32))
    return t.requires_grad_() if grad else t


MATMUL = {  # case -> (title, (m, k, n))
    "matmul_lenet_fc1": ("matmul 64x400 @ 400x120 (LeNet fc1, batch 64)", (64, 400, 120)),
    "matmul_two_layer": ("matmul 64x1000 @ 1000x100 (two-layer net)", (64, 1000, 100)),
    "matmul_512": ("matmul 512x512 @ 512x512", (512, 512, 512)),
}


@pytest.mark.parametrize("case", list(MATMUL))
def test_matmul(benchmark, engine, case):
    title, (m, k, n) = MATMUL[case]
    a, b = _randn(engine, m, k, seed=0), _randn(engine, k, n, seed=1)
    measure(benchmark, engine, case, title, lambda: a @ b)


CONV = {  # case -> (title, batch, in, out, kernel, side, padding, input needs grad)
    "conv_lenet1": ("conv2d 1->6 5x5 on 32x32 (LeNet conv1), batch 64", 64, 1, 6, 5, 32, 0, False),
    "conv_lenet2": ("conv2d 6->16 5x5 on 14x14 (LeNet conv2), batch 64", 64, 6, 16, 5, 14, 0, True),
    "conv_wide": ("conv2d 32->64 3x3 pad 1 on 16x16, batch 64", 64, 32, 64, 3, 16, 1, True),
}


@pytest.mark.parametrize("case", list(CONV))
def test_conv2d_forward(benchmark, engine, case):
    title, n, cin, cout, k, side, pad, _ = CONV[case]
    F = engine.lib.nn.functional
    x, w, b = _randn(engine, n, cin, side, side), _randn(engine, cout, cin, k, k, seed=1), _randn(engine, cout, seed=2)
    measure(benchmark, engine, f"{case}_fwd", f"{title}: forward", lambda: F.conv2d(x, w, b, padding=pad))


@pytest.mark.parametrize("case", list(CONV))
def test_conv2d_forward_backward(benchmark, engine, case):
    title, n, cin, cout, k, side, pad, input_grad = CONV[case]
    F = engine.lib.nn.functional
    x = _randn(engine, n, cin, side, side, grad=input_grad)
    w, b = _randn(engine, cout, cin, k, k, seed=1, grad=True), _randn(engine, cout, seed=2, grad=True)
    out_side = side + 2 * pad - k + 1
    g = _randn(engine, n, cout, out_side, out_side, seed=3)

    def step() -> None:
        F.conv2d(x, w, b, padding=pad).backward(g)
        x.grad = w.grad = b.grad = None

    measure(benchmark, engine, f"{case}_fwd_bwd", f"{title}: forward+backward", step)


def test_max_pool2d_forward(benchmark, engine):
    F = engine.lib.nn.functional
    x = _randn(engine, 64, 6, 28, 28)
    measure(benchmark, engine, "maxpool_fwd", "max_pool2d 2x2 on 64x6x28x28: forward", lambda: F.max_pool2d(x, 2))


def test_max_pool2d_forward_backward(benchmark, engine):
    F = engine.lib.nn.functional
    x, g = _randn(engine, 64, 6, 28, 28, grad=True), _randn(engine, 64, 6, 14, 14, seed=1)

    def step() -> None:
        F.max_pool2d(x, 2).backward(g)
        x.grad = None

    measure(benchmark, engine, "maxpool_fwd_bwd", "max_pool2d 2x2 on 64x6x28x28: forward+backward", step)


def _logits(engine: Engine, grad: bool) -> tuple:
    labels = engine.tensor(np.random.default_rng(1).integers(0, 10, 64))
    return _randn(engine, 64, 10, grad=grad), labels


def test_cross_entropy_forward(benchmark, engine):
    F = engine.lib.nn.functional
    x, y = _logits(engine, False)
    measure(
        benchmark, engine, "cross_entropy_fwd", "softmax cross-entropy 64x10: forward", lambda: F.cross_entropy(x, y)
    )


def test_cross_entropy_forward_backward(benchmark, engine):
    F = engine.lib.nn.functional
    x, y = _logits(engine, True)

    def step() -> None:
        F.cross_entropy(x, y).backward()
        x.grad = None

    measure(benchmark, engine, "cross_entropy_fwd_bwd", "softmax cross-entropy 64x10: forward+backward", step)


def test_elementwise_chain_forward_backward(benchmark, engine):
    x = engine.tensor(np.random.default_rng(0).uniform(-1, 1, (256, 1024)).astype(np.float32)).requires_grad_()

    def step() -> None:
        ((x * 2 + 1).tanh() * x.sigmoid()).relu().sum().backward()
        x.grad = None

    measure(
        benchmark,
        engine,
        "elementwise_chain",
        "elementwise chain on 256x1024 (mul add tanh sigmoid relu sum): forward+backward",
        step,
    )


def test_sgd_momentum_step(benchmark, engine):
    model = engine.build_model("lenet")
    for i, p in enumerate(model.parameters()):
        p.grad = _randn(engine, *p.shape, seed=i)
    opt = engine.optimizer("sgd", model.parameters(), 0.01, 0.9)
    measure(benchmark, engine, "sgd_step", "SGD momentum step over LeNet's 10 parameters", opt.step)
