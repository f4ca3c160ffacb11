"""The host's numba kernels against their plain numpy twins and against torch, forward and backward.

- ``FlatConvolutionNumba`` (conv_numba.py) against ``FlatConvolution`` (conv_flat.py): the same
  products summed in another order, so equal to float rounding; and against torch in float64.
- ``MaxPool2DTiledNumba`` (pool_numba.py) against ``MaxPool2DTiled`` (pool_tiled.py): no arithmetic,
  so bit for bit, ties and NaN included.
- ``ReluNumba`` (unary_numba.py) against ``Relu`` (unary.py) and torch: bit for bit, with inf, NaN and
  signed zeros, forward and backward; ``ClampNumba`` against ``Clamp`` (selection.py) and torch likewise.
- ``BatchNormNumba`` (normalization_numba.py) against ``BatchNorm`` and torch, within float rounding.
- ``LSTMLayerNumba`` and ``GRULayerNumba`` (recurrence_numba.py) against ``LSTMLayer`` and ``GRULayer``
  (recurrence.py): the same formulas in the same order, so bit for bit; and against torch's ``nn.LSTM``,
  ``nn.GRU``.
- ``CrossEntropyLossNumba`` (cross_entropy_numba.py) against ``CrossEntropyLoss`` and torch, within float
  rounding (its sums run in float64).
- The whole-array add, subtract, multiply and fill (elementwise_numba.py) against numpy's ufuncs
  (backend/elementwise.py) and torch: bit for bit; and what they leave to numpy.

Shapes and values are drawn by hypothesis; each case runs on one thread and on two, so that the
split of the batch over numba's threads (``prange``) is checked too. Without numba (or with
``MINITORCH_NO_NUMBA=1``) the twin tests are skipped and the fallback tests below check that the
plain kernels run.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch.backend import HOST, elementwise, jit
from minitorch.ops import (
    conv,
    conv_numba,
    cross_entropy_numba,
    elementwise_numba,
    embedding_numba,
    normalization_numba,
    pool_numba,
    recurrence_numba,
    unary_numba,
)
from minitorch.ops.conv_flat import FlatConvolution
from minitorch.ops.conv_numba import FlatConvolutionNumba
from minitorch.ops.cross_entropy import CrossEntropyLoss
from minitorch.ops.cross_entropy_numba import CrossEntropyLossNumba
from minitorch.ops.normalization import BatchNorm
from minitorch.ops.normalization_numba import BatchNormNumba
from minitorch.ops.pool_numba import MaxPool2DTiledNumba
from minitorch.ops.pool_tiled import MaxPool2DTiled
from minitorch.ops.recurrence import GRULayer, LSTMLayer
from minitorch.ops.recurrence_numba import GRULayerNumba, LSTMLayerNumba
from minitorch.ops.selection import Clamp, ClampMax, ClampMin
from minitorch.ops.unary import Relu
from minitorch.ops.unary_numba import ClampMaxNumba, ClampMinNumba, ClampNumba, ReluNumba

needs_numba = pytest.mark.skipif(not jit.enabled(), reason="numba is not installed (or MINITORCH_NO_NUMBA is set)")
SETTINGS = settings(max_examples=25, deadline=None)


@contextlib.contextmanager
def thread_count(count: int) -> Iterator[None]:
    """minitorch on ``count`` threads, with even small inputs split over them (the parallel kernels, not their
    serial twins) and given to the kernels that leave small ones to their plain twins; restored after."""
    modules = (
        conv_numba, pool_numba, unary_numba, elementwise_numba, normalization_numba, recurrence_numba,
        cross_entropy_numba,
    )  # fmt: skip
    before = minitorch.get_num_threads(), [m.PARALLEL_WORK for m in modules], unary_numba.CLAMP_KERNEL_WORK
    minitorch.set_num_threads(count)
    for m in modules:
        m.PARALLEL_WORK = 0
    unary_numba.CLAMP_KERNEL_WORK = 0  # clamp's kernel even where its forward would be the plain twin's passes
    try:
        yield
    finally:
        minitorch.set_num_threads(before[0])
        for m, work in zip(modules, before[1]):
            m.PARALLEL_WORK = work
        unary_numba.CLAMP_KERNEL_WORK = before[2]


@pytest.fixture
def threads() -> Any:
    """Set minitorch's thread count for one test and restore it after."""
    before = minitorch.get_num_threads()
    yield minitorch.set_num_threads
    minitorch.set_num_threads(before)


@st.composite
def conv_problems(draw: Any) -> dict:
    groups = draw(st.sampled_from([1, 1, 2]))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    pad = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * pad[0]), 14))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pad[1]), 14))
    return dict(
        n=draw(st.integers(1, 6)),
        c=groups * draw(st.integers(1, 3)),
        o=groups * draw(st.integers(1, 4)),
        hw=(h, w),
        k=(kh, kw),
        padding=pad,
        dilation=(dh, dw),
        groups=groups,
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )


