"""More functions and Tensor methods against torch: the view scatters (diagonal/select/slice_scatter), as_strided and
its in-place and scatter forms, index_reduce, put, sum_to_size, split_with_sizes and the unsafe splits, narrow_copy,
the bit shifts, nextafter, i0, igamma/igammac, histogram, isreal, nonzero_static, and the small Tensor methods (new,
output_nr, map2_, resize_, mvlgamma_, addbmm_, share_memory_, is_shared).

Differentiable ones are compared as every op is (outputs and gradients in float64 and float32, plus a
finite-difference gradcheck), integer ones exactly, errors by type and message (``raises_like``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity
from tests import strategies as S

pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")


def distinct(x: Any) -> np.ndarray:
    """``x`` on a grid of 0.01 plus a different offset below 0.01 per element: no ties (amax, amin)."""
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(np.round(x, 2) + np.arange(x.size).reshape(x.shape) * (0.01 / max(x.size, 1)))


def same(make: Callable[[Any], Any]) -> None:
    """``make(lib)`` gives torch's results exactly (tensors with their dtype; other values ==)."""
    want, got = make(torch), make(minitorch)
    flat_w, flat_g = parity._flat(want), parity._flat(got)
    assert len(flat_w) == len(flat_g)
    for w, g in zip(flat_w, flat_g):
        if isinstance(w, torch.Tensor):
            parity.assert_close(g, w, 0, 0, "result")
        else:
            assert g == w, (g, w)


# ------------------------------------------------------------------------------------------ view scatters
@given(data=st.data())
def test_diagonal_scatter(data: st.DataObject) -> None:
    shape = data.draw(S.shapes(2, 3, 1, 4), label="shape")
    d1, d2 = data.draw(st.permutations(range(-len(shape), 0)).map(lambda p: p[:2]), label="dims")
    offset = data.draw(st.integers(-2, 2), label="offset")
    src_shape = np.diagonal(np.empty(shape), offset, d1, d2).shape
    x, s = data.draw(S.arrays(shape), label="x"), data.draw(S.arrays(src_shape), label="src")
    parity.check_both(
        lambda lib, x, s: (lib.diagonal_scatter(x, s, offset, d1, d2), x.diagonal_scatter(s * 2, offset, d1, d2)), x, s
    )


@given(data=st.data())
def test_select_scatter(data: st.DataObject) -> None:
    shape = data.draw(S.shapes(1, 3, 1, 4), label="shape")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    index = data.draw(st.integers(-shape[dim], shape[dim] - 1), label="index")
    src_shape = np.take(np.empty(shape), index, axis=dim).shape
    x, s = data.draw(S.arrays(shape), label="x"), data.draw(S.arrays(src_shape), label="src")
    parity.check_both(
        lambda lib, x, s: (lib.select_scatter(x, s, dim, index), x.select_scatter(s + 1, dim, index)), x, s
    )


@given(data=st.data())
def test_slice_scatter(data: st.DataObject) -> None:
    shape = data.draw(S.shapes(1, 3, 1, 5), label="shape")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    start, end = (
        data.draw(st.sampled_from([None, -7, -2, 0, 1, 3, 9]), label="start"),
        data.draw(st.sampled_from([None, -1, 2, 4, 10]), label="end"),
    )
    step = data.draw(st.integers(1, 3), label="step")
    cut = (slice(None),) * (dim % len(shape)) + (slice(start, end, step),)
    x, s = data.draw(S.arrays(shape), label="x"), data.draw(S.arrays(np.empty(shape)[cut].shape), label="src")
    parity.check_both(
        lambda lib, x, s: (lib.slice_scatter(x, s, dim, start, end, step), x.slice_scatter(s, dim, start, end, step)),
        x,
        s,
    )


def test_view_scatters_cast_src_and_name_their_nodes() -> None:
    for lib in (torch, minitorch):
        x = lib.zeros(2, 3, requires_grad=True) * 1
        s = lib.ones(2, dtype=lib.float64, requires_grad=True)
        out = lib.diagonal_scatter(x, s)
        assert out.dtype == lib.float32 and type(out.grad_fn).__name__ == "DiagonalScatterBackward0"
        out.sum().backward()
        assert s.grad.dtype == lib.float64
    for name, src, args in (("select_scatter", (3,), (0, 1)), ("slice_scatter", (3, 2), (1, 0, 2))):
        want, got = (
            type(getattr(lib, name)(lib.zeros(3, 3, requires_grad=True), lib.ones(*src), *args).grad_fn).__name__
            for lib in (torch, minitorch)
        )
        assert got == want


# ----------------------------------------------------------------------------------------------- as_strided
@st.composite
def geometry(draw: Any, room: int) -> tuple:
    """(size, stride, offset) of a view that fits in ``room`` elements."""
    size = tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=3)))
    stride = tuple(draw(st.integers(0, 3)) for _ in size)
    extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    while extent > room:  # shrink until it fits
        size = tuple(max(n - 1, 0) for n in size)
        extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    return size, stride, draw(st.integers(0, room - extent)) if extent else draw(st.integers(0, room))


# fn(lib, x, size, stride, offset): x is a fresh tensor of 12 elements; each view keeps the storage's 12
AS_STRIDED = [
    ("tensor", lambda lib, x, g: x.as_strided(*g)),
    ("function", lambda lib, x, g: lib.as_strided(x * 2, *g) * 3),
    ("transposed_view", lambda lib, x, g: x.reshape(3, 4).t().as_strided(*g)),
    ("offset_view_default_offset", lambda lib, x, g: (x * 1)[g[2] :].as_strided(g[0], g[1])),
    ("offset_view", lambda lib, x, g: (x * 1)[5:].as_strided(*g)),
    ("expanded_view", lambda lib, x, g: (x * 1)[:4].expand(3, 4).as_strided(*g) * 2),
    ("inplace", lambda lib, x, g: (x * 1).as_strided_(*g)),
]


