"""The host's blocked matrix products (linalg_threads.py, on numba's threads through linalg_numba.py where
numba and the BLAS's GEMM are found, else on the worker threads) against their plain twins and torch.

Shapes are drawn by hypothesis; each case runs on one thread and on two with every product split
(the block threshold lowered), so both the row and the column split are exercised, forward and
backward, with operands transposed as the backward passes them. Each block is the same BLAS kernel
over fewer rows, so results agree to float rounding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import caches
from minitorch.backend import HOST, blas, jit, workers
from minitorch.ops import linalg_numba, linalg_threads
from minitorch.ops.linalg import Mm
from minitorch.ops.linalg_threads import AddmmThreads, MmThreads
from minitorch.ops.linear import Addmm

SETTINGS = settings(max_examples=25, deadline=None)


@contextlib.contextmanager
def thread_count(count: int, min_block: int = 1) -> Iterator[None]:
    """minitorch on ``count`` threads, products cut into blocks of ``min_block`` multiply-adds; restored after."""
    before = minitorch.get_num_threads(), linalg_threads.MIN_BLOCK, linalg_numba.MIN_BLOCK, workers.MIN_COST
    minitorch.set_num_threads(count)
    linalg_threads.MIN_BLOCK, linalg_numba.MIN_BLOCK, workers.MIN_COST = min_block, min_block, 1
    try:
        yield
    finally:
        minitorch.set_num_threads(before[0])
        linalg_threads.MIN_BLOCK, linalg_numba.MIN_BLOCK, workers.MIN_COST = before[1:]


def _close(ours: np.ndarray, ref: np.ndarray, dtype: Any, k: int) -> None:
    assert ours.dtype == dtype and ours.shape == ref.shape
    scale = max(1.0, float(np.abs(ref).max()))
    tol = (1e-13 if dtype == np.float64 else 2e-6) * max(1, k)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=tol * scale)


def _run(kernel: Any, lib: Any, m: int, k: int, n: int, dtype: Any, seed: int) -> list:
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    bias = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal((m, n)).astype(dtype)
    at, bt, biast = (lib.tensor(v, requires_grad=True) for v in (a, b, bias))
    if lib is torch:
        out = torch.mm(at, bt) if kernel is Mm else torch.addmm(biast, at, bt)
    elif kernel in (Mm, MmThreads):
        out = kernel.apply(at, bt)
    else:
        out = kernel.apply(biast, at, bt)
    out.backward(lib.tensor(g))
    grads = [at.grad, bt.grad] + ([] if kernel in (Mm, MmThreads) else [biast.grad])
    return [out.detach().numpy()] + [t.numpy() for t in grads]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("count", [1, 2, 3])
@pytest.mark.parametrize("plain, fast", [(Mm, MmThreads), (Addmm, AddmmThreads)], ids=["mm", "addmm"])
@SETTINGS
@given(m=st.integers(1, 70), k=st.integers(1, 40), n=st.integers(1, 70), seed=st.integers(0, 2**16))
def test_threaded_products_agree_with_their_plain_twins_and_torch(
    plain: Any, fast: Any, count: int, dtype: Any, m: int, k: int, n: int, seed: int
) -> None:
    with thread_count(count):
        ours = _run(fast, minitorch, m, k, n, dtype, seed)
    twin = _run(plain, minitorch, m, k, n, dtype, seed)
    ref = _run(plain, torch, m, k, n, np.float64, seed)
    for o, t, r in zip(ours, twin, ref):
        _close(o, t, dtype, k if o.shape != (n,) else m)
        _close(o, r.astype(dtype), dtype, max(k, m))


def test_the_products_are_the_host_s_variants_and_the_public_functions_take_them() -> None:
    assert HOST.kernel(Mm) is MmThreads and HOST.kernel(Addmm) is AddmmThreads
    x, w = minitorch.randn(4, 3), minitorch.randn(3, 2, requires_grad=True)
    assert minitorch.mm(x, w).grad_fn._function is MmThreads
    assert minitorch.nn.Linear(3, 2)(x).grad_fn._function is AddmmThreads
    assert type(minitorch.mm(x, w).grad_fn).__name__ == "MmBackward0"


def test_integer_products_split_like_float_ones() -> None:
    a = np.arange(12 * 5).reshape(12, 5)
    b = np.arange(5 * 7).reshape(5, 7)
    with thread_count(2):
        np.testing.assert_array_equal(linalg_threads.product(a, b), a @ b)
        np.testing.assert_array_equal(linalg_threads.product(b.T, a.T), b.T @ a.T)  # columns split


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "m, k, n", [(64, 1000, 100), (1000, 64, 100), (64, 400, 120), (120, 64, 400), (64, 120, 84), (4, 400, 120)]
)
def test_a_product_has_the_same_bits_on_any_number_of_threads(dtype: Any, m: int, k: int, n: int) -> None:
    """The blocks follow the shape, not the thread count: a resumed run on other threads continues the same numbers."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    results = []
    for count in (1, 2, 3):
        with thread_count(count, min_block=50_000):
            assert linalg_threads.blocks_for(m, k, n) > 1  # cut into blocks on one thread too
            assert linalg_numba.blocks_for(m, k, n) > 1
            results.append(linalg_threads.product(a, b))
    for other in results[1:]:
        np.testing.assert_array_equal(results[0], other)