def _conv_run(case: dict, dtype: Any, kernel: Any) -> list:
    """Output and gradients (input, weight, bias) of ``kernel`` (an Op) or of torch on one problem."""
    rng = np.random.default_rng(case["seed"])
    groups = case["groups"]
    x = rng.standard_normal((case["n"], case["c"]) + case["hw"]).astype(dtype)
    w = rng.standard_normal((case["o"], case["c"] // groups) + case["k"]).astype(dtype)
    b = rng.standard_normal(case["o"]).astype(dtype) if case["bias"] else None
    lib = torch if kernel is torch else minitorch
    xt, wt = (lib.tensor(a, requires_grad=True) for a in (x, w))
    bt = None if b is None else lib.tensor(b, requires_grad=True)
    if kernel is torch:
        out = torch.nn.functional.conv2d(xt, wt, bt, 1, case["padding"], case["dilation"], groups)
    else:
        plan = conv._plan(xt, wt, bt, 1, case["padding"], case["dilation"], groups)
        out = kernel.apply(xt, wt, bt, plan.pads, plan.dilation, groups, plan.flat)
    g = np.random.default_rng(case["seed"] + 1).standard_normal(tuple(out.shape)).astype(dtype)
    out.backward(lib.tensor(g))
    grads = [xt.grad, wt.grad] + ([] if bt is None else [bt.grad])
    return [out.detach().numpy()] + [t.numpy() for t in grads]


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("count", [1, 2])
@SETTINGS
@given(case=conv_problems())
def test_numba_convolution_agrees_with_its_plain_twin_and_torch(case: dict, dtype: Any, count: int) -> None:
    with thread_count(count):
        fast = _conv_run(case, dtype, FlatConvolutionNumba)
    plain = _conv_run(case, dtype, FlatConvolution)
    ref = _conv_run(case, np.float64, torch)
    for what, f, p, r in zip(("output", "input grad", "weight grad", "bias grad"), fast, plain, ref):
        assert f.shape == p.shape and f.dtype == p.dtype == dtype, what
        # sums of up to a few hundred products: rounding relative to their magnitudes
        scale = max(1.0, float(np.abs(p).max()))
        tol = 1e-12 if dtype == np.float64 else 3e-5
        np.testing.assert_allclose(f, p, rtol=0, atol=tol * scale, err_msg=what)
        np.testing.assert_allclose(f, r, rtol=0, atol=tol * scale, err_msg=what)


@needs_numba
@pytest.mark.parametrize("keep_bytes", [0, 1 << 30])
def test_numba_convolution_rebuilds_or_keeps_its_columns_with_the_same_result(
    keep_bytes: int, monkeypatch: pytest.MonkeyPatch, threads: Any
) -> None:
    """Large batches rebuild the columns in backward, small ones keep them; chunks split the batch."""
    threads(2)
    monkeypatch.setattr(conv_numba, "KEEP_BYTES", keep_bytes)
    monkeypatch.setattr(conv_numba.conv_flat, "CHUNK_BYTES", 20_000)  # several chunks per slice
    case = dict(n=9, c=6, o=16, hw=(14, 14), k=(5, 5), padding=(0, 0), dilation=(1, 1), groups=1, bias=True, seed=3)
    fast, plain = _conv_run(case, np.float64, FlatConvolutionNumba), _conv_run(case, np.float64, FlatConvolution)
    for f, p in zip(fast, plain):
        np.testing.assert_allclose(f, p, rtol=0, atol=1e-11 * max(1.0, float(np.abs(p).max())))


@st.composite
def pool_inputs(draw: Any) -> np.ndarray:
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(2, 13)), draw(st.integers(2, 13)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.integers(-2, 3, shape).astype(np.float64)  # many tied maxima
    if draw(st.booleans()):
        values = rng.standard_normal(shape)
    for special in (np.nan, np.inf, -np.inf):
        if draw(st.booleans()):
            values.reshape(-1)[rng.integers(0, values.size, 3)] = special
    return values


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("count", [1, 2])
@SETTINGS
@given(x=pool_inputs())
def test_numba_max_pool_agrees_bitwise_with_its_plain_twin_and_torch(x: np.ndarray, dtype: Any, count: int) -> None:
    x = x.astype(dtype)
    out_hw = (x.shape[2] // 2, x.shape[3] // 2)
    g = np.random.default_rng(1).standard_normal(x.shape[:2] + out_hw).astype(dtype)
    results = []
    for kernel in (MaxPool2DTiledNumba, MaxPool2DTiled):
        t = minitorch.tensor(x, requires_grad=True)
        with thread_count(count):
            out = kernel.apply(t, (2, 2), out_hw)
            out.backward(minitorch.tensor(g))
        results.append((out.detach().numpy(), t.grad.numpy()))
    (fo, fg), (po, pg) = results
    np.testing.assert_array_equal(fo, po)
    np.testing.assert_array_equal(fg, pg)
    assert fo.dtype == fg.dtype == dtype
    t = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.max_pool2d(t, 2)
    out.backward(torch.tensor(g))
    np.testing.assert_array_equal(fo, out.detach().numpy())
    np.testing.assert_array_equal(fg, t.grad.numpy())


@needs_numba
def test_numba_variants_are_registered_on_the_host_and_chosen_by_the_public_functions() -> None:
    assert HOST.kernel(FlatConvolution) is FlatConvolutionNumba
    assert HOST.kernel(MaxPool2DTiled) is MaxPool2DTiledNumba
    x = minitorch.randn(2, 3, 8, 8, requires_grad=True)
    y = minitorch.nn.functional.conv2d(x, minitorch.randn(4, 3, 3, 3))
    assert y.grad_fn._function is FlatConvolutionNumba
    assert minitorch.nn.functional.max_pool2d(y, 2).grad_fn._function is MaxPool2DTiledNumba


@needs_numba
def test_a_pool_the_numba_kernel_does_not_cover_runs_the_plain_twin() -> None:
    """3x3 tiles and integer inputs go to the plain code inside the variant, with the same results."""
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 9))
    for kernel in (MaxPool2DTiledNumba, MaxPool2DTiled):
        t = minitorch.tensor(x, requires_grad=True)
        out = kernel.apply(t, (3, 3), (3, 3))
        out.sum().backward()
        if kernel is MaxPool2DTiledNumba:
            fast = (out.detach().numpy(), t.grad.numpy())
    np.testing.assert_array_equal(fast[0], out.detach().numpy())
    np.testing.assert_array_equal(fast[1], t.grad.numpy())


def test_a_kernel_that_cannot_compile_turns_numba_off_and_the_plain_twins_take_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failing numba (here: refused when first called) unregisters every variant; results are unchanged."""
    registry, undo = dict(HOST._kernels), list(jit._state["undo"])
    kernel = conv_numba.forward_serial  # the small case below runs the serial twin
    monkeypatch.setattr(kernel, "compiled", None)
    monkeypatch.setitem(jit._state, "enabled", True)

    def broken() -> Any:
        jit.disable("numba: broken for this test")
        raise jit.KernelUnavailable(jit.failure())

    monkeypatch.setattr(kernel, "_compile", broken)
    try:
        jit.register(HOST, FlatConvolution, FlatConvolutionNumba)  # as conv_numba does where numba is present
        assert HOST.kernel(FlatConvolution) is FlatConvolutionNumba
        case = dict(n=2, c=2, o=3, hw=(6, 6), k=(3, 3), padding=(1, 1), dilation=(1, 1), groups=1, bias=True, seed=5)
        fast = _conv_run(case, np.float64, FlatConvolutionNumba)  # falls back inside the variant
        assert jit.failure() == "numba: broken for this test"
        assert HOST.kernel(FlatConvolution) is FlatConvolution  # unregistered
        plain = _conv_run(case, np.float64, FlatConvolution)
        for f, p in zip(fast, plain):
            np.testing.assert_array_equal(f, p)
    finally:
        jit._state["failed"] = None
        jit._state["undo"][:] = undo
        HOST._kernels.clear()
        HOST._kernels.update(registry)


def _add_one(x: Any) -> Any:  # pragma: no cover - compiled by numba
    return x + 1


@pytest.mark.skipif(not jit.enabled(), reason="numba is not installed or refused")
def test_a_kernel_counts_the_time_it_compiles_and_only_that() -> None:
    """``compile_seconds`` grows on a call with new argument types (compiled or loaded from the cache), not on a
    call with known ones; the kernel's results are the function's."""
    kernel = jit.Kernel(_add_one)
    try:
        before = jit.compile_seconds()
        assert kernel(np.arange(3.0)).tolist() == [1.0, 2.0, 3.0]
        compiled = jit.compile_seconds()
        assert compiled > before
        assert kernel(np.arange(4.0)).tolist() == [1.0, 2.0, 3.0, 4.0]  # same types: no compilation
        assert jit.compile_seconds() == compiled
        assert kernel(np.arange(2, dtype=np.int64)).tolist() == [1, 2]  # new types: compiled again
        assert jit.compile_seconds() > compiled
    finally:
        jit._state["kernels"].remove(kernel)


@pytest.mark.skipif(not jit.enabled(), reason="numba is not installed or refused")
def test_a_kernel_numba_cannot_type_turns_numba_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """A typing error while compiling for new argument types raises ``KernelUnavailable`` (the variant's cue to run
    its plain twin) and turns every numba kernel off; an error the compiled code raises itself passes through."""
    registry, undo = dict(HOST._kernels), list(jit._state["undo"])
    kernel = jit.Kernel(_add_one)
    try:
        with pytest.raises(jit.KernelUnavailable):
            kernel("text")  # numba has no ``str + int``
        assert jit.failure() is not None and "Typing" in jit.failure()
    finally:
        jit._state["kernels"].remove(kernel)
        jit._state["failed"] = None
        jit._state["undo"][:] = undo
        HOST._kernels.clear()
        HOST._kernels.update(registry)


def test_without_numba_minitorch_imports_nothing_of_it_and_trains_on_the_plain_kernels() -> None:
    """``MINITORCH_NO_NUMBA=1`` stands for a machine without numba: no variant registered, numba never imported."""
    code = (
        "import sys, minitorch\n"
        "from minitorch.backend import HOST, jit\n"
        "assert not jit.enabled() and jit.version() is None\n"
        "assert not [v for v in HOST.kernels().values() if v.__module__.endswith('_numba')]\n"
        "x = minitorch.randn(2, 1, 12, 12)\n"
        "conv = minitorch.nn.Conv2d(1, 4, 5)\n"
        "loss = minitorch.nn.functional.max_pool2d(minitorch.relu(conv(x)), 2).sum()\n"
        "loss.backward()\n"
        "assert conv.weight.grad is not None\n"
        "assert 'numba' not in sys.modules\n"
        "print('ok')\n"
    )
    env = dict(os.environ, MINITORCH_NO_NUMBA="1")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_importing_minitorch_neither_imports_numba_nor_compiles() -> None:
    code = "import sys, minitorch\nassert 'numba' not in sys.modules\nprint('ok')\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@needs_numba
@pytest.mark.parametrize("n", [1, 4, 9, 64])
def test_numba_convolution_gives_the_same_bits_on_any_number_of_threads(n: int) -> None:
    """A run resumed on another machine (or with another OMP_NUM_THREADS) continues the same numbers."""
    case = dict(n=n, c=6, o=16, hw=(14, 14), k=(5, 5), padding=(0, 0), dilation=(1, 1), groups=1, bias=True, seed=n)
    runs = []
    for count in (1, 2, 3):
        with thread_count(count):
            runs.append(_conv_run(case, np.float32, FlatConvolutionNumba))
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)


@needs_numba
def test_empty_inputs_run_the_plain_twins_inside_the_variants() -> None:
    """No channels or no images: the compiled loops would divide by a zero size; the plain code handles it."""
    F = minitorch.nn.functional
    x, w = minitorch.ones(2, 0, 4, 4, requires_grad=True), minitorch.ones(3, 0, 2, 2, requires_grad=True)
    out = F.conv2d(x, w, minitorch.arange(3.0))
    assert out.grad_fn._function is FlatConvolutionNumba and out.shape == (2, 3, 3, 3)
    out.sum().backward()
    assert x.grad.shape == x.shape and w.grad.shape == w.shape
    empty = minitorch.ones(0, 3, 4, 4, requires_grad=True)
    pooled = F.max_pool2d(empty, 2)
    assert pooled.shape == (0, 3, 2, 2)
    pooled.sum().backward()
    assert empty.grad.shape == empty.shape


def _second_order(lib: Any, functional: Any, arrays: list) -> list:
    """A conv -> 2x2 max pool -> linear net: its gradients, then the gradients of their squared norm."""
    x, w, b, lw, lb = (lib.tensor(a, requires_grad=True) for a in arrays)
    h = functional.max_pool2d(functional.conv2d(x, w, b, padding=1), 2)
    loss = (functional.linear(h.reshape(h.shape[0], -1), lw, lb).tanh() ** 2).sum()
    first = lib.autograd.grad(loss, (x, w, lw), create_graph=True)
    second = lib.autograd.grad(sum((g**2).sum() for g in first), (x, w, b, lw, lb))
    return [g.detach().numpy() for g in (*first, *second)]


@needs_numba
@pytest.mark.parametrize("count", [1, 2])
@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 5), c=st.integers(1, 3), side=st.sampled_from([4, 6, 8]), seed=st.integers(0, 2**16))
def test_the_fast_variants_differentiate_twice_as_torch(n: int, c: int, side: int, seed: int, count: int) -> None:
    # Under create_graph the numba conv and pool and the threaded products hand over to their plain twins'
    # differentiable backward; the first and second derivatives of the whole net must match torch's.
    from minitorch.ops import linalg_threads

    rng = np.random.default_rng(seed)
    o, feat = 3, 3 * (side // 2) ** 2
    arrays = [rng.standard_normal(s) for s in ((n, c, side, side), (o, c, 3, 3), (o,), (4, feat), (4,))]
    before = linalg_threads.MIN_BLOCK
    linalg_threads.MIN_BLOCK = 1  # the products split even at these sizes
    try:
        with thread_count(count):
            assert HOST.kernel(FlatConvolution) is FlatConvolutionNumba
            assert HOST.kernel(MaxPool2DTiled) is MaxPool2DTiledNumba
            ours = _second_order(minitorch, minitorch.nn.functional, arrays)
    finally:
        linalg_threads.MIN_BLOCK = before
    ref = _second_order(torch, torch.nn.functional, arrays)
    for a, r in zip(ours, ref):
        np.testing.assert_allclose(a, r, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(r).max())))


SPECIAL = st.sampled_from([0.0, -0.0, 1.5, -2.5, np.inf, -np.inf, np.nan, 1e-30, -1e-30])


@needs_numba
@pytest.mark.parametrize("count", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@SETTINGS
@given(data=st.data(), size=st.integers(1, 3000))
def test_numba_relu_agrees_bitwise_with_its_plain_twin_and_torch(data: Any, size: int, dtype: Any, count: int) -> None:
    values = data.draw(st.lists(st.one_of(SPECIAL, st.floats(-1e6, 1e6, width=32)), min_size=size, max_size=size))
    grads = data.draw(st.lists(st.one_of(SPECIAL, st.floats(-1e6, 1e6, width=32)), min_size=size, max_size=size))
    x, g = np.array(values, dtype=dtype), np.array(grads, dtype=dtype)
    results = {}
    for name, kernel in (("fast", ReluNumba), ("plain", Relu)):
        t = minitorch.tensor(x, requires_grad=True)
        with thread_count(count):
            out = kernel.apply(t)
            out.backward(minitorch.tensor(g))
        results[name] = (out.detach().numpy(), t.grad.numpy())
    tt = torch.tensor(x, requires_grad=True)
    ref = torch.relu(tt)
    ref.backward(torch.tensor(g))
    fast, plain = results["fast"], results["plain"]
    np.testing.assert_array_equal(fast[0], plain[0])
    np.testing.assert_array_equal(fast[1], plain[1])
    np.testing.assert_array_equal(fast[0], ref.detach().numpy())
    np.testing.assert_array_equal(np.signbit(fast[0]), np.signbit(ref.detach().numpy()))  # -0.0 kept, as torch
    np.testing.assert_array_equal(fast[1], tt.grad.numpy())


@needs_numba
def test_relu_variant_is_what_the_public_functions_run_and_it_differentiates_twice() -> None:
    assert HOST.kernel(Relu) is ReluNumba
    x = minitorch.tensor([[-1.0, 2.0, 3.0]], requires_grad=True)
    assert minitorch.relu(x).grad_fn._function is ReluNumba
    assert minitorch.nn.ReLU()(x).grad_fn._function is ReluNumba
    (g,) = minitorch.autograd.grad((minitorch.relu(x) ** 3).sum(), x, create_graph=True)
    (gg,) = minitorch.autograd.grad(g.sum(), x)
    tx = torch.tensor([[-1.0, 2.0, 3.0]], requires_grad=True)
    (tg,) = torch.autograd.grad((torch.relu(tx) ** 3).sum(), tx, create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy())


@needs_numba
def test_numba_pool_leaves_the_openmp_thread_count_of_torch_alone() -> None:
    """numba's OpenMP layer shares torch's libgomp: starting it must not change torch's thread count."""
    code = (
        "import torch\n"
        "torch.set_num_threads(1)\n"
        "import minitorch\n"
        "from minitorch.backend import jit\n"
        "minitorch.set_num_threads(2)\n"
        "minitorch.relu(minitorch.randn(1 << 17))  # large enough for the parallel kernel\n"
        "assert jit.threading_layer() is not None\n"
        "print(torch.get_num_threads())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr


@needs_numba
def test_the_warm_up_compiles_every_kernel_a_training_step_uses() -> None:
    """``python -m minitorch.ops.warm`` (run by scripts/setup.sh) leaves no kernel to compile in a fresh process."""
    code = "from minitorch.ops import warm\nprint(warm.warm_up()['uncompiled'])\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr + done.stdout


@needs_numba
def test_without_a_fast_threading_layer_the_plain_kernels_run() -> None:
    """numba's workqueue layer (no OpenMP or TBB runtime) starts each loop in hundreds of microseconds: the
    kernels step aside for their plain twins, with the reason kept, and results are unchanged."""
    code = (
        "import numpy as np, minitorch\n"
        "from minitorch.backend import jit\n"
        "jit.SLOW_LAYERS = ('omp', 'tbb', 'workqueue')  # whichever layer starts counts as the slow one\n"
        "a = np.tile(np.array([-1.0, 2.0, 3.0, -4.0], dtype=np.float32), 1 << 15)  # large: the parallel kernel\n"
        "x = minitorch.tensor(a, requires_grad=True)\n"
        "y = minitorch.relu(x)\n"
        "y.sum().backward()\n"
        "assert (y.detach().numpy() == np.maximum(a, 0)).all() and (x.grad.numpy() == (a > 0)).all()\n"
        "print(jit.failure())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "threading layer" in done.stdout, done.stderr + done.stdout


@needs_numba
@pytest.mark.parametrize("kept", [True, False])
def test_a_backward_whose_kernel_became_unavailable_runs_the_plain_twin(
    monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    """numba turned off between a forward and its backward: the variants' backwards fall back, same results."""
    if not kept:
        monkeypatch.setattr(conv_numba, "KEEP_BYTES", 0)  # the padded input is saved, not the columns
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((3, 2, 8, 8), (4, 2, 3, 3), (4,))]

    def chain() -> list:
        x, w, b = (minitorch.tensor(a, requires_grad=True) for a in arrays)
        out = minitorch.nn.functional.max_pool2d(minitorch.relu(minitorch.nn.functional.conv2d(x, w, b)), 2)
        assert out.grad_fn._function is MaxPool2DTiledNumba
        return [out, x, w, b]

    def unavailable(*args: Any) -> Any:
        raise jit.KernelUnavailable("numba: off for this test")

    results = []
    for broken in (False, True):
        out, *leaves = chain()
        if broken:  # after the forward ran its kernels
            monkeypatch.setattr(conv_numba, "backward_kernel", unavailable)
            monkeypatch.setattr(pool_numba, "pool2x2_backward", unavailable)
            monkeypatch.setattr(unary_numba, "relu_backward", unavailable)
        (out**2).sum().backward()
        results.append([t.grad.numpy() for t in leaves])
    for f, r in zip(results[1], results[0]):
        np.testing.assert_allclose(f, r, rtol=1e-12, atol=1e-12)


@needs_numba
def test_small_inputs_run_the_serial_twins_and_give_the_same_bits() -> None:
    """Below PARALLEL_WORK a kernel runs on the calling thread (its serial twin): same blocks, same bits."""
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((4, 2, 12, 12), (3, 2, 5, 5), (3,))]

    def run() -> list:
        x, w, b = (minitorch.tensor(a, requires_grad=True) for a in arrays)
        out = minitorch.nn.functional.max_pool2d(minitorch.relu(minitorch.nn.functional.conv2d(x, w, b)), 2)
        (out**2).sum().backward()
        return [out.detach().numpy()] + [t.grad.numpy() for t in (x, w, b)]

    calls: list = []
    kernels = [conv_numba.forward_serial, conv_numba.backward_serial, pool_numba.pool2x2_forward_serial]
    kernels += [unary_numba.relu_forward_serial, conv_numba.forward_kernel, pool_numba.pool2x2_forward]
    original = jit.Kernel.__call__

    def spy(self: Any, *args: Any) -> Any:
        calls.append(self)
        return original(self, *args)

    with thread_count(2):
        parallel = run()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jit.Kernel, "__call__", spy)
        minitorch.set_num_threads(2)
        serial = run()
    assert all(k in calls for k in kernels[:4]) and not any(k in calls for k in kernels[4:])
    for a, b in zip(parallel, serial):
        np.testing.assert_array_equal(a, b)


@needs_numba
def test_a_process_forked_after_the_pool_started_runs_the_serial_twins() -> None:
    """GNU OpenMP cannot run in a child forked after it started (numba terminates such a child): a forked
    child (a DataLoader worker, multiprocessing's fork) runs the kernels' serial twins, with the same bits."""
    code = (
        "import multiprocessing as mp, numpy as np, minitorch\n"
        "from minitorch.backend import jit\n"
        "minitorch.set_num_threads(2)\n"
        "def work():\n"
        "    rng = np.random.default_rng(0)\n"
        "    x = minitorch.tensor(rng.standard_normal((64, 4, 20, 20)).astype(np.float32), requires_grad=True)\n"
        "    w = minitorch.tensor(rng.standard_normal((8, 4, 5, 5)).astype(np.float32), requires_grad=True)\n"
        "    h = minitorch.nn.functional.max_pool2d(minitorch.relu(minitorch.nn.functional.conv2d(x, w)), 2)\n"
        "    m = minitorch.tensor(rng.standard_normal((512, 512)).astype(np.float32))\n"
        "    out = (h.sum() + (m @ m).sum())\n"
        "    out.backward()\n"
        "    return np.concatenate([out.detach().numpy().reshape(-1), x.grad.numpy().reshape(-1)])\n"
        "def child(q):\n"
        "    q.put(work())\n"
        "parent = work()\n"
        "assert jit.threading_layer() is not None\n"
        "ctx = mp.get_context('fork')\n"
        "q = ctx.Queue()\n"
        "p = ctx.Process(target=child, args=(q,))\n"
        "p.start()\n"
        "got = q.get(timeout=120)\n"
        "p.join(60)\n"
        "assert p.exitcode == 0, p.exitcode\n"
        "assert np.array_equal(got, parent)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr + done.stdout


ELEMENTWISE = ("add", "subtract", "multiply")
_TORCH_OPS = {"add": torch.add, "subtract": torch.sub, "multiply": torch.mul}


def _values(data: Any, size: int, dtype: Any) -> np.ndarray:
    return np.array(
        data.draw(st.lists(st.one_of(SPECIAL, st.floats(-1e6, 1e6, width=32)), min_size=size, max_size=size)),
        dtype=dtype,
    )


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ELEMENTWISE)
@SETTINGS
@given(data=st.data(), size=st.integers(1, 3000), kind=st.sampled_from(["array", "float", "int", "flipped"]))
def test_numba_elementwise_agrees_bitwise_with_numpy_and_torch(
    data: Any, size: int, kind: str, name: str, dtype: Any
) -> None:
    x = _values(data, size, dtype)
    if kind == "array":
        other: Any = _values(data, size, dtype)
    elif kind == "int":
        other = data.draw(st.integers(-(2**40), 2**40))
    else:
        other = data.draw(st.one_of(SPECIAL.map(float), st.floats(-1e30, 1e30)))
    a, b = (other, x) if kind == "flipped" else (x, other)
    with thread_count(2), np.errstate(all="ignore"):  # (numpy's warnings for inf * 0 and the like)
        combined = elementwise_numba.combine_numba(a, name, b)
        updated = x.copy()
        elementwise_numba.update_numba(updated, name, other)
        plain = elementwise.combine(a, name, b)
        numpy_update = getattr(np, name)(x, other)
    np.testing.assert_array_equal(combined, plain)
    assert combined.dtype == plain.dtype
    np.testing.assert_array_equal(updated, numpy_update)
    tx = torch.from_numpy(x)
    if kind == "array":
        expected = _TORCH_OPS[name](tx, torch.from_numpy(other)).numpy()
    elif kind == "flipped" and name == "subtract":
        expected = torch.rsub(tx, other).numpy()  # the number minus the tensor
    else:
        expected = _TORCH_OPS[name](tx, other).numpy()
    np.testing.assert_array_equal(combined, expected)


@needs_numba
@pytest.mark.parametrize("value", [0, 0.0, -0.0, 2.5, float("nan"), float("inf")])
def test_numba_fill_sets_every_element(value: float) -> None:
    x = np.arange(5000, dtype=np.float32)
    with thread_count(2):
        elementwise_numba.fill_numba(x, value)
    expected = np.full(5000, value, dtype=np.float32)
    np.testing.assert_array_equal(x, expected)
    assert np.array_equal(np.signbit(x), np.signbit(expected))


@needs_numba
def test_numba_elementwise_leaves_what_it_does_not_cover_to_numpy(monkeypatch: Any) -> None:
    calls = []
    run = elementwise_numba._run
    monkeypatch.setattr(elementwise_numba, "_run", lambda *a: calls.append(a[0]) or run(*a))

    def x() -> np.ndarray:
        return np.arange(1.0, 41.0, dtype=np.float32).reshape(5, 8)

    cases = [
        (lambda: x()[:, ::2], "add", 1.0),  # strided
        (x, "add", x()[0]),  # broadcast
        (x, "add", x().T.copy().T),  # another layout
        (x, "true_divide", 2.0),  # division
        (x, "add", True),  # a bool
        (x, "add", 2**60),  # an int a double rounds
        (x, "multiply", 1e300),  # past float32's range
        (lambda: x().astype(np.float16), "add", 1.0),  # another dtype
        (lambda: x().astype(np.int64), "add", 1),
    ]
    with thread_count(2), np.errstate(over="ignore"):
        for make, name, other in cases:
            combined = elementwise_numba.combine_numba(make(), name, other)
            np.testing.assert_array_equal(combined, elementwise.combine(make(), name, other))
            updated, expected = make(), make()
            elementwise_numba.update_numba(updated, name, other)
            elementwise.update(expected, name, other)
            np.testing.assert_array_equal(updated, expected)
        shifted = np.arange(40, dtype=np.float32)  # overlapping but not the same array
        elementwise_numba.update_numba(shifted[1:], "add", shifted[:-1])
        expected = np.arange(40, dtype=np.float32)
        np.add(expected[1:], expected[:-1], out=expected[1:])
        np.testing.assert_array_equal(shifted, expected)
        assert calls == []
        same = np.arange(40, dtype=np.float32)
        elementwise_numba.update_numba(same, "add", same)  # the array itself: elementwise, no overlap problem
        np.testing.assert_array_equal(same, 2 * np.arange(40, dtype=np.float32))
        assert calls == [elementwise_numba.ADD]
    calls.clear()
    elementwise_numba.update_numba(same, "add", same)  # default threshold: 40 elements stay with numpy
    assert calls == []


@needs_numba
def test_large_tensors_take_the_numba_elementwise_kernels_through_the_public_api() -> None:
    assert HOST.kernel(elementwise.update) is elementwise_numba.update_numba
    assert HOST.kernel(elementwise.combine) is elementwise_numba.combine_numba
    assert HOST.kernel(elementwise.fill) is elementwise_numba.fill_numba
    rng = np.random.default_rng(0)
    w0, d0 = rng.standard_normal((2, 1000, 60), dtype=np.float32)
    ours, theirs = minitorch.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    for lib, w in ((minitorch, ours), (torch, theirs)):
        d = lib.tensor(d0)
        for _ in range(2):  # the second backward accumulates into .grad
            ((w * d) - d + w).sum().backward()
        with lib.no_grad():
            w.sub_(1e-3 * w.grad)
            w.mul_(0.5)
            w.add_(d)
        w.grad.zero_()
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    assert not ours.grad.numpy().any()


@needs_numba
@pytest.mark.parametrize("count", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@SETTINGS
@given(
    data=st.data(),
    size=st.integers(1, 3000),
    lo=st.one_of(st.none(), st.sampled_from([0, 0.0, -0.0, -1.5, 2.5])),
    hi=st.one_of(st.none(), st.sampled_from([0, -0.0, 1.0, 2.5, -3.0])),
)
def test_numba_clamp_agrees_with_its_plain_twin_and_bitwise_with_torch(
    data: Any, size: int, lo: Any, hi: Any, dtype: Any, count: int
) -> None:
    if lo is None and hi is None:
        lo = 0
    x, g = _values(data, size, dtype), _values(data, size, dtype)
    results = []
    for fast in (True, False):
        with thread_count(count):
            a = minitorch.tensor(x, requires_grad=True)
            out = a.clamp(min=lo, max=hi) if fast else Clamp.apply(a, *_clamp_bounds(a, lo, hi))
            assert (out.grad_fn._function is ClampNumba) == fast
            out.backward(minitorch.tensor(g))
            results.append((out.detach().numpy(), a.grad.numpy()))
    t = torch.tensor(x, requires_grad=True)
    expected = t.clamp(min=lo, max=hi)
    expected.backward(torch.tensor(g))
    (out, grad), (plain_out, plain_grad) = results
    for ours, ref in ((out, expected.detach().numpy()), (grad, t.grad.numpy())):
        np.testing.assert_array_equal(ours, ref)
        np.testing.assert_array_equal(np.signbit(ours), np.signbit(ref))
    np.testing.assert_array_equal(np.signbit(out), np.signbit(plain_out))
    np.testing.assert_array_equal(out, plain_out)
    np.testing.assert_array_equal(grad, plain_grad)  # (equal in value: the twin's product gives -0.0 where torch's 0)


def _clamp_bounds(a: Any, lo: Any, hi: Any) -> tuple:
    """The 0-d bounds ``minitorch.clamp`` hands ``Clamp`` (None where not given)."""
    return tuple(None if v is None else np.asarray(v, dtype=a.detach().numpy().dtype) for v in (lo, hi))


@needs_numba
@pytest.mark.parametrize(
    "spelling, node, lo, hi",
    [
        (lambda x: x.clamp(min=0.0, max=2.0), "ClampBackward1", 0.0, 2.0),
        (lambda x: minitorch.clamp_min(x, 0.0), "ClampMinBackward0", 0.0, np.inf),
        (lambda x: x.clamp_max(2.0), "ClampMaxBackward0", -np.inf, 2.0),
    ],
    ids=["clamp", "clamp_min", "clamp_max"],
)
def test_clamp_variant_is_what_the_public_functions_run_and_it_differentiates_twice(
    spelling: Any, node: str, lo: float, hi: float
) -> None:
    variants = (ClampNumba, ClampMinNumba, ClampMaxNumba)
    assert (HOST.kernel(Clamp), HOST.kernel(ClampMin), HOST.kernel(ClampMax)) == variants
    x = minitorch.tensor([-2.0, 0.5, 3.0], dtype=minitorch.float64, requires_grad=True)
    out = spelling(x)
    assert type(out.grad_fn).__name__ == node and type(out.grad_fn)._function in variants
    (g,) = minitorch.autograd.grad((out**2).sum(), x, create_graph=True)
    (gg,) = minitorch.autograd.grad(g.sum(), x)
    v = x.detach().numpy()
    keep = (v >= lo) & (v <= hi)
    np.testing.assert_array_equal(g.detach().numpy(), np.where(keep, 2 * np.clip(v, lo, hi), 0.0))
    np.testing.assert_array_equal(gg.numpy(), np.where(keep, 2.0, 0.0))


@needs_numba
@settings(max_examples=30, deadline=None)
@given(
    rows=st.integers(1, 6),
    width=st.integers(1, 9),
    picks=st.lists(st.integers(0, 5), min_size=1, max_size=20),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_numba_row_scatter_agrees_bitwise_with_add_at_and_the_embedding_with_torch(
    rows: int, width: int, picks: list, dtype: Any, seed: int
) -> None:
    """The embedding's weight gradient (``embedding_numba.add_rows_numba``): repeated indices add in order, as
    numpy's add.at (its plain twin) does; through the public function, torch's gradient."""
    index = np.array([p % rows for p in picks])
    values = np.random.default_rng(seed).standard_normal((index.size, width)).astype(dtype)
    target = np.random.default_rng(seed + 1).standard_normal((rows, width)).astype(dtype)
    want = target.copy()
    np.add.at(want, index, values)
    embedding_numba.add_rows_numba(target, index, values)
    np.testing.assert_array_equal(target, want)
    grads = []
    for lib in (minitorch, torch):
        weight = lib.tensor(np.zeros((rows, width), dtype=dtype), requires_grad=True)
        lib.nn.functional.embedding(lib.tensor(index), weight).backward(lib.tensor(values))
        grads.append(weight.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-6)


@needs_numba
def test_the_row_scatter_variant_is_registered_and_leaves_what_it_does_not_cover_to_add_at() -> None:
    add_rows = sys.modules["minitorch.ops.embedding"].add_rows
    assert HOST.kernel(add_rows) is embedding_numba.add_rows_numba
    for target, index in [
        (np.zeros((3, 2), np.int64), np.array([0, 2])),  # integers: numpy's
        (np.zeros((3, 2), np.float32), np.array([0, -1])),  # a negative index: numpy's meaning (the last row)
        (np.zeros((3, 2), np.float32), np.array([], dtype=np.int64)),  # nothing to add
    ]:
        values = np.ones((index.size, 2), dtype=target.dtype)
        want = target.copy()
        np.add.at(want, index, values)
        embedding_numba.add_rows_numba(target, index, values)
        np.testing.assert_array_equal(target, want)


@needs_numba
@settings(max_examples=25, deadline=None)
@given(
    shape=st.sampled_from([(5, 3), (4, 2, 7), (3, 4, 5, 6), (2, 1, 3, 3), (1, 3, 2, 2)]),
    affine=st.sampled_from(["both", "weight", "none"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    offset=st.sampled_from([0.0, 100.0]),
    seed=st.integers(0, 2**16),
    count=st.sampled_from([1, 2]),
)
def test_numba_batch_norm_agrees_with_its_plain_twin_and_torch(
    shape: tuple, affine: str, dtype: Any, offset: float, seed: int, count: int
) -> None:
    """Training mode: output, running statistics and the three gradients, on one thread and on two; the plain
    twin (``BatchNorm``) within float rounding, torch at the suite's tolerance."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + offset).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(shape[1]).astype(dtype) if affine != "none" else None
    b = rng.standard_normal(shape[1]).astype(dtype) if affine == "both" else None
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-9, "atol": 1e-9}

    def run(lib: Any, plain: bool = False) -> list:
        xt = lib.tensor(x, requires_grad=True)
        wt = None if w is None else lib.tensor(w, requires_grad=True)
        bt = None if b is None else lib.tensor(b, requires_grad=True)
        rm, rv = lib.zeros(shape[1], dtype=xt.dtype), lib.ones(shape[1], dtype=xt.dtype)
        if plain:
            undo = HOST.register_kernel(BatchNorm, BatchNorm)
        try:
            out = lib.nn.functional.batch_norm(xt, rm, rv, wt, bt, training=True)
            out.backward(lib.tensor(g))
        finally:
            if plain:
                undo()
                HOST.register_kernel(BatchNorm, BatchNormNumba)
        values = [out.detach().numpy(), rm.numpy(), rv.numpy(), xt.grad.numpy()]
        return values + [t.grad.numpy() for t in (wt, bt) if t is not None]

    with thread_count(count):
        fast = run(minitorch)
    for got, plain, want in zip(fast, run(minitorch, plain=True), run(torch)):
        np.testing.assert_allclose(got, plain, **tol)
        np.testing.assert_allclose(got, want, **tol)


@needs_numba
def test_batch_norm_variant_is_what_the_public_functions_run_and_it_differentiates_twice() -> None:
    assert HOST.kernel(BatchNorm) is BatchNormNumba
    layer = minitorch.nn.BatchNorm2d(3)
    x = minitorch.randn(4, 3, 5, 5, dtype=minitorch.float64, requires_grad=True)
    layer = layer.double()
    assert layer(x).grad_fn._function is BatchNormNumba
    layer.eval()  # evaluation mode: the plain twin's formula inside the variant
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    twin = torch.nn.BatchNorm2d(3).double()
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    twin.eval()
    np.testing.assert_allclose(layer(x).detach().numpy(), twin(tx).detach().numpy(), rtol=1e-12, atol=1e-12)
    layer.train()
    twin.train()
    grads = []
    for lib, inp, mod in ((minitorch, x, layer), (torch, tx, twin)):
        (gx,) = lib.autograd.grad((mod(inp) ** 3).sum(), inp, create_graph=True)
        (ggx,) = lib.autograd.grad((gx * gx).sum(), inp)
        grads.append(ggx.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-7, atol=1e-9)


@st.composite
def recurrent_problems(draw: Any) -> dict:
    return dict(
        mode=draw(st.sampled_from(["LSTM", "GRU"])),
        features=draw(st.integers(1, 5)),
        hidden=draw(st.integers(1, 9)),
        layers=draw(st.integers(1, 2)),
        bidirectional=draw(st.booleans()),
        bias=draw(st.booleans()),
        lengths=draw(st.lists(st.integers(1, 6), min_size=1, max_size=5)),
        packed=draw(st.booleans()),
        dtype=draw(st.sampled_from([np.float32, np.float64])),
        seed=draw(st.integers(0, 2**16)),
        count=draw(st.sampled_from([1, 2])),
    )


_LAYER_OPS = {"LSTM": (LSTMLayer, LSTMLayerNumba), "GRU": (GRULayer, GRULayerNumba)}


def _recurrent_run(lib: Any, case: dict, plain: bool = False) -> list:
    """Output, final state(s) and every gradient (input, initial states, weights) of ``nn.LSTM`` or ``nn.GRU`` on
    one problem, padded or packed; ``plain``: minitorch with the plain layer Op registered instead of its variant."""
    rng = np.random.default_rng(case["seed"])
    dirs = 2 if case["bidirectional"] else 1
    lengths = sorted(case["lengths"], reverse=True)
    batch, steps = len(lengths), lengths[0]
    dtype, lstm = case["dtype"], case["mode"] == "LSTM"
    x = rng.uniform(-1, 1, (steps, batch, case["features"])).astype(dtype)
    h0, c0 = (rng.uniform(-1, 1, (case["layers"] * dirs, batch, case["hidden"])).astype(dtype) for _ in range(2))
    lib.manual_seed(0)
    layer = getattr(lib.nn, case["mode"])(
        case["features"], case["hidden"], case["layers"], bias=case["bias"], bidirectional=case["bidirectional"]
    )
    layer = layer.to(dtype=lib.float32 if dtype == np.float32 else lib.float64)
    weights = np.random.default_rng(case["seed"] + 1)
    with lib.no_grad():
        for p in layer.parameters():
            p.copy_(lib.tensor(weights.uniform(-0.8, 0.8, tuple(p.shape)).astype(dtype)))
    xt, ht, ct = (lib.tensor(a, requires_grad=True) for a in (x, h0, c0))
    inp = lib.nn.utils.rnn.pack_padded_sequence(xt, lengths) if case["packed"] else xt
    op, variant = _LAYER_OPS[case["mode"]]
    undo = HOST.register_kernel(op, op) if plain else None
    try:
        out, state = layer(inp, (ht, ct) if lstm else ht)
        if case["packed"]:
            out = lib.nn.utils.rnn.pad_packed_sequence(out)[0]
        g = np.random.default_rng(case["seed"] + 2).uniform(-1, 1, tuple(out.shape)).astype(dtype)
        h = state[0] if lstm else state
        loss = (out * lib.tensor(g)).sum().add((h * h).sum())
        (loss.add(state[1].sum() * 0.5) if lstm else loss).backward()
    finally:
        if undo is not None:
            undo()
            HOST.register_kernel(op, variant)
    values = [out.detach().numpy(), h.detach().numpy(), xt.grad.numpy(), ht.grad.numpy()]
    if lstm:
        values += [state[1].detach().numpy(), ct.grad.numpy()]
    return values + [p.grad.numpy() for p in layer.parameters()]


@needs_numba
@SETTINGS
@given(case=recurrent_problems())
def test_numba_recurrent_layers_agree_bitwise_with_their_plain_twins_and_with_torch(case: dict) -> None:
    """``nn.LSTM`` and ``nn.GRU`` through the compiled gates, on one thread and on two: the plain twins' bits
    (padded and packed, reversed directions, stacked layers, with and without biases), and torch's values at the
    suite's tolerance."""
    with thread_count(case["count"]):
        fast = _recurrent_run(minitorch, case)
    tol = {"rtol": 2e-4, "atol": 2e-5} if case["dtype"] == np.float32 else {"rtol": 1e-9, "atol": 1e-10}
    for got, plain, want in zip(fast, _recurrent_run(minitorch, case, plain=True), _recurrent_run(torch, case)):
        np.testing.assert_array_equal(got, plain)
        np.testing.assert_allclose(got, want, **tol)


@needs_numba
@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_recurrent_variants_are_what_the_layers_run_and_they_differentiate_twice(mode: str) -> None:
    """The variants run ``nn.LSTM`` and ``nn.GRU`` (an LSTM's projection goes to its plain twin inside it), and
    under create_graph their backward hands over to the plain twin's recorded one: second derivatives as torch's."""
    op, variant = _LAYER_OPS[mode]
    assert HOST.kernel(op) is variant
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (4, 3, 2))
    results = []
    for lib in (minitorch, torch):
        lib.manual_seed(0)
        layer = getattr(lib.nn, mode)(2, 3).double()
        with lib.no_grad():
            for p, w in zip(layer.parameters(), np.random.default_rng(6).uniform(-0.7, 0.7, (4, 12 * 3))):
                p.copy_(lib.tensor(w[: p.numel()].reshape(tuple(p.shape))))
        xt = lib.tensor(x, requires_grad=True)
        out, _ = layer(xt)
        if lib is minitorch:
            node = out.grad_fn
            while node is not None and type(node).__name__ != f"{mode}LayerBackward0":
                node = node.next_functions[0][0]
            assert node is not None and node._function is variant
        (gx,) = lib.autograd.grad((out**3).sum(), xt, create_graph=True)
        (ggx,) = lib.autograd.grad((gx * gx).sum(), xt)
        results.append([out.detach().numpy(), gx.detach().numpy(), ggx.numpy()])
        if mode == "LSTM":
            projected = lib.nn.LSTM(2, 3, proj_size=2).double()
            with lib.no_grad():
                for p in projected.parameters():
                    p.copy_(lib.tensor(np.linspace(-0.5, 0.5, p.numel()).reshape(tuple(p.shape))))
            results[-1].append(projected(xt)[0].detach().numpy())
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


@needs_numba
@settings(max_examples=30, deadline=None)
@given(
    rows=st.integers(1, 40),
    classes=st.integers(1, 30),
    dtype=st.sampled_from([np.float32, np.float64]),
    reduction=st.sampled_from(["mean", "sum"]),
    scale=st.sampled_from([1.0, 30.0]),
    special=st.sampled_from([None, np.inf, -np.inf, np.nan]),
    seed=st.integers(0, 2**16),
    count=st.sampled_from([1, 2]),
)
def test_numba_cross_entropy_agrees_with_its_plain_twin_and_torch(
    rows: int, classes: int, dtype: Any, reduction: str, scale: float, special: Any, seed: int, count: int
) -> None:
    """The loss and the logits' gradient, on one thread and on two: the plain twin (``CrossEntropyLoss``) within
    float rounding and torch at the suite's tolerance, an inf or NaN logit giving NaN where theirs do."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, classes)) * scale).astype(dtype)
    if special is not None:
        x[rng.integers(rows), rng.integers(classes)] = special
    y = rng.integers(0, classes, rows)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}

    def run(lib: Any, plain: bool = False) -> list:
        xt = lib.tensor(x, requires_grad=True)
        undo = HOST.register_kernel(CrossEntropyLoss, CrossEntropyLoss) if plain else None
        try:
            loss = lib.nn.functional.cross_entropy(xt, lib.tensor(y), reduction=reduction)
            if lib is minitorch and not plain:
                assert loss.grad_fn._function is CrossEntropyLossNumba
            loss.backward(lib.tensor(np.asarray(0.5, dtype)))
        finally:
            if undo is not None:
                undo()
                HOST.register_kernel(CrossEntropyLoss, CrossEntropyLossNumba)
        return [loss.detach().numpy(), xt.grad.numpy()]

    with thread_count(count):
        fast = run(minitorch)
    for got, plain, want in zip(fast, run(minitorch, plain=True), run(torch)):
        assert got.dtype == plain.dtype
        np.testing.assert_allclose(got, plain, **tol)
        np.testing.assert_allclose(got, want, rtol=tol["rtol"] * 10, atol=tol["atol"] * 10)


@needs_numba
def test_cross_entropy_variant_leaves_other_calls_to_its_twin_and_differentiates_twice() -> None:
    """Weights, smoothing, an ignore_index among the classes and probabilities take the plain twin's formulas
    inside the variant; a target out of range raises torch's error; second derivatives are torch's."""
    assert HOST.kernel(CrossEntropyLoss) is CrossEntropyLossNumba
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 4))
    y = np.array([0, 3, 1, 1, 2, 0])
    calls = {
        "weight": lambda lib, xt, yt: lib.nn.functional.cross_entropy(
            xt, yt, weight=lib.tensor([1.0, 2.0, 0.5, 1.0], dtype=lib.float64)
        ),
        "smoothing": lambda lib, xt, yt: lib.nn.functional.cross_entropy(xt, yt, label_smoothing=0.1),
        "ignore 1": lambda lib, xt, yt: lib.nn.functional.cross_entropy(xt, yt, ignore_index=1),
        "none": lambda lib, xt, yt: lib.nn.functional.cross_entropy(xt, yt, reduction="none").sum(),
        "probabilities": lambda lib, xt, yt: lib.nn.functional.cross_entropy(xt, lib.softmax(xt.detach() * 2, 1)),
        "double": lambda lib, xt, yt: (
            lib.autograd.grad(lib.nn.functional.cross_entropy(xt * xt, yt), xt, create_graph=True)[0].pow(2).sum()
        ),
    }
    for name, call in calls.items():
        results = []
        for lib in (minitorch, torch):
            xt, yt = lib.tensor(x, requires_grad=True), lib.tensor(y)
            loss = call(lib, xt, yt)
            loss.backward()
            results.append((loss.detach().numpy(), xt.grad.numpy()))
        for got, want in zip(*results):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=name)
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        minitorch.nn.functional.cross_entropy(minitorch.tensor(x), minitorch.tensor(np.array([0, 4, 1, 1, 2, 0])))
