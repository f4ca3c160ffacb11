"""Moving and selecting elements, and small elementwise extras, against torch: roll, movedim, fliplr/flipud, tile,
repeat_interleave, meshgrid, take_along_dim, take, masked_select, lerp, clamp_min/clamp_max, amin, logsumexp."""

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
from tests.test_ops_reduce import distinct

SHAPES = S.shapes(1, 3, 0, 4)


@st.composite
def with_dims(draw: Any, shapes: st.SearchStrategy = SHAPES, values: Callable = S.arrays) -> tuple:
    """(array, a dim, a pair of distinct dims or one dim twice when there is only one, small ints)."""
    x = draw(values(draw(shapes)))
    dims = draw(st.permutations(range(x.ndim)))
    return x, dims[0], tuple(dims[:2]), draw(st.integers(-5, 5)), draw(st.integers(0, 3))


def _mask(lib: Any, shape: tuple) -> Any:
    """A fixed pattern (gradcheck needs a mask that does not move with the values)."""
    return lib.arange(int(np.prod(shape))).reshape(shape) % 3 != 1


CASES = [
    ("roll", lambda lib, x, d, dd, s, r: (x.roll(s), lib.roll(x, s, d), x.roll((s, 1)[: len(dd)], dd)), with_dims()),
    ("movedim", lambda lib, x, d, dd, s, r: (x.movedim(d, -1), lib.moveaxis(x, dd, dd[::-1]) * 1), with_dims()),
    ("fliplr_flipud", lambda lib, x, d, dd, s, r: (lib.flipud(x), x.fliplr() if x.ndim > 1 else x * 1), with_dims()),
    ("tile", lambda lib, x, d, dd, s, r: (x.tile(r + 1), lib.tile(x, (2,) * (x.ndim + 1))), with_dims()),
    (
        "repeat_interleave",
        lambda lib, x, d, dd, s, r: (x.repeat_interleave(r), lib.repeat_interleave(x, r + 1, d)),
        with_dims(),
    ),
    (
        "masked_select",
        lambda lib, x, d, dd, s, r: (
            x.masked_select(_mask(lib, x.shape)),
            lib.masked_select(x, _mask(lib, x.shape[-1:])),
        ),
        with_dims(),
    ),
    (
        "take",
        lambda lib, x, d, dd, s, r: x.take(lib.tensor([[0, -1]]) % max(x.numel(), 1)) if x.numel() else x * 1,
        with_dims(),
    ),
    ("lerp", lambda lib, x, d, dd, s, r: (lib.lerp(x, x.flip(0), 0.25), x.lerp(x * 0.5, 0.75 + r)), with_dims()),
    ("lerp_tensor_weight", lambda lib, x, d, dd, s, r: lib.lerp(x, x.flip(0), x.flip(-1)), with_dims()),
    (
        "clamp_min_max",
        # (bounds off the grids hypothesis likes: at x == bound, finite differences see half a slope)
        lambda lib, x, d, dd, s, r: (x.clamp_min(-0.2371), lib.clamp_max(x, 0.2629), lib.clamp_min(x, x.flip(0))),
        with_dims(values=distinct),
    ),
    (
        "amin",
        lambda lib, x, d, dd, s, r: (x.amin(d), lib.amin(x, dd, keepdim=True)),
        with_dims(S.shapes(1, 3, 1, 4), distinct),
    ),
    ("logsumexp", lambda lib, x, d, dd, s, r: (x.logsumexp(d), lib.logsumexp(x * 40, dd, keepdim=True)), with_dims()),
]


@pytest.mark.parametrize("name,op,cases", CASES, ids=[c[0] for c in CASES])
def test_movement_parity(name: str, op: Callable, cases: st.SearchStrategy) -> None:
    @given(cases)
    def run(c: tuple) -> None:
        x, *rest = c
        check_both(lambda lib, t: op(lib, t, *rest), x, gradcheck=x.size <= 12)

    run()


@st.composite
def gather_like(draw: Any) -> tuple:
    """(array, indices, dim) for take_along_dim: indices broadcastable against the array apart from ``dim``."""
    x = draw(S.arrays(S.shapes(1, 3, 1, 3)))
    dim = draw(st.integers(0, x.ndim - 1))
    ishape = tuple(
        draw(st.integers(0, 3)) if d == dim else draw(st.sampled_from([1, n])) for d, n in enumerate(x.shape)
    )
    return x, draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, x.shape[dim] - 1))), dim


@given(gather_like())
def test_take_along_dim_parity(c: tuple) -> None:
    x, index, dim = c
    flat = np.arange(min(x.size, 3))
    check_both(
        lambda lib, t, i, f: (
            lib.take_along_dim(t, i, dim),
            t.take_along_dim(i, dim - x.ndim),
            lib.take_along_dim(t.contiguous(), f),  # torch views the input: strided ones fail there
        ),
        x,
        index,
        flat,
        gradcheck=x.size <= 12,
    )


