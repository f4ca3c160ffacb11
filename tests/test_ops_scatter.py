"""scatter, scatter_add, scatter_reduce, index_add/fill/copy, masked_scatter against torch: values, gradients, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch
from tests import strategies as S
from tests.parity import check_both, check_parity, raises_like


@st.composite
def scatter_case(draw: Any, unique: bool = False, zeros: bool = False) -> tuple:
    """(input, src, dim, index): index no larger than input apart from ``dim`` and no larger than src;
    ``unique``: no position written twice (plain scatter's result would depend on the order of writes)."""
    shape = tuple(draw(S.shapes(0, 3, 1, 4)))
    ndim = max(len(shape), 1)
    dim = draw(st.integers(-ndim, ndim - 1))
    axis = dim % ndim
    full = shape or (1,)
    ishape = tuple(draw(st.integers(0, n if d != axis else (n if unique else n + 2))) for d, n in enumerate(full))
    sshape = tuple(m + draw(st.integers(0, 1)) for m in ishape)
    if unique:  # a prefix of a random permutation along the axis: distinct targets in every line
        keys = draw(
            hnp.arrays(np.float64, ishape[:axis] + (full[axis],) + ishape[axis + 1 :], elements=st.floats(0, 1))
        )
        index = np.argsort(keys, axis=axis, kind="stable").take(range(ishape[axis]), axis=axis)
    else:
        index = draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, full[axis] - 1)))
    if not shape:  # a 0-dim input takes a 0-dim (or one-element) index and src
        index, sshape = index.reshape(()) if index.size == 1 else index, () if index.size == 1 else sshape
    values = snap_zeros if zeros else S.arrays
    return draw(values(shape)), draw(values(sshape)), dim, index


def snap_zeros(shape: Any) -> st.SearchStrategy:
    """Values with about a third of them exactly 0 (products of the others must survive them)."""
    return S.arrays(shape).map(lambda a: np.where(np.abs(a) < 0.35, 0.0, a))


SCATTERS = [
    ("scatter", lambda lib, x, s, d, i: (x.scatter(d, i, s), lib.scatter(x, d, i, src=s)), scatter_case(unique=True)),
    ("scatter_value", lambda lib, x, s, d, i: (x.scatter(d, i, 0.25), lib.scatter(x, d, i, value=-2)), scatter_case()),
    ("scatter_add", lambda lib, x, s, d, i: (x.scatter_add(d, i, s), lib.scatter_add(x, d, i, s)), scatter_case()),
    ("inplace_scatter", lambda lib, x, s, d, i: (x * 1).scatter_(d, i, s), scatter_case(unique=True)),
    ("inplace_scatter_add", lambda lib, x, s, d, i: (x * 1).scatter_add_(d, i, s), scatter_case()),
]
for _reduce in ("sum", "prod", "mean", "amax", "amin"):
    for _self in (True, False):
        SCATTERS.append(
            (
                f"scatter_reduce_{_reduce}" + ("" if _self else "_exclude_self"),
                lambda lib, x, s, d, i, r=_reduce, k=_self: x.scatter_reduce(d, i, s, r, include_self=k),
                scatter_case(zeros=_reduce == "prod"),
            )
        )


