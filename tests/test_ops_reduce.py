"""Reductions against torch: sum, mean, max/min, argmax/argmin, var/std, prod (values, dtypes, gradients, errors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import strategies as S
from tests.parity import assert_same_as_torch, check_both, check_parity, raises_like


@st.composite
def dims_for(draw: Any, ndim: int, kinds: tuple = ("none", "int", "tuple")) -> Any:
    """A ``dim`` argument valid for ``ndim``: None, an int (maybe negative) or a tuple.

    ``"tuple"`` may be empty (meaning every dim); ``"tuple+"`` is not, since torch's var/std
    backward is wrong for ``dim=()`` (it treats the reduction as over one element).
    """
    n = max(ndim, 1)
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    axes = draw(st.lists(st.integers(0, n - 1), unique=True, min_size=kind == "tuple+", max_size=n))
    return tuple(a - n if draw(st.booleans()) else a for a in axes)


@st.composite
def distinct(draw: Any, shape: Any) -> np.ndarray:
    """Values in [-1, 1], no two within 1/(2n) of each other: no ties, variance bounded away from 0."""
    shape = tuple(draw(shape) if isinstance(shape, st.SearchStrategy) else shape)
    n = int(np.prod(shape))
    grid = np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(n)
    order = draw(st.permutations(list(range(n))))
    jitter = draw(S.arrays((n,), -0.25, 0.25, noncontiguous=False)) / max(n - 1, 1)
    return (grid[order] + jitter).reshape(shape)


def snap_tiny(shape: Any) -> st.SearchStrategy:
    """Values with the tiny ones made exactly 0: torch's prod gradient divides the product by each
    factor, which loses a subnormal factor's gradient in float32, but treats exact zeros exactly."""
    return S.arrays(shape).map(lambda a: np.where(np.abs(a) < 1e-3, 0.0, a))


def case(shape: st.SearchStrategy, values: Callable = S.arrays, kinds: tuple = ("none", "int", "tuple")) -> Any:
    """(array, dim, keepdim) with ``dim`` of one of ``kinds``."""
    return shape.flatmap(lambda s: st.tuples(values(s), dims_for(len(s), kinds), st.booleans()))


pytestmark = pytest.mark.filterwarnings(r"ignore:(var|std)\(\). degrees of freedom is <= 0")

SMALL = S.shapes(0, 3, 0, 4)
NONEMPTY = S.shapes(0, 3, 1, 4)
VAR_DIMS = ("none", "int", "tuple+")

# (name, op(lib, x, dim, keepdim), input cases, gradcheck)
DIM_REDUCTIONS = [
    ("sum", lambda lib, x, d, k: lib.sum(x, d, keepdim=k), case(SMALL)),
    ("sum_method", lambda lib, x, d, k: x.sum(d, k), case(SMALL)),
    ("mean", lambda lib, x, d, k: lib.mean(x, d, keepdim=k), case(NONEMPTY)),
    ("mean_method", lambda lib, x, d, k: x.mean(d, keepdim=k), case(NONEMPTY)),
    ("var", lambda lib, x, d, k: lib.var(x, d, keepdim=k), case(NONEMPTY, distinct, VAR_DIMS)),
    ("var_biased", lambda lib, x, d, k: x.var(d, unbiased=False, keepdim=k), case(NONEMPTY, distinct, VAR_DIMS)),
    (
        "var_correction0",
        lambda lib, x, d, k: lib.var(x, d, keepdim=k, correction=0),
        case(NONEMPTY, distinct, VAR_DIMS),
    ),
    (
        "var_correction2",
        lambda lib, x, d, k: lib.var(x, d, keepdim=k, correction=2),
        case(NONEMPTY, distinct, VAR_DIMS),
    ),
    ("std", lambda lib, x, d, k: lib.std(x, d, keepdim=k), case(NONEMPTY, distinct, VAR_DIMS)),
    ("std_biased", lambda lib, x, d, k: x.std(d, unbiased=False, keepdim=k), case(NONEMPTY, distinct, VAR_DIMS)),
    (
        "std_correction0",
        lambda lib, x, d, k: lib.std(x, d, keepdim=k, correction=0),
        case(NONEMPTY, distinct, VAR_DIMS),
    ),
    (
        "prod",
        lambda lib, x, d, k: lib.prod(x, d, keepdim=k) if d is not None else lib.prod(x),
        case(SMALL, snap_tiny, ("none", "int")),
    ),
    ("max_dim", lambda lib, x, d, k: tuple(lib.max(x, d, keepdim=k)), case(NONEMPTY, distinct, ("int",))),
    ("min_dim", lambda lib, x, d, k: tuple(x.min(d, keepdim=k)), case(NONEMPTY, distinct, ("int",))),
    ("argmax", lambda lib, x, d, k: lib.argmax(x, d, keepdim=k), case(NONEMPTY, distinct, ("none", "int"))),
    ("argmin", lambda lib, x, d, k: x.argmin(d, keepdim=k), case(NONEMPTY, distinct, ("none", "int"))),
]