@pytest.mark.parametrize("name,fn", AS_STRIDED, ids=[r[0] for r in AS_STRIDED])
@given(g=geometry(12), seed=st.integers(0, 99))
def test_as_strided(name: str, fn: Callable, g: tuple, seed: int) -> None:
    if name == "offset_view_default_offset":  # the view's own offset: the geometry must fit past it
        g = g if g[2] + (0 if 0 in g[0] else 1 + sum((n - 1) * s for n, s in zip(g[0], g[1]))) <= 12 else ((), (), 0)
    x = np.random.default_rng(seed).uniform(-1, 1, 12)
    # Reads outside the input's own elements (a view's storage beyond it) get no gradient, in torch as here: the
    # finite differences see them through the base, so only views within the input are gradchecked.
    end = g[2] + (0 if 0 in g[0] else 1 + sum((n - 1) * s for n, s in zip(g[0], g[1])))
    within = {"offset_view": g[2] >= 5 or end == 0, "expanded_view": end <= 4}.get(name, True)
    parity.check_both(lambda lib, x: fn(lib, x, g), x, gradcheck=within)


def test_as_strided_is_a_view_of_the_storage() -> None:
    for lib in (torch, minitorch):
        x = lib.arange(12.0)
        v = x[2:].as_strided((2, 3), (1, 2))
        assert v.storage_offset() == 2 and v.stride() == (1, 2) and tuple(v.shape) == (2, 3)
        w = x[2:].as_strided((3,), (4,), 1)
        assert w.tolist() == [1.0, 5.0, 9.0]
        w.mul_(-1)  # written through: the base sees it
        assert x.tolist()[:6] == [0.0, -1.0, 2.0, 3.0, 4.0, -5.0]
        y = lib.arange(6.0)
        assert y.as_strided_((2, 2), (2, 1), 1) is y and y.tolist() == [[1.0, 2.0], [3.0, 4.0]]
        assert y.stride() == (2, 1) and y.storage_offset() == 1


def test_inplace_write_through_as_strided_reaches_the_base() -> None:
    def fn(lib: Any, x: Any) -> Any:
        b = x * 1
        b.as_strided((2, 2), (3, 1), 1).mul_(x[:4].reshape(2, 2))
        return b

    def restrided(lib: Any, x: Any) -> Any:
        b = x * 1
        v = b[1:]
        v.as_strided_((2,), (2,))  # a view still, with the new geometry
        v.mul_(3)
        return b.sum()  # (a broadcast gradient reaches the write's backward)

    parity.check_both(fn, np.linspace(-1, 1, 9))
    parity.check_both(restrided, np.linspace(-1, 1, 8))
    parity.raises_like(lambda lib: lib.arange(6.0).as_strided((2,), (0,)).mul_(2), "single memory location")
    same(lambda lib: (lambda x: (x.as_strided((3, 2), (1, 0)).fill_(2), x)[1])(lib.arange(6.0)))


def _distinct_places(g: tuple) -> bool:
    """Whether no two elements of a geometry share a position (where some do, the last write wins, in an order
    torch leaves open; a zero stride it refuses)."""
    places = np.zeros(()) + g[2]
    for n, s in zip(g[0], g[1]):
        places = places[..., None] + np.arange(n) * s
    return np.unique(places).size == places.size


@given(g=geometry(12).filter(_distinct_places), seed=st.integers(0, 99), transposed=st.booleans())
def test_as_strided_scatter(g: tuple, seed: int, transposed: bool) -> None:
    rng = np.random.default_rng(seed)
    x, s = rng.uniform(-1, 1, 12), rng.uniform(-1, 1, g[0])
    view = (lambda t: t.reshape(3, 4).t()) if transposed else (lambda t: t)
    # the values (a transposed input: its own positions in a copy of its storage) against torch's
    parity.check_parity(lambda lib, x, s: view(x).as_strided_scatter(s, *g), x, s, grad=False)
    # src's gradient against torch's (which reads it in C order: right for a contiguous input only)
    if not transposed:
        parity.check_both(lambda lib, s: lib.as_strided_scatter(lib.tensor(x, dtype=s.dtype), s, *g), s)
        # input's gradient: torch's is wrong (its gradcheck fails); minitorch's is the derivative (gradcheck)
        parity.check_gradcheck(lambda lib, x, s: lib.as_strided_scatter(x * 1, s, *g), x, s)
    else:  # (an input that requires grad must be contiguous, as torch's)
        parity.check_gradcheck(lambda lib, s: lib.as_strided_scatter(view(lib.tensor(x)), s, *g), s)


def test_as_strided_scatter_on_overlapping_inputs() -> None:
    # elements sharing places without a zero stride keep their places in the storage's copy; an expanded input's
    # values are copied alone, C-ordered
    same(lambda lib: lib.as_strided_scatter(lib.arange(4.0).as_strided((2, 2), (1, 1)), -lib.ones(2), (2,), (2,), 1))
    same(lambda lib: lib.as_strided_scatter(lib.arange(3.0).expand(2, 3), -lib.ones(2), (2,), (2,)))


def test_as_strided_errors() -> None:
    x = np.arange(12.0)
    raises = parity.raises_like
    raises(lambda lib: lib.tensor(x).as_strided((4, 4), (4, 1), 1), "requiring a storage size of 136")
    raises(lambda lib: lib.tensor(x).as_strided((2, 2), (1, -2)), "Negative strides are not supported")
    raises(lambda lib: lib.tensor(x).as_strided((2, 2), (1, 2), -1), "invalid storage offset -1")
    raises(lambda lib: lib.tensor(x).as_strided((2, 2), (1,)), "mismatch in length of strides and shape")
    raises(lambda lib: lib.tensor(x).as_strided((-2, 2), (1, 1)), "Storage size calculation overflowed")
    raises(lambda lib: lib.tensor(x).as_strided((2.5, 2), (1, 1)), "must be tuple of ints")
    raises(lambda lib: lib.tensor(x, requires_grad=True).as_strided_((2,), (1,)), "leaf Variable that requires grad")
    raises(lambda lib: lib.as_strided_scatter(lib.zeros(3, 4), lib.ones(3, 2), (2, 2), (1, 2)), "src size = [3, 2]")
    raises(
        lambda lib: lib.as_strided_scatter(lib.zeros(3, 4), lib.ones(2, 2), (2, 2), (0, 1)), "single memory location"
    )
    raises(
        lambda lib: lib.as_strided_scatter(lib.zeros(4, 3, requires_grad=True).t(), lib.ones(2), (2,), (1,)),
        "only supported for contiguous inputs",
    )