def _src_of_index_shape(s: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``s`` cut to ``index``'s shape: torch's scatter_reduce backward supports only that case."""
    return s[tuple(slice(0, n) for n in index.shape)] if s.ndim else s


@pytest.mark.parametrize("name,op,cases", SCATTERS, ids=[c[0] for c in SCATTERS])
def test_scatter_parity(name: str, op: Callable, cases: st.SearchStrategy) -> None:
    @given(cases)
    def run(c: tuple) -> None:
        x, s, dim, index = c
        # torch's backward returns src's gradient in index's shape: with a larger src only the forward compares
        if s.shape != index.shape and s.ndim:
            if name.startswith("scatter_reduce"):
                s = _src_of_index_shape(s, index)
            elif "value" not in name:
                check_both(lambda lib, t, u, i: op(lib, t, u, dim, i), x, s, index, grad=False)
                check_parity(lambda lib, t, u, i: op(lib, t, u.detach(), dim, i), x, s, index)
                return
        ties = np.diff(np.sort(np.concatenate([x.ravel(), s.ravel()]))).min(initial=1) < 1e-4  # kinks of max, prod
        small = x.size + s.size <= 24 and not (ties and name.startswith(("scatter_reduce_am", "scatter_reduce_prod")))
        check_both(lambda lib, t, u, i: op(lib, t, u, dim, i), x, s, index, gradcheck=small)

    run()


def test_scatter_gradient_of_a_larger_src_is_zero_padded() -> None:
    """torch fails here (its backward returns src's gradient in index's shape); minitorch pads it with zeros."""
    src = minitorch.arange(6.0).reshape(2, 3).requires_grad_()
    out = minitorch.zeros(2, 4).scatter_add(1, minitorch.tensor([[0, 0], [3, 1]]), src)
    out.backward(minitorch.arange(8.0).reshape(2, 4))
    np.testing.assert_array_equal(src.grad.numpy(), [[0, 0, 0], [7, 5, 0]])


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_argument(reduce: str) -> None:
    """scatter(..., reduce=) (deprecated in torch, which does not differentiate it) computes as torch does."""
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    index = np.array([[0, 1, 0], [2, 2, 2], [3, 3, 0]])
    with pytest.warns(UserWarning, match="The reduce argument of torch.scatter with Tensor src is deprecated"):
        minitorch.zeros(1).scatter(0, minitorch.tensor([0]), minitorch.ones(1), reduce="add")  # torch: once a process
    check_parity(lambda lib, t, i: t.scatter(1, i, t.detach() * 2, reduce=reduce), x, index, grad=False)
    check_parity(lambda lib, t, i: t.scatter(1, i, 1.5, reduce=reduce), x, index, grad=False)
    for lib in (torch, minitorch):
        out = lib.ones(3, 4, requires_grad=True).scatter(1, lib.tensor(index), 2.0, reduce=reduce)
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            out.sum().backward()


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_scatter_integer_and_bool(dtype: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2 if dtype == "bool" else 9, (3, 5)).astype(dtype)
    src = rng.integers(0, 2 if dtype == "bool" else 9, (3, 5)).astype(dtype)
    index = np.array([[0, 4, 1], [2, 2, 2], [1, 3, 0]])
    unique = np.array([[0, 4, 1], [2, 3, 1], [1, 3, 0]])

    def ops(lib: Any, t: Any, s: Any, i: Any, u: Any) -> tuple:
        out = [t.scatter(1, u, s), t.scatter(1, i, 1), t.scatter(1, i, 7.9 if dtype != "bool" else True)]
        if dtype != "bool":
            out += [t.scatter_add(1, i, s)] + [t.scatter_reduce(1, i, s, r) for r in ("sum", "prod", "amax", "amin")]
            out += [t.scatter_reduce(1, i, s, r, include_self=False) for r in ("mean", "amax")]
            out += [
                t.scatter_reduce(1, i, s * 3 + 1, "mean"),
                t.scatter_reduce(1, i, s, "max"),
                t.scatter_reduce(1, i, s, "min"),
            ]
        return tuple(out)

    check_parity(ops, x, src, index, unique, grad=False)


def test_one_hot_targets_from_the_transforms_tutorial() -> None:
    """``zeros(10).scatter_(0, tensor(y), value=1)`` builds the Transforms page's one-hot target."""
    for y in (0, 3, 9):
        check_parity(lambda lib: lib.zeros(10, dtype=lib.float).scatter_(0, lib.tensor(y), value=1), grad=False)


@st.composite
def index_case(draw: Any, unique: bool = False, extra: int = 2) -> tuple:
    """(input, source, dim, index) for index_add/copy/fill: a vector index along ``dim``, source of its length."""
    shape = tuple(draw(S.shapes(0, 3, 1, 4)))
    ndim = max(len(shape), 1)
    dim = draw(st.integers(-ndim, ndim - 1))
    size = (shape or (1,))[dim % ndim]
    if unique:
        index = np.array(draw(st.permutations(range(size)))[: draw(st.integers(0, size))], dtype=np.int64)
    else:
        index = draw(hnp.arrays(np.int64, draw(st.integers(0, size + extra)), elements=st.integers(0, size - 1)))
    if not shape and index.size == 1 and draw(st.booleans()):
        index = index.reshape(())
    sshape = shape[: dim % ndim] + (index.size,) + shape[dim % ndim + 1 :] if shape else ()
    if not shape and index.size != 1:
        return draw(index_case(unique, extra))
    return draw(S.arrays(shape)), draw(S.arrays(sshape)), dim, index


INDEXED = [
    ("index_add", lambda lib, x, s, d, i: x.index_add(d, i, s), index_case()),
    ("index_add_alpha", lambda lib, x, s, d, i: lib.index_add(x, d, i, s, alpha=-1.5), index_case()),
    ("inplace_index_add", lambda lib, x, s, d, i: (x * 1).index_add_(d, i, s, alpha=2), index_case()),
    (
        "index_copy",
        lambda lib, x, s, d, i: (x.index_copy(d, i, s), lib.index_copy(x, d, i, s)),
        index_case(unique=True),
    ),
    ("inplace_index_copy", lambda lib, x, s, d, i: (x * 1).index_copy_(d, i, s), index_case(unique=True)),
    ("index_fill", lambda lib, x, s, d, i: x.index_fill(d, i, -0.5), index_case()),
    ("index_fill_negative", lambda lib, x, s, d, i: lib.index_fill(x, d, -1 - i, 2.0), index_case()),
    ("index_fill_tensor", lambda lib, x, s, d, i: x.index_fill(d, i, s.sum() * 1), index_case()),
    ("inplace_index_fill", lambda lib, x, s, d, i: (x * 1).index_fill_(d, i, s.sum()), index_case()),
]


@pytest.mark.parametrize("name,op,cases", INDEXED, ids=[c[0] for c in INDEXED])
def test_index_write_parity(name: str, op: Callable, cases: st.SearchStrategy) -> None:
    @given(cases)
    def run(c: tuple) -> None:
        x, s, dim, index = c
        check_both(lambda lib, t, u, i: op(lib, t, u, dim, i), x, s, index, gradcheck=x.size + s.size <= 24)

    run()


def test_index_writes_of_integers() -> None:
    x = np.arange(12).reshape(3, 4)
    check_parity(
        lambda lib, t, i: (
            t.index_add(0, i, t[:2], alpha=3),
            t.index_add(0, i, t[:2] * 0 + 1, alpha=1.5),
            t.index_fill(1, i, 2.7),
            t.index_copy(0, i.flip(0), t[1:]),
        ),
        x,
        np.array([2, 0]),
        grad=False,
    )


@st.composite
def masked_case(draw: Any) -> tuple:
    shapes = draw(S.broadcastable_shapes(2, 0, 3, 1, 4))
    x, mask = draw(S.arrays(shapes[0])), draw(hnp.arrays(np.bool_, shapes[1]))
    n = int(np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape)).sum())
    src_shape = draw(
        st.sampled_from([(n + draw(st.integers(0, 3)),), (n + 1, 2), ()] if n <= 1 else [(n + 2,), (n, 2)])
    )
    return x, mask, draw(S.arrays(src_shape))