def _degenerate(name: str, x: np.ndarray, dim: Any) -> bool:
    """Whether var/std divide by n - correction <= 0 (nan/inf in both libraries; no finite differences)."""
    if not name.startswith(("var", "std")):
        return False
    axes = range(x.ndim) if dim is None or dim == () else ([dim] if isinstance(dim, int) else dim)
    n = int(np.prod([x.shape[a] for a in axes])) if x.ndim else 1
    correction = 0 if ("biased" in name or "correction0" in name) else (2 if "correction2" in name else 1)
    return n <= correction


@pytest.mark.parametrize("name,op,cases", DIM_REDUCTIONS, ids=[c[0] for c in DIM_REDUCTIONS])
def test_reduction_parity(name: str, op: Callable, cases: st.SearchStrategy, device: str) -> None:
    @given(cases)
    def run(c: tuple) -> None:
        x, dim, keepdim = c
        if _degenerate(name, x, dim):  # torch's gradients there are inf/nan with no consistent rule
            check_both(lambda lib, t: op(lib, t, dim, keepdim), x, grad=False, device=device)
            return
        check_both(lambda lib, t: op(lib, t, dim, keepdim), x, gradcheck=x.size <= 24, device=device)

    run()


@given(case(S.shapes(1, 3, 1, 4)))
def test_sum_mean_of_views(c: tuple) -> None:
    """Reducing non-contiguous views (a transpose, a strided slice) of a graph tensor."""
    x, dim, keepdim = c

    def fn(lib: Any, t: Any) -> Any:
        flipped = t.permute(tuple(reversed(range(t.ndim))))
        return (flipped.sum(dim, keepdim) if dim is not None else flipped.sum()), t[..., ::2].mean()

    check_both(fn, x)


@pytest.mark.parametrize(
    "op",
    [
        lambda lib, x: x.max(),
        lambda lib, x: lib.min(x),
        lambda lib, x: x.amax(),
        lambda lib, x: lib.amax(x, (0, 1)),
        lambda lib, x: lib.amax(x, 1, keepdim=True),
    ],
    ids=["max", "min", "amax", "amax_dims", "amax_dim"],
)
@pytest.mark.parametrize(
    "x",
    [
        [[1.0, 3.0, 3.0], [2.0, 3.0, -1.0]],
        [[-1.0, -1.0, -1.0], [-1.0, -1.0, -1.0]],
        [[0.5, 0.0, 0.5], [0.0, 0.5, 0.5]],
    ],
    ids=["three_max_ties", "all_tied", "ties_in_rows"],
)
def test_full_max_min_split_gradient_among_ties(op: Callable, x: list) -> None:
    check_both(op, np.array(x), gradcheck=False)


def test_max_dim_ties_pick_the_index_torch_picks() -> None:
    x = np.array([[1.0, 3.0, 3.0, 2.0], [0.0, 0.0, -2.0, -2.0]])
    check_both(
        lambda lib, t: (tuple(t.max(1)), tuple(t.min(1)), t.argmax(1), t.argmin(1), t.argmax(), t.argmin()),
        x,
        gradcheck=False,
    )


def test_max_dim_returns_named_tuple() -> None:
    x = minitorch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    res = x.max(dim=1)
    values, indices = res
    assert values is res.values and indices is res.indices and res[0] is values
    assert indices.dtype is minitorch.int64 and indices.tolist() == [1, 0] and not indices.requires_grad
    assert values.tolist() == [5.0, 7.0] and values.grad_fn is not None
    assert len(res) == 2 and repr(res).startswith("torch.return_types.max(")
    assert repr(x.min(0)).startswith("torch.return_types.min(")


def _split(values: np.ndarray, sa: tuple, sb: tuple) -> tuple:
    n = int(np.prod(sa))
    return values[:n].reshape(sa), values[n:].reshape(sb)