# --------------------------------------------------------------------------------------------- index_reduce
@st.composite
def index_reduce_case(draw: Any) -> tuple:
    shape = tuple(draw(S.shapes(1, 3, 1, 4)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    k = draw(st.integers(1, 4))
    s_shape = shape[: dim % len(shape)] + (k,) + shape[dim % len(shape) + 1 :]
    index = np.asarray(draw(st.lists(st.integers(0, shape[dim] - 1), min_size=k, max_size=k)), dtype=np.int64)
    joint = distinct(draw(S.arrays((int(np.prod(shape)) + int(np.prod(s_shape)),), noncontiguous=False)))
    return joint[: int(np.prod(shape))].reshape(shape), joint[int(np.prod(shape)) :].reshape(s_shape), dim, index


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@given(c=index_reduce_case(), zeros=st.booleans())
def test_index_reduce(reduce: str, include_self: bool, c: tuple, zeros: bool) -> None:
    x, s, dim, index = c
    if reduce == "prod" and zeros:  # products of the others must survive zeros
        x, s = np.where(np.abs(x) < 0.3, 0.0, x), np.where(np.abs(s) < 0.3, 0.0, s)
    parity.check_both(lambda lib, x, s, i: x.index_reduce(dim, i, s, reduce, include_self=include_self), x, s, index)
    parity.check_both(
        lambda lib, x, s, i: (x * 1).index_reduce_(dim, i, s, reduce, include_self=include_self),
        x,
        s,
        index,
        gradcheck=False,
    )


def test_index_reduce_integers_and_scalars() -> None:
    idx = np.array([0, 2, 0])
    same(
        lambda lib: (
            lib.arange(12).reshape(3, 4).index_reduce(0, lib.tensor(idx), lib.arange(-6, 6).reshape(3, 4), "mean")
        )
    )
    same(
        lambda lib: (
            lib.arange(12)
            .reshape(3, 4)
            .index_reduce(1, lib.tensor([1, 1]), lib.ones(3, 2, dtype=lib.int64) * 5, "amax", include_self=False)
        )
    )
    same(lambda lib: lib.tensor(3.0).index_reduce(0, lib.tensor([0]), lib.tensor(2.0), "prod"))
    with pytest.warns(UserWarning, match="index_reduce"):
        minitorch.zeros(2).index_reduce(0, minitorch.tensor([0]), minitorch.ones(1), "prod")


def test_index_reduce_errors() -> None:
    raises = parity.raises_like
    x, s = np.zeros((3, 4)), np.ones((3, 4))
    raises(lambda lib: lib.tensor(x).index_reduce(0, lib.tensor([0, 1, 2]), lib.tensor(s), "sum"), "but got sum")
    raises(lambda lib: lib.tensor(x).index_reduce(0, lib.tensor([0.0, 1, 2]), lib.tensor(s), "prod"), "int32/int64")
    raises(
        lambda lib: lib.tensor(x).index_reduce(0, lib.tensor([[0]]), lib.tensor(s), "prod"), "supposed to be a vector"
    )
    raises(
        lambda lib: lib.tensor(x).index_reduce(0, lib.tensor([0, 1, 2]), lib.tensor(s).float(), "prod"),
        "must have the same scalar type",
    )
    raises(
        lambda lib: lib.tensor(x).index_reduce(0, lib.tensor([0, 1, 2]), lib.tensor(s)[:, :3], "prod"),
        "source tensor shape must match self tensor shape",
    )
    raises(
        lambda lib: lib.tensor(x).index_reduce(0, lib.tensor([0, 1]), lib.tensor(s), "prod"), "Number of indices (2)"
    )
    raises(
        lambda lib: lib.tensor(x).index_reduce(0, lib.tensor([0, 5, 1]), lib.tensor(s), "prod"), "index out of range"
    )
    raises(
        lambda lib: lib.tensor(x).index_reduce(0, lib.tensor([0, -1, 1]), lib.tensor(s), "prod"), "index out of range"
    )


# ------------------------------------------------------------------------------------------------------ put
@given(data=st.data(), accumulate=st.booleans())
def test_put(data: st.DataObject, accumulate: bool) -> None:
    shape = data.draw(S.shapes(0, 3, 1, 4), label="shape")
    n = int(np.prod(shape))
    s_shape = data.draw(S.shapes(0, 2, 1, 3).filter(lambda t: accumulate or np.prod(t) <= n), label="src shape")
    k = int(np.prod(s_shape))
    if accumulate:
        index = np.asarray(data.draw(st.lists(st.integers(-n, n - 1), min_size=k, max_size=k)), dtype=np.int64)
    else:  # distinct places (a write twice to one place keeps either value)
        index = data.draw(st.permutations(range(n)))[:k] - n * np.asarray(
            data.draw(st.lists(st.booleans(), min_size=k, max_size=k)), dtype=int
        )
    x, s = data.draw(S.arrays(shape), label="x"), data.draw(S.arrays(s_shape), label="src")
    index = np.asarray(index, dtype=np.int64).reshape(data.draw(st.sampled_from([(k,), s_shape])))
    parity.check_both(
        lambda lib, x, s, i: (lib.put(x, i, s, accumulate), x.put(i, s * 2, accumulate=accumulate)), x, s, index
    )
    parity.check_both(lambda lib, x, s, i: (x * 1).put_(i, s, accumulate), x, s, index, gradcheck=False)


def test_put_integers_and_errors() -> None:
    same(lambda lib: lib.arange(6).reshape(2, 3).put(lib.tensor([0, 0, -1]), lib.tensor([5, 6, 7]), accumulate=True))
    same(lambda lib: lib.arange(6).put_(lib.tensor([[1], [4]]), lib.tensor([-1, -2])))
    raises = parity.raises_like
    raises(lambda lib: lib.zeros(3).put(lib.tensor([0.0]), lib.ones(1)), "Expected a long tensor for index")
    raises(lambda lib: lib.zeros(3).put(lib.tensor([0, 1]).int(), lib.ones(2)), "Expected a long tensor for index")
    raises(lambda lib: lib.zeros(3).put(lib.tensor([0]), lib.ones(1).double()), "expected to have the same dtype")
    raises(lambda lib: lib.zeros(3).put(lib.tensor([0, 1]), lib.ones(3)), "source.numel() = 3, index.numel() = 2")
    raises(lambda lib: lib.zeros(3).put(lib.tensor([0, 3]), lib.ones(2)), "tried to access index 3 on a tensor of 3")
    raises(lambda lib: lib.zeros(3).put(lib.tensor([-4]), lib.ones(1)), "tried to access index -4 on a tensor of 3")


# ----------------------------------------------------------------------------------- sums, splits, narrow_copy
@given(data=st.data())
def test_sum_to_size(data: st.DataObject) -> None:
    shape = data.draw(S.shapes(1, 3, 1, 4), label="shape")
    keep = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="keep")
    lead = data.draw(st.integers(0, len(shape)), label="dropped")
    target = tuple(n if k else 1 for n, k in zip(shape, keep))[lead:]
    x = data.draw(S.arrays(shape), label="x")
    spread = target or ((),)  # (an empty target: spelled out, as a tuple)
    parity.check_both(lambda lib, x: (x.sum_to_size(target), (x * 2).sum_to_size(*spread)), x)


def test_sum_to_size_identity_and_errors() -> None:
    for lib in (torch, minitorch):
        x = lib.ones(2, 3)
        assert x.sum_to_size(2, 3) is x
    parity.raises_like(lambda lib: lib.ones(2, 3, 4).sum_to_size(3, 2), "size {[3, 2]} is not expandable to size")
    parity.raises_like(lambda lib: lib.ones(2, 3).sum_to_size(1, 2, 3), "is not expandable to size")


SPLITS = [
    ("split_with_sizes", lambda lib, x, n: x.split_with_sizes([1, n - 1], -1)),
    ("split_with_sizes_fn", lambda lib, x, n: lib.split_with_sizes(x, (n - 1, 0, 1), dim=-1)),
    ("unsafe_split", lambda lib, x, n: lib.unsafe_split(x * 2, 2, -1)),
    ("unsafe_split_method", lambda lib, x, n: x.unsafe_split(3, dim=0)),
    ("unsafe_chunk", lambda lib, x, n: lib.unsafe_chunk(x, 2, -1)),
    ("unsafe_chunk_method", lambda lib, x, n: x.unsafe_chunk(3, 0)),
    ("unsafe_split_with_sizes", lambda lib, x, n: lib.unsafe_split_with_sizes(x, [n - 1, 1], -1)),
    ("unsafe_split_with_sizes_method", lambda lib, x, n: x.unsafe_split_with_sizes([n], -1)),
    ("narrow_copy", lambda lib, x, n: lib.narrow_copy(x, -1, 1, n - 1) * 2),
    ("narrow_copy_method", lambda lib, x, n: x.narrow_copy(0, 1, 1)),
]


@pytest.mark.parametrize("name,fn", SPLITS, ids=[r[0] for r in SPLITS])
@given(data=st.data())
def test_splits(name: str, fn: Callable, data: st.DataObject) -> None:
    shape = data.draw(S.shapes(1, 3, 2, 4), label="shape")
    parity.check_both(lambda lib, x: fn(lib, x, shape[-1]), data.draw(S.arrays(shape), label="x"))


def test_unsafe_split_pieces_are_not_views_to_autograd() -> None:
    for lib in (torch, minitorch):
        p = lib.arange(6.0, requires_grad=True) * 1
        pieces = lib.unsafe_split(p, 2)
        assert type(pieces[0].grad_fn).__name__ == "UnsafeSplitBackward0"
        pieces[0].mul_(2)  # allowed (split's pieces refuse it), and the memory is shared
        assert p.tolist()[:3] == [0.0, 2.0, 2.0]
        assert type(lib.split_with_sizes(p, [3, 3])[0].grad_fn).__name__ == "SplitWithSizesBackward0"
        assert type(lib.unsafe_split_with_sizes(p, [3, 3])[0].grad_fn).__name__ == "UnsafeSplitWithSizesBackward0"
        assert type(p.narrow_copy(0, 0, 2).grad_fn).__name__ == "NarrowCopyBackward0"
    parity.raises_like(lambda lib: (lib.arange(6.0, requires_grad=True) * 1).split(2)[0].mul_(2), "Output 0 of Split")
    raises = parity.raises_like
    raises(lambda lib: lib.arange(10.0).split_with_sizes([3, 6]), "to sum exactly to 10")
    raises(lambda lib: lib.arange(10.0).split_with_sizes([3, -1, 8]), "only non-negative entries")
    raises(lambda lib: lib.arange(10.0).split_with_sizes(3), "must be tuple of ints, not int")
    raises(lambda lib: lib.unsafe_chunk(lib.arange(10.0), 0), "chunk expects `chunks` to be greater than 0")
    raises(lambda lib: lib.unsafe_split(lib.arange(10.0), 0), "split_size can only be 0")
    # a negative start: torch's values; its gradient drops the slice (a bug), minitorch's is the derivative
    parity.check_parity(lambda lib, x: x.narrow_copy(-1, -2, 2), np.linspace(-1, 1, 12).reshape(3, 4), grad=False)
    parity.check_gradcheck(lambda lib, x: x.narrow_copy(-1, -2, 2), np.linspace(-1, 1, 12).reshape(3, 4))
    raises(lambda lib: lib.arange(12.0).reshape(3, 4).narrow_copy(1, 3, 2), "start (3) + length (2) exceeds")
    raises(lambda lib: lib.arange(12.0).reshape(3, 4).narrow_copy(0, 0, -1), "start (0) + length (-1) exceeds")
    raises(lambda lib: lib.arange(12.0).reshape(3, 4).narrow_copy(1, 5, 0), "start out of range")


# -------------------------------------------------------------------------------------------------- shifts
INTEGER_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_shifts_match_torch_bit_for_bit(dtype: str) -> None:
    info = np.iinfo(dtype)
    values = np.array([info.min, info.min + 1, -5, -1, 0, 1, 7, info.max], dtype=np.int64)
    values = values[(values >= info.min) & (values <= info.max)].astype(dtype)
    counts = np.arange(-3, 70).astype(dtype)  # negative and past the width included (wrapped in uint8)
    a, b = np.repeat(values, counts.size), np.tile(counts, values.size)
    for fn in (
        lambda lib, x, y: lib.bitwise_left_shift(x, y),
        lambda lib, x, y: lib.bitwise_right_shift(x, y),
        lambda lib, x, y: x << y,
        lambda lib, x, y: x >> y,
        lambda lib, x, y: x.bitwise_left_shift(3),
        lambda lib, x, y: x.bitwise_right_shift(y[:1]),
        lambda lib, x, y: 2 << y.abs(),
        lambda lib, x, y: 100 >> y.abs(),
        lambda lib, x, y: lib.bitwise_left_shift(5, x),
    ):
        same(lambda lib, fn=fn: fn(lib, lib.tensor(a), lib.tensor(b)))


def test_shift_promotion_inplace_forms_and_errors() -> None:
    same(lambda lib: lib.tensor([1, 2], dtype=lib.int8) << lib.tensor([3, 1], dtype=lib.int16))
    same(lambda lib: lib.tensor([200, 1], dtype=lib.uint8) << lib.tensor([1, 300]))
    same(lambda lib: lib.tensor([1, 2], dtype=lib.int8) << 2**40)  # the number wraps to the tensor's dtype first
    same(lambda lib: lib.tensor([True, False]) << 1)

    def inplace(lib: Any) -> Any:
        t = lib.tensor([1, 2, -8])
        t <<= 2
        t >>= lib.tensor([1, 0, 3])
        u = lib.tensor([1, 2], dtype=lib.int8)
        return t, u.bitwise_left_shift_(lib.tensor([1, 2])), u.bitwise_right_shift_(1), u

    same(inplace)
    raises = parity.raises_like
    raises(lambda lib: lib.tensor([1.5]) << 1, "\"lshift_cpu\" not implemented for 'Float'")
    raises(lambda lib: lib.tensor([1, 2]) >> 1.5, "\"rshift_cpu\" not implemented for 'Float'")
    raises(lambda lib: lib.tensor([True]) << lib.tensor([True]), "not implemented for 'Bool'")
    raises(lambda lib: lib.tensor([1.0]).bitwise_left_shift_(1), "not implemented for 'Float'")


# ------------------------------------------------------------------------------------------------ nextafter
@given(data=st.data())
def test_nextafter(data: st.DataObject) -> None:
    shapes = data.draw(S.broadcastable_shapes(2, max_dims=3, max_side=3), label="shapes")
    x, o = (distinct(data.draw(S.arrays(s), label="x")) for s in shapes)
    parity.check_both(lambda lib, x, o: (lib.nextafter(x, o), x.nextafter(o * 2)), x, o, gradcheck=False)
    parity.check_gradcheck(lambda lib, x, o: lib.nextafter(x, o), x, np.asarray(o + 2))  # (where the two differ)


def test_nextafter_values_gradients_and_errors() -> None:
    values = np.array([1.0, 0.0, -1.0, 3.0, np.inf, np.nan, 1e-45])
    towards = np.array([2.0, -1.0, np.nan, 3.0, 0.0, 1.0, -1.0])
    for dt in ("float64", "float32", "float16"):
        same(
            lambda lib, dt=dt: lib.nextafter(
                lib.tensor(values, dtype=getattr(lib, dt)), lib.tensor(towards, dtype=getattr(lib, dt))
            )
        )
    # torch's gradients: input's passes where the two differ (0 where equal), other's is zero
    parity.check_parity(lambda lib, x, o: lib.nextafter(x, o), np.array([1.0, 3.0, 2.0]), np.array([2.0, 3.0, 1.0]))
    same(lambda lib: lib.tensor([1.0, 2.0]).nextafter_(lib.tensor(3.0)))
    same(lambda lib: lib.nextafter(lib.tensor([1]), lib.tensor([2.0])))
    raises = parity.raises_like
    raises(lambda lib: lib.nextafter(lib.tensor([1]), lib.tensor([2])), "\"nextafter_cpu\" not implemented for 'Long'")
    raises(lambda lib: lib.nextafter(lib.tensor([1.0]), 2.0), "must be Tensor, not float")
    raises(lambda lib: lib.tensor([1, 2]).nextafter_(lib.tensor(3.0)), "can't be cast to the desired output type")


# ------------------------------------------------------------------------------------------ i0 and igamma
@given(data=st.data(), scale=st.sampled_from([1.0, 8.0, 40.0]))
def test_i0(data: st.DataObject, scale: float) -> None:
    x = np.asarray(data.draw(S.arrays(S.shapes(0, 3, 1, 4)), label="x") * scale)
    parity.check_both(lambda lib, x: (lib.i0(x), x.i0(), lib.special.i0(x * 0.5), (x * 1).i0_()), x)
    if scale < 40:  # (the second derivative against torch's: i1's gradient, with its limit at 0)
        parity.check_parity(lambda lib, x: lib.i0(x), x, order=2)


def test_i0_values_and_dtypes() -> None:
    wide = np.array([0.0, 1e-300, 2.5, 29.99, 30.0, 30.01, 100.0, 700.0, 709.7, 710.0, np.inf, -np.inf, np.nan])
    want = torch.i0(torch.tensor(wide)).numpy()
    got = minitorch.i0(minitorch.tensor(wide)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-13)
    x32 = np.array(
        [0.0, -2.0, 30.0, 85.0, 88.0, 89.0, np.inf], dtype=np.float32
    )  # float32 overflows where torch's does
    np.testing.assert_allclose(
        minitorch.i0(minitorch.tensor(x32)).numpy(), torch.i0(torch.tensor(x32)).numpy(), rtol=1e-6
    )
    for make in (lambda lib: lib.i0(lib.tensor([0, 1, 2])), lambda lib: lib.i0(lib.tensor([True]))):
        parity.assert_close(make(minitorch), make(torch), 1e-6, 0, "i0 of integers")
    parity.assert_close(minitorch.i0_(minitorch.tensor([1.0])), torch.i0_(torch.tensor([1.0])), 1e-6, 0, "i0_")
    parity.raises_like(lambda lib: lib.tensor([1]).i0_(), "can't be cast to the desired output type")


@pytest.mark.parametrize("name", ["igamma", "igammac"])
@given(data=st.data())
def test_incomplete_gamma(name: str, data: st.DataObject) -> None:
    shapes = data.draw(S.broadcastable_shapes(2, max_dims=2, max_side=3), label="shapes")
    a = np.asarray(0.2 + 8 * np.abs(data.draw(S.arrays(shapes[0]), label="a")))
    scale = data.draw(st.sampled_from([1.0, 5.0, 20.0]), label="scale")
    x = np.asarray(0.05 + scale * np.abs(data.draw(S.arrays(shapes[1]), label="x")))
    special = {"igamma": "gammainc", "igammac": "gammaincc"}[name]

    def fn(lib: Any, x: Any) -> Any:
        a_t = lib.tensor(a, dtype=x.dtype)  # torch has no gradient in the first argument
        return getattr(lib, name)(a_t, x), getattr(a_t, name)(x * 0.5), getattr(lib.special, special)(a_t, x + 1)

    parity.check_both(fn, x)
    parity.check_parity(lambda lib, x: getattr(lib, name)(lib.tensor(a), x), x, order=2)


def test_incomplete_gamma_edges_and_errors() -> None:
    a = np.array([0.0, 0.0, 1.0, 2.0, -1.0, 1.0, np.inf, np.inf, 1.0, np.nan, 0.5, 3.0, 1e-3, 100.0, 1000.0])
    x = np.array([0.0, 1.0, 0.0, np.inf, 1.0, -1.0, 1.0, np.inf, np.nan, 1.0, 0.5, 30.0, 1e-3, 101.0, 990.0])
    for name in ("igamma", "igammac"):
        want = getattr(torch, name)(torch.tensor(a), torch.tensor(x))
        got = getattr(minitorch, name)(minitorch.tensor(a), minitorch.tensor(x))
        parity.assert_close(got, want, 1e-8, 0, name)
        same(lambda lib, name=name: getattr(lib.tensor([1.5, 2.0]), name + "_")(lib.tensor([1.0])).round(decimals=6))
    raises = parity.raises_like
    raises(lambda lib: lib.igamma(lib.tensor([1, 2]), lib.tensor([1, 2])), "\"igamma_cpu\" not implemented for 'Long'")
    raises(lambda lib: lib.igammac(lib.tensor([1.0]), 2.0), "argument 'other' (position 2) must be Tensor")
    for name in ("igamma", "igammac"):

        def backward(lib: Any, name: str = name) -> Any:
            a_t = lib.tensor([1.5, 2.0], dtype=lib.float64, requires_grad=True)
            return lib.autograd.grad(getattr(lib, name)(a_t, lib.tensor([0.7, 3.0], dtype=lib.float64)).sum(), a_t)

        raises(backward, f"the derivative for '{name}: input' is not implemented.")


# --------------------------------------------------------------------------------------------- histogram
@given(data=st.data(), bins=st.integers(1, 6), weighted=st.booleans(), density=st.booleans())
def test_histogram(data: st.DataObject, bins: int, weighted: bool, density: bool) -> None:
    x = data.draw(S.arrays(S.shapes(0, 2, 0, 6)), label="x")
    x = np.asarray(np.round(x * 4) / 4)  # values on the edges too
    weight = data.draw(S.arrays(x.shape, 0, 1), label="weight") if weighted else None
    ranges = [None, (-0.5, 0.5), (0, 2)] if x.size else [None, (-1.0, 1.0)]
    edges = np.sort(data.draw(S.arrays((bins + 1,), -1.2, 1.2, noncontiguous=False), label="edges"))
    for dt in ("float32", "float64"):
        for spec in ranges + ["edges"]:

            def make(lib: Any, spec: Any = spec, dt: str = dt) -> Any:
                d = getattr(lib, dt)
                w = None if weight is None else lib.tensor(weight, dtype=d)
                if spec == "edges":
                    return lib.histogram(lib.tensor(x, dtype=d), lib.tensor(edges, dtype=d), weight=w, density=density)
                return lib.tensor(x, dtype=d).histogram(bins, range=spec, weight=w, density=density)

            want, got = make(torch), make(minitorch)
            tol = 1e-12 if dt == "float64" else 1e-5
            parity.assert_close(got.bin_edges, want.bin_edges, 0, 0, "bin_edges")  # torch's spacing, bit for bit
            parity.assert_close(got.hist, want.hist, 0 if not (weighted or density) else tol, 0, "hist")


def test_histogram_result_and_errors() -> None:
    h = minitorch.histogram(minitorch.tensor([1.0, 2.0, 2.0]), 2)
    assert h._fields == ("hist", "bin_edges") and repr(h).startswith("torch.return_types.histogram(\nhist=")
    same(lambda lib: tuple(lib.histogram(lib.tensor([2.0, 2.0]), bins=3)))  # one value: a unit range around it
    same(lambda lib: tuple(lib.histogram(lib.tensor([]), bins=3)))
    same(lambda lib: tuple(lib.histogram(lib.tensor([float("nan"), 1.0]), 3, range=(0.0, 2.0))))
    x = np.array([1.0, 2, 1, 4])
    raises = parity.raises_like
    raises(lambda lib: lib.histogram(lib.tensor(x), 0), "bins must be > 0, but got 0 for dimension 0")
    raises(
        lambda lib: lib.histogram(lib.tensor(x), 3, range=(2.0, 1.0)), "min should not exceed max, but got min 2 max 1"
    )
    raises(
        lambda lib: lib.histogram(lib.tensor([2.0, float("nan")]), 3), "dimension 0's range [nan, nan] is not finite"
    )
    raises(lambda lib: lib.histogram(lib.tensor(x), 3, range=(1.0, float("inf"))), "range [1, inf] is not finite")
    raises(lambda lib: lib.histogram(lib.tensor(x).long(), 3), "\"histogramdd\" not implemented for 'Long'")
    raises(lambda lib: lib.histogram(lib.tensor(x).half(), 3), "\"histogramdd\" not implemented for 'Half'")
    raises(lambda lib: lib.histogram(lib.tensor(x).float(), lib.tensor([[0.0, 1.0]])), "should have one dimension")
    raises(lambda lib: lib.histogram(lib.tensor(x).float(), lib.tensor([0, 1])), "with dtype long int")
    raises(lambda lib: lib.histogram(lib.tensor(x).float(), lib.tensor([1.0])), "bins must be > 0, but got 0")
    raises(lambda lib: lib.histogram(lib.tensor(x), 3, weight=lib.ones(4).float()), "weight(float)")
    raises(
        lambda lib: lib.histogram(lib.tensor(x), 3, weight=lib.ones(3, dtype=lib.float64)),
        "input with shape [4, 1] and weight with shape [3]",
    )
    raises(lambda lib: lib.histogram(lib.tensor(x), 3, range=(0.0, 1.0, 2.0)), "range should have 2 elements")
    raises(
        lambda lib: lib.histogram(lib.tensor(x, requires_grad=True), 3).hist.sum().backward(),
        "derivative for aten::histogram is not implemented",
    )


# ------------------------------------------------------------------------------ isreal, nonzero_static
def test_isreal_and_nonzero_static() -> None:
    same(
        lambda lib: (
            lib.isreal(lib.tensor([1.0, float("nan")])),
            lib.tensor([1, 2]).isreal(),
            lib.isreal(lib.tensor(True)),
        )
    )
    m = np.array([[0, 1, 0], [2, 0, 3]])
    for size, fill in ((2, -1), (5, -1), (5, 7), (0, -1)):
        same(lambda lib, size=size, fill=fill: lib.nonzero_static(lib.tensor(m), size=size, fill_value=fill))
    same(lambda lib: lib.tensor(3.0).nonzero_static(size=2))
    same(lambda lib: lib.nonzero_static(lib.tensor([0.5, 0.0, float("nan")]), size=3))
    parity.raises_like(lambda lib: lib.tensor(m).nonzero_static(size=-1), "'size' must be an non-negative integer")


# --------------------------------------------------------------------------------------- small Tensor methods
def test_new() -> None:
    for make in (
        lambda lib: lib.tensor([1, 2], dtype=lib.int32).new((2, 3)),
        lambda lib: lib.tensor([1, 2], dtype=lib.int32).new([2.5, 3]),
        lambda lib: lib.tensor([1, 2], dtype=lib.int32).new(np.array([1.5, 2])),
        lambda lib: lib.tensor([1, 2], dtype=lib.int32).new(),
        lambda lib: lib.tensor([1, 2], dtype=lib.int32).new(()),
        lambda lib: lib.ones(2).new(lib.ones(2) * 3),
        lambda lib: lib.ones(2, dtype=lib.float64).new(3, 0),
    ):
        same(make)
    for lib in (torch, minitorch):
        t = lib.tensor([1, 2], dtype=lib.int16)
        assert t.new(2, 3).shape == (2, 3) and t.new(lib.Size([4])).shape == (4,) and t.new(2).dtype == lib.int16
        f = lib.ones(2, requires_grad=True)
        alias = lib.ones(2).new(f)
        assert alias is not f and alias.requires_grad and type(alias.grad_fn).__name__ == "AliasBackward0"
    raises = parity.raises_like
    raises(lambda lib: lib.tensor([1], dtype=lib.int32).new(lib.tensor([1.5])), "expected")
    raises(lambda lib: lib.tensor([1], dtype=lib.int32).new(2.5), "new(): data must be a sequence (got float)")
    raises(lambda lib: lib.tensor([1], dtype=lib.int32).new(2, 2.5))
    raises(lambda lib: lib.tensor([1], dtype=lib.int32).new(2, dtype=lib.float32))


def test_output_nr() -> None:
    def numbers(lib: Any) -> Any:
        x = lib.arange(6.0).requires_grad_()
        values, indices = (x * 1).max(0)
        sort = lib.sort(x * 1)
        return (
            [t.output_nr for t in (x * 1).split(2)],
            [t.output_nr for t in (x * 1).unbind()],
            x.output_nr,
            (x * 2).output_nr,
            values.output_nr,
            sort.values.output_nr,
        )

    assert numbers(minitorch) == numbers(torch)


def test_map2_() -> None:
    same(
        lambda lib: lib.tensor([1.0, 2, 3]).map2_(
            lib.tensor([10.0, 20, 30]), lib.tensor([100.0]), lambda a, b, c: a + b + c
        )
    )
    same(lambda lib: lib.tensor([1, 2]).map2_(lib.tensor([1, 2]), lib.tensor([1]), lambda a, b, c: a * b + c * 0.5))
    raises = parity.raises_like
    raises(lambda lib: lib.tensor([1.0, 2]).map2_(lib.tensor([1.0, 2, 3]), lib.tensor([1.0]), lambda a, b, c: a))
    raises(
        lambda lib: lib.tensor([1.0, 2]).requires_grad_().map2_(lib.tensor([1.0, 2]), lib.tensor([1.0]), max),
        "Can't call map2_() on Variable that requires grad",
    )
    raises(
        lambda lib: lib.tensor([1.0, 2]).map2_(lib.tensor([1, 2]), lib.tensor([1.0]), max),
        "map2_: expected torch.FloatTensor for argument 'x' (got torch.LongTensor)",
    )


def test_resize_() -> None:
    def storage(lib: Any) -> Any:  # (the elements a resize adds are uninitialised in torch: left out)
        z = lib.arange(6.0)
        out = [z.resize_(2, 2).clone(), z.stride(), z.resize_(6).clone(), z.resize_((3, 3)).reshape(-1)[:6].clone()]
        out.append(z.shape)
        w = lib.arange(12.0).reshape(3, 4)
        v = w.t()
        out += [v.resize_(2, 3).clone(), v.stride(), v.storage_offset(), w]
        v = w[1:]
        out += [v.resize_(3).clone(), v.storage_offset(), v.resize_(3, 4).reshape(-1)[:8].clone(), v.storage_offset()]
        out += [w, lib.ones(3).expand(2, 3).resize_(6)[:3].clone(), lib.resize_as_(lib.arange(4.0), lib.ones(3))]
        out.append(lib.arange(4.0).resize_as_(lib.ones(2, 1)))
        y = lib.arange(4.0)
        versions = [y._version]
        y.resize_(2)
        versions.append(y._version)
        return out, versions, y.resize_(2) is y

    same(storage)
    raises = parity.raises_like
    raises(lambda lib: lib.ones(2, requires_grad=True).resize_(3), "cannot resize variables that require grad")
    raises(lambda lib: (lib.ones(2, requires_grad=True) * 1).resize_(3), "cannot resize variables that require grad")
    raises(lambda lib: lib.ones(2).resize_(-1), "numel: integer multiplication overflow")
    raises(lambda lib: lib.ones(2).resize_(2.5), "must be tuple of ints, not float")


def test_mvlgamma_addbmm_and_sharing() -> None:
    parity.check_both(lambda lib, x: (x * 1 + 3).mvlgamma_(2) + (x * 1 + 4).mvlgamma_(p=3), np.linspace(-1, 1, 5))
    parity.check_both(
        lambda lib, m, b1, b2: (m * 1).addbmm_(b1, b2, beta=0.5, alpha=2),
        np.linspace(-1, 1, 6).reshape(2, 3),
        np.linspace(-1, 1, 16).reshape(2, 2, 4),
        np.linspace(1, -1, 24).reshape(2, 4, 3),
    )
    raises = parity.raises_like
    raises(lambda lib: lib.tensor([2, 3]).mvlgamma_(2), "can't be cast to the desired output type")
    raises(lambda lib: lib.tensor([2.5, 3.0]).mvlgamma_(0), "p has to be greater than or equal to 1")
    for lib in (torch, minitorch):
        for t in (lib.ones(2), lib.ones(2, requires_grad=True)):
            assert not t.is_shared()
            assert t.share_memory_() is t and t.is_shared()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray warnings from the new in-place forms
        minitorch.ones(2, 2).addbmm_(minitorch.ones(1, 2, 3), minitorch.ones(1, 3, 2))


# ------------------------------------------------------------------------------------------ off the host
_X = np.linspace(-1, 1, 12).reshape(3, 4)
_INDEX = np.array([0, 2, 0])
OFF_HOST = [
    ("diagonal_scatter", lambda lib, x: lib.diagonal_scatter(x, x[0, :3] * 2, 1), (_X,)),
    (
        "select_slice_scatter",
        lambda lib, x: lib.select_scatter(x, x[0], 0, 1) + x.slice_scatter(x[:, :2], 1, 0, 4, 2),
        (_X,),
    ),
    ("as_strided", lambda lib, x: (x * 1)[1:].as_strided((3, 3), (1, 1)) + x.as_strided((3,), (4,), 1), (_X,)),
    ("as_strided_scatter", lambda lib, x: lib.as_strided_scatter(x.detach() * 1, x[0, :2] * 3, (2,), (5,), 1), (_X,)),
    ("index_reduce", lambda lib, x, i: x.index_reduce(0, i, x * 2, "prod", include_self=False), (_X, _INDEX)),
    ("put", lambda lib, x, i: x.put(i, x[0, :3] * 3, accumulate=True) + x.put(i[:2], x[1, :2]), (_X, _INDEX)),
    (
        "sum_to_size_splits",
        lambda lib, x: (x.sum_to_size(3, 1), lib.unsafe_chunk(x, 2, 1), x.narrow_copy(1, 1, 2)),
        (_X,),
    ),
    ("nextafter", lambda lib, x: lib.nextafter(x, x.flip(0)), (_X,)),
    ("i0", lambda lib, x: lib.i0(x * 40), (_X,)),
    (
        "igamma",
        lambda lib, x: (
            lib.igamma(x.detach().abs() + 0.5, x.abs() * 3),
            lib.igammac(x.detach().abs() + 5, x.abs() * 9),
        ),
        (_X,),
    ),
    ("shifts", lambda lib, i: (i << 3, 7 >> i, lib.bitwise_left_shift(i, 70)), (_INDEX,)),
    ("nonzero_static_isreal", lambda lib, i: (lib.nonzero_static(i, size=4), lib.isreal(i)), (_INDEX,)),
]


@pytest.mark.parametrize("name,fn,inputs", OFF_HOST, ids=[r[0] for r in OFF_HOST])
def test_off_the_host(offhost: str, name: str, fn: Callable, inputs: tuple) -> None:
    parity.check_parity(fn, *inputs, device=offhost)


def test_histogram_off_the_host(offhost: str) -> None:
    x = np.round(np.linspace(-1, 1, 13), 2)
    for bins in (3, np.array([-1.0, 0.0, 0.5, 1.0])):
        want = torch.histogram(torch.tensor(x), torch.tensor(bins) if not isinstance(bins, int) else bins)
        b = minitorch.tensor(bins, device=offhost) if not isinstance(bins, int) else bins
        got = minitorch.histogram(minitorch.tensor(x, device=offhost), b, weight=None)
        assert got.hist.device.type == offhost
        parity.assert_close(got.hist.cpu(), want.hist, 0, 0, "hist")
        parity.assert_close(got.bin_edges.cpu(), want.bin_edges, 0, 0, "bin_edges")


def test_as_strided_scatter_differentiates_twice_by_finite_differences() -> None:
    """torch's own input gradient for as_strided_scatter fails its gradcheck, so the second derivatives (both
    inputs) are checked against finite differences rather than against torch."""
    rng = np.random.default_rng(4)
    x = minitorch.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    v = minitorch.tensor(rng.standard_normal(2), requires_grad=True)

    def fn(a: Any, b: Any) -> Any:
        return minitorch.as_strided_scatter(a * a, b * b, (2,), (2,), 1) ** 2

    assert minitorch.autograd.gradcheck(fn, (x, v))
    assert minitorch.autograd.gradgradcheck(fn, (x, v))