@given(st.lists(S.arrays(S.shapes(0, 1, 0, 3)), min_size=1, max_size=3), st.sampled_from(["ij", "xy"]))
def test_meshgrid_parity(vectors: list, indexing: str) -> None:
    check_both(lambda lib, *ts: lib.meshgrid(*ts, indexing=indexing), *vectors, gradcheck=False)
    check_both(
        lambda lib, *ts: tuple(g * 1 for g in lib.meshgrid(list(ts), indexing=indexing)), *vectors, gradcheck=False
    )


def test_meshgrid_without_indexing_warns_and_uses_ij() -> None:
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
            grids = lib.meshgrid(lib.arange(2), lib.arange(3))
        assert tuple(grids[0].shape) == (2, 3)


def test_repeat_interleave_with_counts() -> None:
    x = np.arange(6.0).reshape(2, 3)
    check_both(
        lambda lib, t, r: (
            t.repeat_interleave(r[:2], dim=0),
            lib.repeat_interleave(t, r, dim=1),
            lib.repeat_interleave(r),
        ),
        x,
        np.array([2, 0, 3]),
        gradcheck=False,
    )


def test_roll_and_friends_on_integers() -> None:
    check_parity(
        lambda lib, t: (
            t.roll(2),
            t.movedim(0, 1),
            t.tile(2),
            t.repeat_interleave(2, 1),
            t.amin(1),
            t.clamp_min(3),
            t.masked_select(t > 4),
        ),
        np.arange(12).reshape(3, 4),
        grad=False,
    )


def test_logsumexp_of_infinities_and_integers() -> None:
    x = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 2.0]])
    check_parity(lambda lib, t: (t.logsumexp(1), lib.logsumexp(t, 0)), x, grad=False)
    check_parity(lambda lib, t: t.logsumexp(0), np.array([1, 2, 3]), grad=False)


ERRORS = [
    ("roll_align", lambda lib: lib.zeros(2, 3).roll(1, (0, 1)), "shifts and dimensions must align. shifts: 1, dims:2"),
    ("roll_dim", lambda lib: lib.zeros(2, 3).roll(1, 2), "Dimension out of range"),
    (
        "movedim_repeated",
        lambda lib: lib.zeros(2, 3).movedim((0, 0), (1, 0)),
        "movedim: repeated dim in `source` ([0, 0])",
    ),
    (
        "movedim_counts",
        lambda lib: lib.zeros(2, 3).movedim((0, 1), (1,)),
        "movedim: Invalid source or destination dims",
    ),
    ("fliplr_rank", lambda lib: lib.zeros(3).fliplr(), "Input must be >= 2-d."),
    ("repeat_interleave_negative", lambda lib: lib.zeros(3).repeat_interleave(-1), "Repeats must be non-negative"),
    (
        "repeat_interleave_counts",
        lambda lib: lib.zeros(2, 3).repeat_interleave(lib.tensor([1, 2, 3])),
        "repeats must have the same size as input along dim",
    ),
    (
        "meshgrid_dtypes",
        lambda lib: lib.meshgrid(lib.arange(2), lib.zeros(3), indexing="ij"),
        "meshgrid expects all tensors to have the same dtype",
    ),
    (
        "meshgrid_rank",
        lambda lib: lib.meshgrid(lib.zeros(2, 2), indexing="ij"),
        "Expected 0D or 1D tensor in the tensor list",
    ),
    (
        "meshgrid_indexing",
        lambda lib: lib.meshgrid(lib.zeros(2), indexing="yx"),
        'indexing must be one of "xy" or "ij", but received: yx',
    ),
    (
        "take_along_dim_dtype",
        lambda lib: lib.take_along_dim(lib.zeros(2, 3), lib.zeros(2, 1, dtype=lib.int32), 1),
        "dtype of indices should be Long but got Int",
    ),
    (
        "take_along_dim_rank",
        lambda lib: lib.take_along_dim(lib.zeros(2, 3), lib.tensor([0]), 1),
        "input and indices should have the same number of dimensions",
    ),
    (
        "take_along_dim_shapes",
        lambda lib: lib.take_along_dim(lib.zeros(2, 3), lib.zeros(3, 1, dtype=lib.int64), 1),
        "The size of tensor a (2) must match the size of tensor b (3)",
    ),
    (
        "take_range",
        lambda lib: lib.zeros(2, 3).take(lib.tensor([7])),
        "out of range: tried to access index 7 on a tensor of 6 elements.",
    ),
    (
        "take_dtype",
        lambda lib: lib.zeros(2, 3).take(lib.tensor([0.0])),
        "take(): Expected a long tensor for index, but got Float",
    ),
    (
        "masked_select_dtype",
        lambda lib: lib.zeros(2, 3).masked_select(lib.ones(3)),
        "masked_select: expected BoolTensor for mask",
    ),
    (
        "lerp_dtypes",
        lambda lib: lib.lerp(lib.zeros(3), lib.ones(3, dtype=lib.float64), 0.5),
        "expected dtype float for `end` but got dtype double",
    ),
    (
        "lerp_integers",
        lambda lib: lib.lerp(lib.zeros(3, dtype=lib.int64), lib.ones(3, dtype=lib.int64), 0.5),
        "\"lerp_kernel_scalar\" not implemented for 'Long'",
    ),
    ("amin_empty", lambda lib: lib.zeros(2, 0).amin(1), "amin(): Expected reduction dim 1 to have non-zero size."),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_movement_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


def test_movement_node_names_are_torchs() -> None:
    def names(lib: Any) -> list:
        x = lib.ones(2, 3, requires_grad=True)
        outs = [x.roll(1, 0), x.movedim(0, 1), x.fliplr(), x.tile(2), lib.lerp(x, x * 2, 0.5), lib.lerp(x, x * 2, x)]
        outs += [x.amin(0), x.logsumexp(1), lib.take_along_dim(x, lib.tensor([[0], [1]]), 1)]
        return [y.grad_fn.name() for y in outs]

    assert names(minitorch) == names(torch)


def test_other_spellings() -> None:
    """The function spelling of ops tested as methods above (and the reverse), and more in-place forms."""
    rng = np.random.default_rng(3)
    a, b, c = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (2, 3, 4))
    index, mask = np.array([[0, 3], [1, 1], [2, 0]]), np.arange(12).reshape(3, 4) % 3 == 0

    def spellings(lib: Any, a: Any, b: Any, c: Any, i: Any, m: Any) -> tuple:
        return (
            lib.masked_scatter(a, m, b),
            lib.scatter_reduce(a, 1, i, b[:, :2], "amax"),
            (a * 1).scatter_reduce_(1, i, b[:, :2], "sum", include_self=False),
            tuple(lib.mode(a, 1)),
            lib.fliplr(a),
            a.flipud(),
            lib.movedim(c, 0, 1),
            c.moveaxis(0, 2),
            lib.take(a, i),
            a.clamp_max(0.1),
            (a * 1).clamp_max_(0.2),
            (a * 1).clamp_min_(-0.2),
            (a * 1).cumprod_(1),
            a[0].ger(b[0]),
            (a * 1).lerp_(b, 0.3),
            a.addmm(b[:, :2], b[:2, :], beta=2),
            a[:, 0].addmv(a, b[0]),
            c[:, :, :3].baddbmm(c, c.transpose(1, 2)),
            (c[:, :, :3] * 1).baddbmm_(c, c.transpose(1, 2), alpha=0.5),
            a[:, :3].addbmm(c, c.transpose(1, 2)),
        )

    check_both(spellings, a, b, c, index, mask, gradcheck=False)