@given(
    S.broadcastable_shapes(2, max_dims=3).flatmap(
        lambda s: distinct((int(np.prod(s[0])) + int(np.prod(s[1])),)).map(lambda v: _split(v, s[0], s[1]))
    )
)
def test_max_min_elementwise(ab: tuple) -> None:
    """No element of ``a`` ties with any of ``b``, so finite differences are valid."""
    a, b = ab
    check_both(lambda lib, x, y: (lib.max(x, y), lib.min(x, y), x.max(y)), a, b)


# (dtype, op) -> result must match torch's values and dtype exactly
INT_INPUTS = [
    np.array([[3, -1, 2], [0, 5, 5]], dtype=np.int32),
    np.array([[True, False, True], [True, True, True]]),
    np.array([[3, -1, 2], [0, 5, 5]], dtype=np.int64),
    np.array([[2, 1, 7]], dtype=np.uint8),
]
INT_OPS = [
    ("sum", lambda lib, x: (x.sum(), x.sum(0), x.sum(1, keepdim=True))),
    ("sum_dtype", lambda lib, x: x.sum(dtype=lib.float64)),
    ("prod", lambda lib, x: (x.prod(), x.prod(1))),
    ("max", lambda lib, x: (x.max(), tuple(x.max(1)), x.min(), tuple(x.min(0)))),
    ("argmax", lambda lib, x: (x.argmax(), x.argmin(1))),
    ("mean_dtype", lambda lib, x: x.mean(dtype=lib.float32)),
]


@pytest.mark.parametrize("name,op", INT_OPS, ids=[o[0] for o in INT_OPS])
@pytest.mark.parametrize("x", INT_INPUTS, ids=["int32", "bool", "int64", "uint8"])
def test_integer_and_bool_reductions(name: str, op: Callable, x: np.ndarray) -> None:
    if name == "argmax" and x.dtype == np.bool_:
        raises_like(lambda lib: op(lib, lib.tensor(x)), "does not support bool input")
        return
    check_parity(op, x, grad=False)


ERRORS = [
    (
        "dim_out_of_range",
        lambda lib: lib.ones(2, 3).sum(2),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    (
        "neg_dim_out_of_range",
        lambda lib: lib.ones(2, 3).mean(-3),
        "Dimension out of range (expected to be in range of [-2, 1], but got -3)",
    ),
    ("tuple_dim_out_of_range", lambda lib: lib.ones(2, 3).sum((0, 5)), "Dimension out of range"),
    (
        "scalar_dim",
        lambda lib: lib.tensor(1.0).sum(1),
        "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
    ),
    ("max_dim_out_of_range", lambda lib: lib.ones(2, 3).max(2), "Dimension out of range"),
    ("argmax_dim_out_of_range", lambda lib: lib.ones(2, 3).argmax(-3), "Dimension out of range"),
    ("var_dim_out_of_range", lambda lib: lib.ones(2, 3).var(3), "Dimension out of range"),
    ("repeated_dim", lambda lib: lib.ones(2, 3).sum((1, -1)), "appears multiple times in the list of dims"),
    ("mean_of_ints", lambda lib: lib.tensor([1, 2]).mean(), "mean(): could not infer output dtype"),
    ("max_of_empty", lambda lib: lib.ones(0).max(), "Expected reduction dim to be specified for input.numel() == 0"),
    ("max_dim_of_empty", lambda lib: lib.ones(2, 0).max(1), "Expected reduction dim 1 to have non-zero size"),
    (
        "argmax_of_empty",
        lambda lib: lib.ones(0, 3).argmax(),
        "Expected reduction dim to be specified for input.numel() == 0",
    ),
    ("argmax_dim_of_empty", lambda lib: lib.ones(0, 3).argmax(0), "Expected reduction dim 0 to have non-zero size"),
    ("amax_of_empty", lambda lib: lib.ones(0).amax(), "Expected reduction dim to be specified for input.numel() == 0"),
    ("amax_dim_of_empty", lambda lib: lib.ones(2, 0).amax((0, 1)), "Expected reduction dim 1 to have non-zero size"),
    ("argmax_of_bool", lambda lib: lib.tensor([True, False]).argmin(), "argmin(): does not support bool input"),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_reduction_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


@pytest.mark.filterwarnings("error")  # numpy's "Mean of empty slice" must not reach the user: torch is silent
@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(0).mean(),
        lambda lib: lib.zeros(0, 3).mean(0),
        lambda lib: lib.zeros(2, 0).mean(1, keepdim=True),
        lambda lib: lib.zeros(0, dtype=lib.float16).mean(),
    ],
)
def test_mean_of_nothing_is_nan_silently_like_torch(make: Any) -> None:
    assert_same_as_torch(make)