@given(masked_case())
def test_masked_scatter_parity(c: tuple) -> None:
    x, mask, src = c
    check_both(lambda lib, t, m, s: t.masked_scatter(m, s), x, mask, src, gradcheck=x.size + src.size <= 24)
    if np.broadcast_shapes(x.shape, mask.shape) == x.shape:
        check_both(lambda lib, t, m, s: (t * 1).masked_scatter_(m, s), x, mask, src, gradcheck=False)


def _x(lib: Any) -> Any:
    return lib.zeros(3, 4, dtype=lib.float64)


def _i(lib: Any, *v: Any, dtype: Any = None) -> Any:
    return lib.tensor(list(v), dtype=dtype)


ERRORS = [
    (
        "scatter_index_dtype",
        lambda lib: _x(lib).scatter(1, _i(lib, [0.0]), 1.0),
        "Expected dtype int32/int64 for index",
    ),
    (
        "scatter_src_dtype",
        lambda lib: _x(lib).scatter(1, _i(lib, [0]), lib.ones(1, 1)),
        "Expected self.dtype to be equal to src.dtype",
    ),
    (
        "scatter_out_of_range",
        lambda lib: _x(lib).scatter(1, _i(lib, [4]), 1.0),
        "index 4 is out of bounds for dimension 1 with size 4",
    ),
    (
        "scatter_negative",
        lambda lib: _x(lib).scatter(1, _i(lib, [-1]), 1.0),
        "index -1 is out of bounds for dimension 1 with size 4",
    ),
    (
        "scatter_rank",
        lambda lib: _x(lib).scatter(1, _i(lib, 0), 1.0),
        "Index tensor must have the same number of dimensions as self tensor",
    ),
    (
        "scatter_index_larger",
        lambda lib: _x(lib).scatter(1, lib.zeros(4, 2, dtype=lib.int64), _x(lib)),
        "Expected index [4, 2] to be no larger than self [3, 4] apart from dimension 1 and to be no larger size than src [3, 4]",
    ),
    (
        "scatter_index_larger_than_src",
        lambda lib: _x(lib).scatter(0, lib.zeros(3, 2, dtype=lib.int64), _x(lib)[:2]),
        "to be no larger size than src [2, 4]",
    ),
    ("scatter_dim", lambda lib: _x(lib).scatter(2, _i(lib, [0]), 1.0), "Dimension out of range"),
    (
        "scatter_reduce_name",
        lambda lib: _x(lib).scatter(1, _i(lib, [0]), 1.0, reduce="mean"),
        "reduce argument must be either add or multiply.",
    ),
    (
        "scatter_reduce_kind",
        lambda lib: _x(lib).scatter_reduce(1, _i(lib, [0]), _x(lib), "maximum"),
        "reduce argument must be either sum, prod, mean, amax or amin, got maximum",
    ),
    (
        "scatter_reduce_old_name_has_no_gradient",
        lambda lib: _x(lib).requires_grad_().scatter_reduce(1, _i(lib, [0]), _x(lib), "max").sum().backward(),
        "Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', 'amin' but got max.",
    ),
    (
        "scatter_reduce_value",
        lambda lib: _x(lib).scatter_reduce(1, _i(lib, [0]), 2.0, "sum"),
        "argument 'src' (position 3) must be Tensor, not float",
    ),
    (
        "scatter_add_value",
        lambda lib: _x(lib).scatter_add(1, _i(lib, [0]), 2.0),
        "argument 'src' (position 3) must be Tensor, not float",
    ),
    (
        "scatter_add_dtype",
        lambda lib: _x(lib).scatter_add(1, _i(lib, [0]), lib.ones(1, 1)),
        "Expected self.dtype to be equal to src.dtype",
    ),
    (
        "index_add_dtype",
        lambda lib: _x(lib).index_add(0, _i(lib, 0), lib.ones(1, 4)),
        "index_add_(): self (Double) and source (Float) must have the same scalar type",
    ),
    (
        "index_add_index_dtype",
        lambda lib: _x(lib).index_add(0, _i(lib, 0.0), _x(lib)[:1]),
        "Expected dtype int32/int64 for index but got: Float",
    ),
    (
        "index_add_matrix_index",
        lambda lib: _x(lib).index_add(0, _i(lib, [0]), _x(lib)[:1]),
        "index_add_(): Index is supposed to be a vector",
    ),
    (
        "index_add_shape",
        lambda lib: _x(lib).index_add(0, _i(lib, 0), lib.zeros(1, 5, dtype=lib.float64)),
        "source tensor shape must match self tensor shape",
    ),
    (
        "index_add_count",
        lambda lib: _x(lib).index_add(0, _i(lib, 0, 1), _x(lib)[:1]),
        "index_add_(): Number of indices (2) should be equal to source.size(dim): (1), for dim: 0",
    ),
    (
        "index_add_range",
        lambda lib: _x(lib).index_add(0, _i(lib, 3), _x(lib)[:1]),
        "index 3 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_add_negative",
        lambda lib: _x(lib).index_add(0, _i(lib, -1), _x(lib)[:1]),
        "index -1 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_fill_index_dtype",
        lambda lib: _x(lib).index_fill(0, _i(lib, 0, dtype=lib.int32), 1.0),
        "index_fill_(): Expected dtype int64 for index.",
    ),
    (
        "index_fill_matrix_index",
        lambda lib: _x(lib).index_fill(0, _i(lib, [0]), 1.0),
        "Index has to be a vector/scalar",
    ),
    (
        "index_fill_range",
        lambda lib: _x(lib).index_fill(0, _i(lib, -4), 1.0),
        "index -4 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_fill_value_dims",
        lambda lib: _x(lib).index_fill(0, _i(lib, 0), lib.ones(1)),
        "index_fill_ only supports a 0-dimensional value tensor",
    ),
    (
        "index_copy_index_dtype",
        lambda lib: _x(lib).index_copy(0, _i(lib, 0, dtype=lib.int32), _x(lib)[:1]),
        "index_copy_(): Expected a long tensor for index, but got Int",
    ),
    (
        "index_copy_matrix_index",
        lambda lib: _x(lib).index_copy(0, _i(lib, [0]), _x(lib)[:1]),
        "index_copy_(): Index should have dimension 1 or 0 (got 2)",
    ),
    (
        "index_copy_dtype",
        lambda lib: _x(lib).index_copy(0, _i(lib, 0), lib.ones(1, 4)),
        "index_copy_(): self and source expected to have the same dtype",
    ),
    (
        "index_copy_slices",
        lambda lib: _x(lib).index_copy(0, _i(lib, 0), lib.zeros(1, 5, dtype=lib.float64)),
        "Source/destination tensor must have same slice shapes",
    ),
    (
        "index_copy_count",
        lambda lib: _x(lib).index_copy(0, _i(lib, 0, 1), _x(lib)[:1]),
        "index_copy_(): Number of indices (2) should be equal to source.size(dim) (1)",
    ),
    (
        "index_copy_range",
        lambda lib: _x(lib).index_copy(0, _i(lib, -1), _x(lib)[:1]),
        "index_copy_(): index -1 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_copy_rank",
        lambda lib: _x(lib).index_copy(0, _i(lib, 1), lib.ones(4, dtype=lib.float64)),
        "their dimensionality must match",
    ),
    (
        "masked_scatter_mask_dtype",
        lambda lib: _x(lib).masked_scatter(_x(lib), _x(lib)),
        "masked_scatter_ only supports boolean masks, but got mask with dtype Double",
    ),
    (
        "masked_scatter_dtype",
        lambda lib: _x(lib).masked_scatter(_x(lib) == 0, lib.ones(12)),
        "masked_scatter: expected self and source to have same dtypes",
    ),
    (
        "masked_scatter_short",
        lambda lib: _x(lib).masked_scatter(_x(lib) == 0, _x(lib)[:2]),
        "Number of elements of source < number of ones in mask",
    ),
    (
        "masked_scatter_shape",
        lambda lib: _x(lib).masked_scatter(lib.ones(2, dtype=lib.bool), _x(lib)),
        "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 1",
    ),
    (
        "inplace_masked_scatter_broadcasts_only_the_mask",
        lambda lib: lib.zeros(3, 1).masked_scatter_(lib.tensor([True, False, True]), lib.arange(9.0)),
        "The expanded size of the tensor (1) must match the existing size (3) at non-singleton dimension 1",
    ),
]


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_scatter_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


def test_scatter_node_names_are_torchs() -> None:
    def names(lib: Any) -> list:
        x, i = lib.ones(2, 3, requires_grad=True), lib.tensor([[0, 1]])
        v = lib.tensor(2.0, requires_grad=True)
        return [
            y.grad_fn.name()
            for y in (
                x.scatter(1, i, x),
                x.scatter(1, i, 1.0),
                x.scatter_add(1, i, x),
                x.scatter_reduce(1, i, x, "amax"),
                x.index_add(1, i[0], x[:, :2]),
                x.index_fill(1, i[0], 1.0),
                x.index_fill(1, i[0], v),
                x.index_copy(1, i[0], x[:, :2]),
                x.masked_scatter(x > 0, x),
            )
        ]

    assert names(minitorch) == names(torch)