def test_blocks_depend_on_the_shape_alone() -> None:
    assert linalg_threads.blocks_for(64, 1000, 100) == 1  # 6.4M multiply-adds: less than one block's worth
    assert linalg_threads.blocks_for(256, 1000, 300) == 8  # 77M: 9 blocks wanted, at most 8
    assert linalg_threads.blocks_for(64, 100, 10) == 1
    assert linalg_threads.blocks_for(2, 10**7, 3) == 2  # never more blocks than rows (or columns)
    assert linalg_threads.blocks_for(4096, 4096, 4096) == linalg_threads.MAX_BLOCKS


def test_numba_blocks_depend_on_the_shape_alone() -> None:
    assert linalg_numba.blocks_for(64, 120, 84) == 1  # 0.65M multiply-adds: less than two blocks' worth
    most = linalg_numba.MAX_BLOCKS  # 2 on a 2-core machine
    assert linalg_numba.blocks_for(64, 400, 120) == min(4, most)  # LeNet's fc1 at batch 64 (3M): 5 blocks' worth
    assert linalg_numba.blocks_for(64, 1000, 100) == most  # the two-layer net's product (6.4M): 12 blocks' worth
    assert 2 <= linalg_numba.MAX_BLOCKS <= 8 and linalg_numba.MAX_BLOCKS & (linalg_numba.MAX_BLOCKS - 1) == 0
    assert linalg_numba.blocks_for(256, 1000, 300) == linalg_numba.MAX_BLOCKS
    assert linalg_numba.blocks_for(2, 10**7, 3) == most  # a long k: cut along it


def test_numba_products_are_cut_along_the_inner_dimension_where_k_is_long_and_the_result_small() -> None:
    inner, rows, columns = linalg_numba.BY_INNER, linalg_numba.BY_ROWS, linalg_numba.BY_COLUMNS
    assert linalg_numba.split_for(64, 1000, 100) == inner  # the two-layer net's forward: each thread its rows of w1
    assert linalg_numba.split_for(64, 400, 120) == inner  # LeNet's fc1 forward
    assert linalg_numba.split_for(1000, 64, 100) == rows  # the two-layer net's weight gradient
    assert linalg_numba.split_for(64, 120, 400) == columns
    assert linalg_numba.split_for(512, 4096, 512) == rows  # a long k but a large result: rows


