"""Shape and layout ops against torch: values, gradients, views sharing memory and version, and errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import strategies as S
from tests.parity import check_both, raises_like


def dim_in(ndim: int, extra: int = 0) -> st.SearchStrategy:
    """A valid dim, negative ones included (``extra=1`` for ops that insert a dimension)."""
    n = max(ndim + extra, 1)
    return st.integers(-n, n - 1)


@st.composite
def regrouped(draw: Any, shape: tuple, infer: bool = True) -> tuple:
    """Another shape with as many elements, sometimes with one -1 to infer."""
    n = math.prod(shape)
    if n == 0:  # -1 would be ambiguous; torch refuses it
        sides = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
        sides[draw(st.integers(0, len(sides) - 1))] = 0
        return tuple(sides)
    if n == 1 and draw(st.booleans()):
        return ()
    sides, rest = [], n
    for _ in range(draw(st.integers(0, 3))):
        d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        sides.append(d)
        rest //= d
    sides = draw(st.permutations(sides + [rest]))
    if infer and draw(st.booleans()):
        sides[draw(st.integers(0, len(sides) - 1))] = -1
    return tuple(sides)


@st.composite
def expanded(draw: Any, shape: tuple) -> tuple:
    """A target for ``expand``: size-1 dims grow (to 0..3), others stay or become -1, new leading dims appear."""
    lead = draw(st.lists(st.integers(0, 3), max_size=2))
    rest = [draw(st.integers(0, 3)) if s == 1 else draw(st.sampled_from([s, -1])) for s in shape]
    return tuple(lead + rest)


@st.composite
def squeeze_dims(draw: Any, shape: tuple) -> Any:
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(dim_in(len(shape)))
    n = max(len(shape), 1)
    return tuple(draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n)))


@st.composite
def split_sizes(draw: Any, n: int) -> list:
    sizes = []
    while sum(sizes) < n:
        sizes.append(draw(st.integers(0, n - sum(sizes))))
    return sizes + draw(st.lists(st.just(0), max_size=1))


def op_case(shapes: st.SearchStrategy, params: Callable[[tuple], st.SearchStrategy]) -> st.SearchStrategy:
    return shapes.flatmap(lambda s: st.tuples(S.arrays(s), params(tuple(s))))


def flatten_dims(shape: tuple) -> st.SearchStrategy:
    n = max(len(shape), 1)
    return (
        st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
        .map(sorted)
        .flatmap(lambda se: st.tuples(st.sampled_from([se[0], se[0] - n]), st.sampled_from([se[1], se[1] - n])))
    )


def split_params(shape: tuple) -> st.SearchStrategy:
    return dim_in(len(shape)).flatmap(
        lambda d: st.tuples(st.just(d), st.one_of(st.integers(1, 4), split_sizes(shape[d])))
    )


SHAPES = S.shapes(0, 4, 0, 3)
NONSCALAR = S.shapes(1, 4, 0, 3)

# (name, op(lib, x, params), cases)
CASES = [
    ("t", lambda lib, x, p: (x.t(), lib.t(x)), op_case(S.shapes(0, 2, 0, 4), lambda s: st.none())),
    ("T", lambda lib, x, p: x.T, op_case(S.shapes(2, 2, 0, 4), lambda s: st.none())),
    ("mT", lambda lib, x, p: x.mT, op_case(S.shapes(2, 4, 0, 3), lambda s: st.none())),
    (
        "transpose",
        lambda lib, x, p: (x.transpose(*p), lib.transpose(x, *p), x.swapaxes(*p)),
        op_case(SHAPES, lambda s: st.tuples(dim_in(len(s)), dim_in(len(s)))),
    ),
    (
        "permute",
        lambda lib, x, p: (x.permute(*p), x.permute(p), lib.permute(x, p)),
        op_case(
            NONSCALAR,
            lambda s: st.permutations(range(len(s))).map(lambda d: tuple(i - len(s) if i % 2 else i for i in d)),
        ),
    ),
    ("view", lambda lib, x, p: x.contiguous().view(*p) if p else x.contiguous().view(p), op_case(SHAPES, regrouped)),
    ("view_tuple", lambda lib, x, p: x.contiguous().view(p), op_case(SHAPES, regrouped)),
    (
        "reshape",
        lambda lib, x, p: (x.reshape(p), lib.reshape(x, p), x.t().reshape(p) if x.ndim <= 2 else x),
        op_case(SHAPES, regrouped),
    ),
    (
        "flatten",
        lambda lib, x, p: (x.flatten(*p), lib.flatten(x, *p), x.flatten(), x.flatten(p[0])),
        op_case(SHAPES, flatten_dims),
    ),
    (
        "squeeze",
        lambda lib, x, p: x.squeeze() if p is None else (x.squeeze(p), lib.squeeze(x, p)),
        op_case(S.shapes(0, 4, 1, 2), squeeze_dims),
    ),
    (
        "unsqueeze",
        lambda lib, x, p: (x.unsqueeze(p), lib.unsqueeze(x, p)),
        op_case(SHAPES, lambda s: dim_in(len(s), extra=1)),
    ),
    ("expand", lambda lib, x, p: (x.expand(*p) if p else x.expand(p), x.expand(p)), op_case(SHAPES, expanded)),
    (
        "expand_as",
        lambda lib, x, p: x.expand_as(
            lib.zeros([s if e == -1 else e for e, s in zip(p, (1,) * (len(p) - x.ndim) + tuple(x.shape))])
        ),
        op_case(SHAPES, expanded),
    ),
    ("split", lambda lib, x, p: (x.split(p[1], p[0]), lib.split(x, p[1], dim=p[0])), op_case(NONSCALAR, split_params)),
    (
        "chunk",
        lambda lib, x, p: (x.chunk(p[1], p[0]), lib.chunk(x, p[1], p[0])),
        op_case(NONSCALAR, lambda s: st.tuples(dim_in(len(s)), st.integers(1, 4))),
    ),
    ("unbind", lambda lib, x, p: (x.unbind(p), lib.unbind(x, p)), op_case(NONSCALAR, lambda s: dim_in(len(s)))),
    (
        "narrow",
        lambda lib, x, p: x.narrow(p[0], p[1], p[2]),
        op_case(
            NONSCALAR,
            lambda s: dim_in(len(s)).flatmap(
                lambda d: st.integers(0, s[d]).flatmap(
                    lambda a: st.tuples(st.just(d), st.just(a), st.integers(0, s[d] - a))
                )
            ),
        ),
    ),
    (
        "contiguous",
        lambda lib, x, p: (x.contiguous(), x.t().contiguous() if x.ndim <= 2 else x.mT.contiguous()),
        op_case(SHAPES, lambda s: st.none()),
    ),
    ("clone", lambda lib, x, p: (x.clone(), lib.clone(x)), op_case(SHAPES, lambda s: st.none())),
    (
        "repeat",
        lambda lib, x, p: x.repeat(*p) if p else x.repeat(p),
        op_case(S.shapes(0, 3, 0, 3), lambda s: st.lists(st.integers(0, 3), min_size=len(s), max_size=len(s) + 2)),
    ),
    (
        "flip",
        lambda lib, x, p: (x.flip(p), lib.flip(x, p)),
        op_case(
            NONSCALAR,
            lambda s: st.lists(st.integers(0, len(s) - 1), unique=True).map(
                lambda d: tuple(i - len(s) if i % 2 else i for i in d)
            ),
        ),
    ),
]


@pytest.mark.parametrize("name,op,cases", CASES, ids=[c[0] for c in CASES])
def test_shape_op_parity(name: str, op: Callable, cases: st.SearchStrategy, device: str) -> None:
    @given(cases)
    def run(c: tuple) -> None:
        x, p = c
        check_both(lambda lib, t: op(lib, t, p), x, gradcheck=x.size <= 24, device=device)

    run()


def _joinable(dim_extra: int) -> st.SearchStrategy:
    """(arrays, dim) for cat (``dim_extra=0``: sizes along dim differ) or stack (``1``: equal shapes)."""

    def build(shape: tuple) -> st.SearchStrategy:
        def arrays_for(d: int) -> st.SearchStrategy:
            axis = d % max(len(shape), 1)

            def one(size: int) -> st.SearchStrategy:
                s = list(shape)
                if not dim_extra:
                    s[axis] = size
                return S.arrays(tuple(s))

            return st.lists(st.integers(0, 3), min_size=1, max_size=3).flatmap(
                lambda sizes: st.tuples(*(one(n) for n in sizes))
            )

        return dim_in(len(shape), dim_extra).flatmap(lambda d: st.tuples(arrays_for(d), st.just(d)))

    return S.shapes(1 - dim_extra, 3, 0, 3).flatmap(build)


@given(_joinable(0))
def test_cat_parity(c: tuple) -> None:
    arrays, dim = c
    check_both(
        lambda lib, *xs: (lib.cat(xs, dim), lib.cat(list(xs), dim=dim), lib.concat(xs, dim)),
        *arrays,
        gradcheck=sum(a.size for a in arrays) <= 24,
    )


@given(_joinable(1))
def test_stack_parity(c: tuple) -> None:
    arrays, dim = c
    check_both(
        lambda lib, *xs: (lib.stack(xs, dim), lib.stack(list(xs), dim=dim)),
        *arrays,
        gradcheck=sum(a.size for a in arrays) <= 24,
    )


MIXED = [
    [np.ones((2, 3), np.float32), np.ones((1, 3), np.float64)],
    [np.ones((2, 3), np.int64), np.ones((1, 3), np.float32)],
    [np.ones((2, 3), np.int32), np.ones((1, 3), np.bool_)],
    [np.ones((2, 3), np.int32), np.ones((1, 3), np.int64), np.zeros((2, 3), np.uint8)],
    [np.ones((2, 3), np.float32), np.zeros((0,), np.float64)],
]


@pytest.mark.parametrize("arrays", MIXED, ids=["f32_f64", "i64_f32", "i32_bool", "i32_i64_u8", "legacy_empty"])
def test_cat_promotes_mixed_dtypes(arrays: list) -> None:
    def make(lib: Any, a: np.ndarray) -> Any:
        return lib.tensor(a, requires_grad=a.dtype.kind == "f")

    t_in, m_in = [make(torch, a) for a in arrays], [make(minitorch, a) for a in arrays]
    t_out, m_out = torch.cat(t_in), minitorch.cat(m_in)
    assert str(m_out.dtype) == str(t_out.dtype)
    np.testing.assert_array_equal(m_out.detach().numpy(), t_out.detach().numpy())
    if t_out.requires_grad:
        seed = np.arange(t_out.numel(), dtype=np.float64).reshape(tuple(t_out.shape))
        t_out.backward(torch.tensor(seed, dtype=t_out.dtype))
        m_out.backward(minitorch.tensor(seed, dtype=m_out.dtype))
        for t, m in zip(t_in, m_in):
            if t.requires_grad:
                assert str(m.grad.dtype) == str(t.grad.dtype)
                np.testing.assert_array_equal(m.grad.numpy(), t.grad.numpy())


@given(op_case(SHAPES, regrouped), st.sampled_from(["c", "t", "s"]))
def test_view_works_exactly_where_torch_allows(c: tuple, layout: str) -> None:
    """view() on a (maybe transposed or strided) tensor succeeds, or raises, as in torch."""
    x, p = c

    def fn(lib: Any, t: Any) -> Any:
        if layout == "t":
            t = t.permute(tuple(reversed(range(t.ndim))))
        elif layout == "s" and t.ndim:
            t = lib.cat([t, t], -1)[..., ::2]
        return t.view(p)

    try:
        fn(torch, torch.tensor(x))
    except RuntimeError:
        raises_like(lambda lib: fn(lib, lib.tensor(x)), "view size is not compatible")
        return
    check_both(fn, x, gradcheck=False)


def _version(t: Any) -> int:
    return t._version


# (name, view(lib, base)) on a contiguous base of shape (2, 3, 1)
VIEWS = [
    ("view", lambda lib, b: b.view(6)),
    ("view_infer", lambda lib, b: b.view(-1, 2)),
    ("reshape", lambda lib, b: b.reshape(3, 2)),
    ("flatten", lambda lib, b: b.flatten()),
    ("transpose", lambda lib, b: b.transpose(0, 1)),
    ("permute", lambda lib, b: b.permute(2, 0, 1)),
    ("t", lambda lib, b: b[..., 0].t()),
    ("T", lambda lib, b: b[..., 0].T),
    ("squeeze", lambda lib, b: b.squeeze()),
    ("squeeze_dim", lambda lib, b: b.squeeze(-1)),
    ("unsqueeze", lambda lib, b: b.unsqueeze(-2)),
    ("split", lambda lib, b: b.split(1)[1]),
    ("chunk", lambda lib, b: b.chunk(3, 1)[2]),
    ("unbind", lambda lib, b: b.unbind(1)[0]),
    ("narrow", lambda lib, b: b.narrow(1, 1, 2)),
    ("slice", lambda lib, b: b[1:, ::2]),
    ("contiguous", lambda lib, b: b.contiguous()),
    ("expand_same", lambda lib, b: b.expand(2, 3, 1)),
]


@pytest.mark.parametrize(
    "name,view", VIEWS + [("detach", lambda lib, b: b.detach())], ids=[v[0] for v in VIEWS] + ["detach"]
)
def test_views_share_memory_and_version(name: str, view: Callable) -> None:
    results = []
    for lib in (torch, minitorch):
        base = lib.arange(6.0).reshape(2, 3, 1)
        v = view(lib, base)
        v0 = _version(base)
        v.mul_(10)
        after_view_write = (base.tolist(), _version(base) - v0, _version(v) - v0)
        base.add_(1)
        results.append((after_view_write, v.tolist(), _version(v) - v0))
    assert results[1] == results[0]


@pytest.mark.parametrize("name,view", VIEWS, ids=[v[0] for v in VIEWS])
def test_inplace_on_view_of_nonleaf_reaches_base_grad(name: str, view: Callable, device: str) -> None:
    def fn(lib: Any, a: Any, w: Any) -> Any:
        y = a * 1
        v = view(lib, y)
        v.mul_(2)
        v.add_(w.reshape(-1)[: v.numel()].reshape(v.shape))
        return y * y, v

    rng = np.random.default_rng(0)
    a, w = rng.uniform(-1, 1, (2, 3, 1)), rng.uniform(-1, 1, 6)
    if name in ("split", "chunk", "unbind"):  # torch refuses to rebase one of several output views
        # The node's name in the message varies with torch's version (Split in 2.13, SplitBackward0 in 2.11).
        raises_like(
            lambda lib: fn(lib, lib.tensor(a, requires_grad=True), lib.tensor(w)),
            "is a view and is being modified inplace. This view is the output of a function that returns multiple views.",
        )
        return
    check_both(fn, a, w, device=device)


# (name, op(lib, t)) whose result layout (strides) torch defines, applied to a transposed tensor
LAYOUTS = [
    ("clone", lambda lib, t: t.clone()),
    ("contiguous", lambda lib, t: t.contiguous()),
    ("cat", lambda lib, t: lib.cat([t, t], 1)),
    ("stack", lambda lib, t: lib.stack([t, t], 1)),
    ("flip", lambda lib, t: t.flip(0)),
    ("repeat", lambda lib, t: t.repeat(1, 2)),
    ("mul", lambda lib, t: t * 2),
    ("reshape_copy", lambda lib, t: t.reshape(12)),
    ("view_after_clone", lambda lib, t: t.clone().t().view(12)),
]


@pytest.mark.parametrize("name,op", LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_result_layout_matches_torch(name: str, op: Callable) -> None:
    t = op(torch, torch.arange(12.0).reshape(3, 4).t())
    m = op(minitorch, minitorch.arange(12.0).reshape(3, 4).t())
    assert (m.stride(), m.is_contiguous()) == (t.stride(), t.is_contiguous())


def test_copies_do_not_share_memory() -> None:
    for lib in (torch, minitorch):
        base = lib.arange(6.0).reshape(2, 3)
        copies = [base.clone(), base.t().contiguous(), base.t().reshape(6), base.flip(0), base.repeat(1, 1)]
        for c in copies:
            c.add_(100)
        assert base.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], lib.__name__


ERRORS = [
    ("view_size", lambda lib: lib.ones(3, 4).view(3, 5), "shape '[3, 5]' is invalid for input of size 12"),
    ("view_two_infer", lambda lib: lib.ones(3, 4).view(-1, -1), "only one dimension can be inferred"),
    (
        "view_layout",
        lambda lib: lib.ones(3, 4).t().view(12),
        "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
        "contiguous subspaces). Use .reshape(...) instead.",
    ),
    ("view_ambiguous_empty", lambda lib: lib.ones(2, 0).view(-1, 0), "cannot reshape tensor of 0 elements"),
    ("reshape_size", lambda lib: lib.ones(3, 4).reshape(5, -1), "shape '[5, -1]' is invalid for input of size 12"),
    (
        "transpose_dim",
        lambda lib: lib.ones(3, 4).transpose(0, 2),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    ("permute_len", lambda lib: lib.ones(3, 4).permute(0), "number of dimensions in the tensor input does not match"),
    ("permute_dup", lambda lib: lib.ones(3, 4).permute(0, 0), "permute(): duplicate dims are not allowed."),
    ("permute_dim", lambda lib: lib.ones(3, 4).permute(0, 2), "Dimension out of range"),
    ("t_3d", lambda lib: lib.ones(2, 2, 2).t(), "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    (
        "squeeze_dim",
        lambda lib: lib.ones(3, 4).squeeze(2),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    (
        "squeeze_tuple",
        lambda lib: lib.ones(3, 4).squeeze((0, 3)),
        "Dimension out of range (expected to be in range of [-2, 1], but got 3)",
    ),
    (
        "unsqueeze_dim",
        lambda lib: lib.ones(3, 4).unsqueeze(3),
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)",
    ),
    ("unsqueeze_neg", lambda lib: lib.ones(3, 4).unsqueeze(-4), "Dimension out of range"),
    (
        "flatten_order",
        lambda lib: lib.ones(3, 4).flatten(1, 0),
        "flatten() has invalid args: start_dim cannot come after end_dim",
    ),
    ("flatten_dim", lambda lib: lib.ones(3, 4).flatten(0, 2), "Dimension out of range"),
    (
        "expand_size",
        lambda lib: lib.ones(3, 4).expand(3, 5),
        "The expanded size of the tensor (5) must match the existing size (4) at non-singleton dimension 1.  "
        "Target sizes: [3, 5].  Tensor sizes: [3, 4]",
    ),
    (
        "expand_fewer",
        lambda lib: lib.ones(3, 4).expand(4),
        "the number of sizes provided (1) must be greater or equal to the number of dimensions in the tensor (2)",
    ),
    (
        "expand_leading_infer",
        lambda lib: lib.ones(3, 4).expand(-1, 3, 4),
        "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0",
    ),
    (
        "expand_write",
        lambda lib: lib.ones(3, 1).expand(3, 4).add_(1),
        "unsupported operation: more than one element of the written-to tensor refers to a single memory location",
    ),
    (
        "expand_copy_into",
        lambda lib: lib.ones(3, 1).expand(3, 4).copy_(lib.zeros(3, 4)),
        "unsupported operation: more than one element of the written-to tensor refers to a single memory location",
    ),
    (
        "cat_ndim",
        lambda lib: lib.cat([lib.ones(3, 4), lib.ones(3)]),
        "Tensors must have same number of dimensions: got 2 and 1",
    ),
    (
        "cat_sizes",
        lambda lib: lib.cat([lib.ones(3, 4), lib.ones(2, 5)]),
        "Sizes of tensors must match except in dimension 0. Expected size 4 but got size 5 for tensor number 1 in the list.",
    ),
    ("cat_empty_list", lambda lib: lib.cat([]), "expected a non-empty list of Tensors"),
    (
        "cat_scalar",
        lambda lib: lib.cat([lib.tensor(1.0)]),
        "zero-dimensional tensor (at position 0) cannot be concatenated",
    ),
    (
        "cat_dim",
        lambda lib: lib.cat([lib.ones(3, 4)], 2),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    ("cat_tensor", lambda lib: lib.cat(lib.ones(3, 4)), "must be tuple of Tensors, not Tensor"),
    (
        "stack_sizes",
        lambda lib: lib.stack([lib.ones(3, 4), lib.ones(3, 5)]),
        "stack expects each tensor to be equal size, but got [3, 4] at entry 0 and [3, 5] at entry 1",
    ),
    (
        "stack_dim",
        lambda lib: lib.stack([lib.ones(3, 4)], 3),
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)",
    ),
    (
        "split_sizes",
        lambda lib: lib.ones(5).split([2, 2]),
        "split_with_sizes expects split_sizes to sum exactly to 5 (input tensor's size at dimension 0), but got "
        "split_sizes=[2, 2]",
    ),
    ("split_zero", lambda lib: lib.ones(3, 4).split(0), "split_size can only be 0 if dimension size is 0"),
    ("split_dim", lambda lib: lib.ones(3, 4).split(1, 2), "Dimension out of range"),
    ("chunk_zero", lambda lib: lib.ones(5).chunk(0), "chunk expects `chunks` to be greater than 0, got: 0"),
    (
        "unbind_dim",
        lambda lib: lib.ones(2, 3).unbind(2),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    (
        "narrow_past_end",
        lambda lib: lib.ones(3, 4).narrow(0, 2, 2),
        "start (2) + length (2) exceeds dimension size (3).",
    ),
    (
        "repeat_negative",
        lambda lib: lib.ones(2, 3).repeat(-1, 2),
        "Trying to create tensor with negative dimension -2: [-2, 6]",
    ),
    (
        "repeat_fewer",
        lambda lib: lib.ones(2, 2).repeat(2),
        "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
    ),
    (
        "flip_dim",
        lambda lib: lib.ones(2, 2).flip(2),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    ("flip_dup", lambda lib: lib.ones(2, 2).flip((0, -2)), "appears multiple times in the list of dims"),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_shape_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


@given(
    shape=st.sampled_from([(3, 1), (1, 4), (1, 1), (2, 1, 3)]),
    value=st.one_of(st.integers(-9, 9), st.floats(-1e3, 1e3, allow_nan=False)),
    dtype=st.sampled_from(["float32", "float64", "int64"]),
    zero=st.booleans(),
)
def test_fill_and_zero_write_expanded_tensors_as_torch(shape: tuple, value: Any, dtype: str, zero: bool) -> None:
    """fill_ and zero_ write one value, so torch lets them write an expanded tensor (numpy's read-only
    ValueError before); the base holds the value after."""
    got = []
    for lib in (torch, minitorch):
        base = lib.arange(math.prod(shape), dtype=getattr(lib, dtype)).reshape(shape)
        view = base.expand(*(4 if n == 1 else n for n in shape))
        out = view.zero_() if zero else view.fill_(value)
        assert out is view
        got.append((view.numpy().copy(), base.numpy().copy()))
    for mine, want in zip(got[1], got[0]):
        np.testing.assert_array_equal(mine, want)