DIFFS_AND_VIEWS = [
    "lib.diff(x)",
    "x.diff(n=2, dim=0)",
    "lib.diff(x, dim=1, prepend=y[:, :1], append=y)",
    "lib.diff(x, n=3, dim=-1)",
    "lib.diff(x, n=0)",
    "lib.select(x, 1, 2) * y[0, 2]",
    "x.select(0, -1)",
    "lib.ravel(x.t()) * lib.ravel(y)",
    "lib.broadcast_tensors(x, y[:1], x[:, :1])[1] * x",
    "lib.broadcast_tensors(x[:, :1], y)[0] + lib.broadcast_tensors(x[:, :1], y)[1]",
]


@pytest.mark.parametrize("expr", DIFFS_AND_VIEWS)
def test_diff_select_ravel_broadcast_tensors(expr):
    """Compositions of slices, subtraction and views, recorded as torch records them."""
    x = np.random.default_rng(0).uniform(-1, 1, (3, 4))
    y = np.random.default_rng(1).uniform(-1, 1, (3, 4))
    check_both(lambda lib, a, b: eval(expr, {"lib": lib, "x": a, "y": b}), x, y)
    names = []
    for lib in (torch, minitorch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(y, requires_grad=True)
        names.append(type(eval(expr, {"lib": lib, "x": a, "y": b}).grad_fn).__name__)
    assert names[0] == names[1]


@pytest.mark.parametrize(
    "expr",
    [
        "lib.diff(lib.tensor(1.0))",
        "lib.diff(lib.ones(3), n=-1)",
        "lib.select(lib.ones(2, 3), 1, 3)",
        "lib.select(lib.ones(2, 3), 2, 0)",
        "lib.broadcast_tensors(lib.ones(2), lib.ones(3))",
    ],
)
def test_diff_select_broadcast_tensors_refuse_as_torch(expr):
    raises_like(lambda lib: eval(expr, {"lib": lib}))


def test_diff_of_bools_and_integers_as_torch():
    for values in ([True, False, False, True], [1, 4, 9, 16]):
        got = minitorch.diff(minitorch.tensor(values), n=2)
        want = torch.diff(torch.tensor(values), n=2)
        assert got.tolist() == want.tolist() and got.dtype.name == str(want.dtype).split(".")[1]