@pytest.mark.skipif(not jit.enabled() or blas.routines() is None, reason="needs numba and the BLAS's GEMM")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["nn", "tn", "nt", "tt", "strided"])
def test_the_numba_product_takes_transposed_operands_as_they_are(dtype: Any, layout: str) -> None:
    """Each operand goes to the GEMM as stored (transposed or not) and the blocks land where they belong."""
    rng = np.random.default_rng(1)
    m, k, n = 37, 23, 41
    a = rng.standard_normal((k, m) if layout[0] == "t" else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if layout[1:] == "t" else (k, n)).astype(dtype)
    a = a.T if layout[0] == "t" else a
    b = b.T if layout[1:] == "t" else b
    if layout == "strided":
        a, b = np.repeat(a, 2, axis=1)[:, ::2], np.repeat(b, 2, axis=0)[::2]
    with thread_count(2):
        for rows in (True, False):  # a tall product splits its rows, a wide one its columns
            x, y = (a, b) if rows else (b.T, a.T)
            out = linalg_numba.product(x, y)
            assert out is not None and out.flags.c_contiguous
            np.testing.assert_allclose(out, x @ y, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)
        x = rng.standard_normal((29, 2) if layout[0] == "t" else (2, 29)).astype(dtype)  # a long k: cut along it
        y = rng.standard_normal((3, 29) if layout[1:] == "t" else (29, 3)).astype(dtype)
        x, y = (x.T if layout[0] == "t" else x), (y.T if layout[1:] == "t" else y)
        assert linalg_numba.split_for(2, 29, 3) == linalg_numba.BY_INNER
        deep, ref = linalg_numba.product(x, y), x @ y
        assert deep is not None and deep.flags.c_contiguous
        np.testing.assert_allclose(deep, ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


@pytest.mark.skipif(not jit.enabled() or blas.routines() is None, reason="needs numba and the BLAS's GEMM")
def test_a_product_s_plan_is_made_once_per_signature_and_tells_layouts_apart() -> None:
    """Products of one signature share a plan (``caches.GEMM_PLANS``); the same shapes stored transposed, or
    strided, get their own (or the general path), and every one computes its own operands' product."""
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((64, 1000)).astype(np.float32), rng.standard_normal((1000, 100)).astype(np.float32)
    a_t = np.asfortranarray(a)  # the same values and shape, stored column by column
    caches.GEMM_PLANS.clear()
    with thread_count(2):
        first = linalg_numba.product(a, b)
        assert len(caches.GEMM_PLANS) == 1
        second = linalg_numba.product(a * 2, b)
        assert len(caches.GEMM_PLANS) == 1  # the same signature: the plan made for the first
        transposed = linalg_numba.product(a_t, b)
        assert len(caches.GEMM_PLANS) == 2
        strided = linalg_numba.product(np.repeat(a, 2, axis=1)[:, ::2], b)  # no plan: the general path copies
        plans = list(caches.GEMM_PLANS.values())
    assert sum(p is None for p in plans) == 1 and len(plans) == 3
    for out in (first, second, transposed, strided):
        assert out is not None and out.flags.c_contiguous
    np.testing.assert_array_equal(second, 2 * first)  # (times two is exact: the same sums, scaled)
    np.testing.assert_array_equal(transposed, first)  # the GEMM reads either order with the same blocks
    np.testing.assert_array_equal(strided, first)
    np.testing.assert_allclose(first, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-4, atol=1e-3)


def test_the_numba_product_declines_what_it_does_not_cover() -> None:
    a = np.ones((40, 30), dtype=np.float32)
    with thread_count(2):
        assert linalg_numba.product(a.astype(np.int64), a.T.astype(np.int64)) is None  # integers
        assert linalg_numba.product(a, a.T.astype(np.float64)) is None  # mixed dtypes
        assert linalg_numba.product(a[:0], a.T) is None  # empty


NUMBA_GEMM = pytest.mark.skipif(not jit.enabled() or blas.routines() is None, reason="needs numba and the BLAS's GEMM")


@NUMBA_GEMM
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, k, n", [(1000, 64, 100), (64, 1000, 100), (37, 23, 41), (23, 17, 61)])
def test_the_numba_product_adds_into_an_array_as_its_plain_twin_does(dtype: Any, m: int, k: int, n: int) -> None:
    """``add_product`` (the GEMM adding into its target) against the plain twin (the product, then one addition):
    the same bits into zeros (a zeroed .grad), float rounding into values; rows, columns and k cut alike."""
    rng = np.random.default_rng(m * n + k)
    a, b = rng.standard_normal((k, m)).astype(dtype).T, rng.standard_normal((k, n)).astype(dtype)  # a^T as backward
    with thread_count(2):
        zeros = np.zeros((m, n), dtype=dtype)
        assert linalg_numba.add_product(a, b, zeros)
        np.testing.assert_array_equal(zeros, linalg_numba.product(a, b))
        start = rng.standard_normal((m, n)).astype(dtype)
        into = start.copy()
        assert linalg_numba.add_product(a, b, into)
        assert linalg_numba.add_product(a, b, into)  # twice: the second adds onto the first
        _close(into, start + (a @ b) + (a @ b), dtype, 2 * k)


@NUMBA_GEMM
def test_the_numba_product_adds_only_where_it_can() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((40, 30)).astype(np.float32), rng.standard_normal((30, 20)).astype(np.float32)
    into = np.zeros((40, 20), dtype=np.float32)
    with thread_count(2):
        assert not linalg_numba.add_product(a, b, into.astype(np.float64))  # another dtype
        assert not linalg_numba.add_product(a, b, np.zeros((20, 40), dtype=np.float32).T)  # not C-contiguous
        assert not linalg_numba.add_product(a, b, np.zeros((40, 21), dtype=np.float32))  # another shape
        frozen = into.copy()
        frozen.flags.writeable = False
        assert not linalg_numba.add_product(a, b, frozen)
        square = rng.standard_normal((30, 30)).astype(np.float32)
        assert not linalg_numba.add_product(square, square, square)  # the target is an operand
        assert not linalg_numba.add_product(a[:0], b, into[:0])  # empty
        np.testing.assert_array_equal(into, 0)
    assert not linalg_numba.add_product(a, b, into)  # 24k multiply-adds: one block, numpy's product is the path


def _two_backwards(lib: Any, a: np.ndarray, b: np.ndarray, g: np.ndarray, leaves: str) -> list:
    """Two backward passes of a @ b (the second adds onto the first's .grad), the leaves' gradients after each."""
    at = lib.tensor(a, requires_grad="a" in leaves)
    bt = lib.tensor(b, requires_grad="b" in leaves)
    found = []
    for scale in (1.0, -0.5):
        lib.mm(at, bt).backward(lib.tensor(g * scale))
        found += [t.grad.numpy().copy() for t in (at, bt) if t.requires_grad]
    return found


@NUMBA_GEMM
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("leaves", ["a", "b", "ab"])
@SETTINGS
@given(m=st.integers(1, 70), k=st.integers(1, 40), n=st.integers(1, 70), seed=st.integers(0, 2**16))
def test_a_product_s_gradients_added_into_grad_agree_with_torch(
    dtype: Any, leaves: str, m: int, k: int, n: int, seed: int
) -> None:
    """The engine offers the leaves' .grad to MmThreads, whose GEMMs add into it (every product cut: blocks of
    one multiply-add), against the plain twin's path and torch."""
    rng = np.random.default_rng(seed)
    a, b, g = (rng.standard_normal(s).astype(dtype) for s in ((m, k), (k, n), (m, n)))
    calls = []
    real = linalg_numba.add_product

    def spy(x: Any, y: Any, into: Any) -> bool:
        calls.append(into.shape)
        return real(x, y, into)

    with thread_count(2), pytest.MonkeyPatch.context() as patch:
        patch.setattr(linalg_numba, "add_product", spy)
        ours = _two_backwards(minitorch, a, b, g, leaves)
    # The second pass only (the first has no .grad to add into), for a product the size of two blocks (here 2).
    assert len(calls) == (len(leaves) if m * k * n >= 2 else 0)
    ref = _two_backwards(torch, a.astype(np.float64), b.astype(np.float64), g.astype(np.float64), leaves)
    for o, r in zip(ours, ref):
        _close(o, r.astype(dtype), dtype, 2 * max(k, m, n))
